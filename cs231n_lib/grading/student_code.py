"""Static facts about a submission's code, read in the grader (never trusted from the kernel)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .compare import CheckFailure

REFERENCE_PACKAGE = "cs231n_lib"

# Calls that hide a Python-level loop behind a function.
LOOPING_CALLS = {"vectorize", "apply_along_axis", "apply_over_axes", "fromiter", "frompyfunc", "map"}


def is_test_cell(cell) -> bool:
    """A graded code cell that is not the student's to write (nbgrader's "autograder tests" cell)."""
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and nbgrader.get("grade", False) and not nbgrader.get("solution", False)


@dataclass(frozen=True)
class StudentCode:
    """The code cells a student could edit, in notebook order, with their solution cell ids."""

    cells: tuple[str, ...]
    cell_ids: tuple[str | None, ...] = ()  # grade_id of each solution cell, None for other cells

    @classmethod
    def from_notebook(cls, notebook) -> StudentCode:
        cells, ids = [], []
        for cell in notebook.cells:
            nbgrader = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("cell_type") == "code" and not is_test_cell(cell):
                cells.append(cell.get("source", ""))
                ids.append(nbgrader.get("grade_id") if nbgrader.get("solution") else None)
        return cls(tuple(cells), tuple(ids))

    def cells_affecting(self, unit: str) -> list[str]:
        """The unit's own solution cell and every cell that is nobody's solution cell."""
        ids = self.cell_ids or (None,) * len(self.cells)
        return [source for source, cell_id in zip(self.cells, ids, strict=True) if cell_id in (None, unit)]

    def trees(self) -> list[ast.Module]:
        trees = []
        for source in self.cells:
            try:
                trees.append(ast.parse(_without_magics(source)))
            except SyntaxError:
                continue
        return trees

    def definition(self, qualified_name: str) -> ast.AST | None:
        """The last top-level definition of 'name' or 'Class.method', as the kernel would see it."""
        head, _, method = qualified_name.partition(".")
        found = None
        for tree in self.trees():
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == head:
                    found = node
        if found is None or not method:
            return found
        if not isinstance(found, ast.ClassDef):
            return None
        methods = [n for n in found.body if isinstance(n, ast.FunctionDef) and n.name == method]
        return methods[-1] if methods else None

    def top_level_functions(self) -> dict[str, ast.FunctionDef]:
        functions = {}
        for tree in self.trees():
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    functions[node.name] = node
        return functions


def _without_magics(source: str) -> str:
    # IPython magics and shell escapes are not Python; blank them so the rest still parses.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _loop_in(node: ast.AST) -> str | None:
    for child in ast.walk(node):
        if isinstance(child, (ast.For, ast.AsyncFor, ast.While)):
            return f"a {type(child).__name__.lower()} loop (line {child.lineno})"
        if isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return f"a comprehension (line {child.lineno})"
        if isinstance(child, ast.Call):
            func = child.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in LOOPING_CALLS:
                return f"a call to {name} (line {child.lineno})"
    return None


def forbid_loops(qualified_name: str):
    """A static check: the definition (and notebook functions it calls) has no Python loop."""

    def check(code: StudentCode) -> list[str]:
        node = code.definition(qualified_name)
        if node is None:
            raise CheckFailure(f"{qualified_name}: no definition found in the notebook")
        helpers = code.top_level_functions()
        seen, pending = set(), [(qualified_name, node)]
        while pending:
            name, current = pending.pop()
            loop = _loop_in(current)
            if loop:
                via = "" if name == qualified_name else f" (through {name})"
                raise CheckFailure(f"{qualified_name}: must not use Python loops, but it uses {loop}{via}")
            for child in ast.walk(current):
                if isinstance(child, ast.Call) and isinstance(child.func, ast.Name):
                    callee = child.func.id
                    if callee in helpers and callee not in seen:
                        seen.add(callee)
                        pending.append((callee, helpers[callee]))
        return [f"{qualified_name}: no Python loops"]

    return check


def forbid_reference_library(unit: str):
    """A static check: the unit's cell (or any shared cell) does not reach for the reference."""

    def check(code: StudentCode) -> list[str]:
        for source in code.cells_affecting(unit):
            if REFERENCE_PACKAGE in source:
                raise CheckFailure(
                    f"{unit}: the code refers to '{REFERENCE_PACKAGE}', the instructors' reference library; "
                    "submissions must implement the exercise themselves"
                )
        return []

    return check
