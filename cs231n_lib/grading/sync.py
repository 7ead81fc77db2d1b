"""Copy each graded unit's reference source from cs231n_lib into its notebook solution cell."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .course import Unit, assignments
from .markers import grade_id, is_solution_cell


def unit_source(unit: Unit) -> str:
    """The exact text of the unit's top-level definition in its library module."""
    path = unit.library_file
    text = path.read_text()
    lines = text.splitlines()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == unit.name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            last = node.end_lineno
            # The AST ends at the last statement; indented comments after it (an ### END SOLUTION) belong too.
            while last < len(lines) and (not lines[last].strip() or lines[last][:1].isspace()):
                last += 1
            while not lines[last - 1].strip():
                last -= 1
            return "\n".join(lines[first - 1 : last])
    raise LookupError(f"{unit.name} is not defined at the top level of {path}")


@dataclass(frozen=True)
class Drift:
    notebook: Path
    unit: str
    problem: str


def sync(course_root: Path, check_only: bool = False, names: list[str] | None = None) -> list[Drift]:
    """Write (or, with check_only, compare) every solution cell named after a unit.

    Only the assignments in names, if given. Returns what differed (or was missing); with
    check_only nothing is written.
    """
    drifts = []
    for assignment in assignments():
        if names and assignment.name not in names:
            continue
        for notebook_name in assignment.notebooks:
            path = course_root / "source" / assignment.name / f"{notebook_name}.ipynb"
            if not path.exists():
                drifts.append(Drift(path, "-", "the assignment names this notebook, but it does not exist"))
                continue
            notebook = nbformat.read(path, as_version=4)
            cells = {
                grade_id(cell): cell
                for cell in notebook.cells
                if is_solution_cell(cell)
            }
            changed = False
            for unit in assignment.units:
                if unit.name not in cells:
                    continue  # the unit lives in another notebook of this assignment
                expected = unit_source(unit)
                if cells[unit.name].source != expected:
                    drifts.append(Drift(path, unit.name, "solution cell differs from the library"))
                    cells[unit.name].source = expected
                    changed = True
            missing = [u.name for u in assignment.units if not _defined_in_some_notebook(course_root, assignment, u)]
            for name in missing:
                drifts.append(Drift(path, name, "no solution cell with this grade_id in the assignment"))
            if changed and not check_only:
                nbformat.write(notebook, path)
    return drifts


def _defined_in_some_notebook(course_root: Path, assignment, unit: Unit) -> bool:
    for notebook_name in assignment.notebooks:
        path = course_root / "source" / assignment.name / f"{notebook_name}.ipynb"
        if not path.exists():
            continue
        notebook = nbformat.read(path, as_version=4)
        if any(grade_id(cell) == unit.name for cell in notebook.cells):
            return True
    return False
