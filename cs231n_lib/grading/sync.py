"""Copy each graded unit's reference source from cs231n_lib into its notebook solution cell."""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .course import Unit, assignments, method_units
from .markers import grade_id, is_solution_cell


def unit_source(unit: Unit) -> str:
    """The text of the unit's cell: its definition in its library module.

    A method unit's text is the method's, dedented to a top-level function. A class's text carries,
    for each of its method units, only the method's signature and docstring and a body that says
    where it is written: that method is graded in its own cell, never as part of the class.
    """
    text = unit.library_file.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    container, name = tree.body, unit.name
    if unit.method_of:
        container = next((node.body for node in tree.body
                          if isinstance(node, ast.ClassDef) and node.name == unit.method_of), [])
    for node in container:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            if unit.method_of:
                _check_method_unit(unit, node)
            source = _definition_text(node, lines)
            if isinstance(node, ast.ClassDef):
                source = _with_method_units_stubbed(unit, node, lines, source)
            source = textwrap.dedent(source)
            if unit.method_of and not source.startswith("def "):  # a string literal less indented than the def
                raise ValueError(f"method unit {unit.qualified_name} does not dedent to a top-level function")
            return source
    raise LookupError(f"{unit.qualified_name} is not defined in {unit.library_file}")


def _check_method_unit(unit: Unit, method: ast.AST) -> None:
    """A method unit's cell is the method as a top-level function, which the package's class calls with
    self: that holds only for a plain method whose body starts on its own line and never needs the class."""
    problem = None
    if not isinstance(method, ast.FunctionDef):
        problem = "is not a plain method"
    elif method.decorator_list:
        problem = "is decorated"
    elif method.body[0].lineno == method.lineno:
        problem = "has its body on the line of its def"
    elif any(isinstance(node, ast.Name) and node.id == "super" for node in ast.walk(method)):
        problem = "calls super(), which a top-level function cannot"
    if problem:
        raise ValueError(f"method unit {unit.qualified_name} {problem}; a method unit must be a plain method")


def _definition_text(node: ast.FunctionDef | ast.ClassDef, lines: list[str]) -> str:
    first, last = _definition_span(node, lines)
    return "\n".join(lines[first - 1 : last])


def _definition_span(node: ast.FunctionDef | ast.ClassDef, lines: list[str]) -> tuple[int, int]:
    """The first and last line numbers of node's text: decorators first, trailing comments last."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    last = node.end_lineno
    # The AST ends at the last statement; comments after it indented deeper than the def (an
    # ### END SOLUTION) belong too, up to the next line as shallow as the def.
    body_indent = node.col_offset + 1
    while last < len(lines) and (not lines[last].strip() or _indent(lines[last]) >= body_indent):
        last += 1
    while not lines[last - 1].strip():
        last -= 1
    return first, last


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _with_method_units_stubbed(unit: Unit, node: ast.ClassDef, lines: list[str], source: str) -> str:
    """source (the class node's text) with the body of each method unit replaced by the first line of
    its docstring and a NotImplementedError that names the assignment where it is written."""
    first = _definition_span(node, lines)[0]
    source_lines = source.splitlines()
    for method in reversed(node.body):
        where = method_units().get((unit.module, node.name, getattr(method, "name", None)))
        if where is None:
            continue
        indent = " " * method.body[0].col_offset
        summary = (ast.get_docstring(method) or "").partition("\n")[0]
        docstring = f'"""{summary}"""' if '"' not in summary else repr(summary)
        stub = [f"{indent}{docstring}"] if summary else []
        written_in = f"{node.name}.{method.name} is written in the {where} assignment"
        stub.append(f'{indent}raise NotImplementedError("{written_in}")')
        source_lines[method.body[0].lineno - first:_definition_span(method, lines)[1] - first + 1] = stub
    return "\n".join(source_lines)


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
