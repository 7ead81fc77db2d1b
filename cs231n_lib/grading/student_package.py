"""Build the student package ``cs231n/`` of one assignment from the reference library.

Helpers ship as they are; units graded in earlier assignments ship solved;
every other solution region (graded now or later) becomes a stub, so a
release never carries an answer early.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from .course import LIBRARY_ROOT, STUDENT_PACKAGE, units_graded_before

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
EXCLUDED_DIRECTORIES = {"grading", "__pycache__"}

PACKAGE_DOCSTRING = '''"""Course package for the {assignment} assignment.

Helpers (data loading, gradient checking, plotting) and the code you wrote in
earlier assignments. Functions you implement in this or a later assignment
are stubs that raise NotImplementedError; the notebooks define them.
"""
'''


def top_level_owner(tree: ast.Module, line: int) -> str | None:
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.lineno <= line <= node.end_lineno:
            return node.name
    return None


def stub_module(text: str, module: str, solved: set[tuple[str, str]]) -> str:
    """Replace the solution regions of text that are not in solved; drop the markers of the rest."""
    tree = ast.parse(text)
    lines, output, region_start = text.splitlines(), [], None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            region_start = number
            owner = top_level_owner(tree, number)
            keep = owner is not None and (module, owner) in solved
            indent = line[: len(line) - len(line.lstrip())]
            if not keep:
                output += [indent + stub_line for stub_line in STUB]
            continue
        if stripped == END:
            if region_start is None:
                raise ValueError(f"{module}: line {number}: {END} without {BEGIN}")
            region_start = None
            continue
        if region_start is None or keep:
            output.append(line)
    if region_start is not None:
        raise ValueError(f"{module}: line {region_start}: {BEGIN} is never closed")
    return "\n".join(output) + "\n"


def build_student_package(assignment: str, destination: Path) -> list[Path]:
    """Write the student package for assignment into destination/cs231n; return the files written."""
    target = destination / STUDENT_PACKAGE
    if target.exists():
        shutil.rmtree(target)
    solved = units_graded_before(assignment)
    written = []
    for source in sorted(LIBRARY_ROOT.rglob("*.py")):
        relative = source.relative_to(LIBRARY_ROOT)
        if EXCLUDED_DIRECTORIES & set(relative.parts):
            continue
        module = ".".join(relative.with_suffix("").parts)
        if relative == Path("__init__.py"):
            text = PACKAGE_DOCSTRING.format(assignment=assignment)
        else:
            text = stub_module(source.read_text(), module, solved)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
