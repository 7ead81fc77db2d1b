"""Static facts about a submission's code, read in the grader (never trusted from the kernel)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .compare import CheckFailure
from .course import LIBRARY_PACKAGE
from .markers import grade_id, is_solution_cell, is_test_cell

REFERENCE_PACKAGE = LIBRARY_PACKAGE

# Calls that hide a Python-level loop behind a function.
LOOPING_CALLS = {"vectorize", "apply_along_axis", "apply_over_axes", "fromiter", "frompyfunc", "map", "filter",
                 "starmap"}
# Calls that run code the loop ban cannot read (a string of code).
OPAQUE_CALLS = {"eval", "exec", "compile"}
# Calls that reach attributes or names computed at run time: they could reach any function of the notebook.
DYNAMIC_CALLS = {"getattr", "globals", "locals", "vars", "methodcaller", "attrgetter", "__getattribute__"}

# Cells the grader appends to run hidden checks (see preprocessors.InjectHiddenChecks); never the student's.
PROBE_CELL_KEY = "cs231n_probe"


def is_probe_cell(cell) -> bool:
    """A hidden-check cell the grader appended (only the grader writes this metadata into the executed copy)."""
    return cell.get("cell_type") == "code" and PROBE_CELL_KEY in cell.get("metadata", {})


@dataclass(frozen=True)
class StudentCode:
    """The code cells a student could edit, in notebook order, with their solution cell ids."""

    cells: tuple[str, ...]
    cell_ids: tuple[str | None, ...] = ()  # grade_id of each solution cell, None for other cells

    @classmethod
    def from_notebook(cls, notebook) -> StudentCode:
        cells, ids = [], []
        for cell in notebook.cells:
            if cell.get("cell_type") == "code" and not is_test_cell(cell) and not is_probe_cell(cell):
                cells.append(cell.get("source", ""))
                ids.append(grade_id(cell) if is_solution_cell(cell) else None)
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

    def _top_level(self, kind: type) -> dict:
        """The last top-level definition of each name, of kind, across the cells in order."""
        return {node.name: node for tree in self.trees() for node in tree.body if isinstance(node, kind)}

    def top_level_functions(self) -> dict[str, ast.FunctionDef]:
        return self._top_level(ast.FunctionDef)

    def top_level_classes(self) -> dict[str, ast.ClassDef]:
        return self._top_level(ast.ClassDef)


def _without_magics(source: str) -> str:
    # IPython magics and shell escapes are not Python; blank them so the rest still parses.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def parse_cell(source: str) -> ast.Module | None:
    """A code cell's syntax tree (magics blanked), or None if it does not parse."""
    try:
        return ast.parse(_without_magics(source))
    except SyntaxError:
        return None


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _loop_in(node: ast.AST) -> str | None:
    for child in ast.walk(node):
        if isinstance(child, (ast.For, ast.AsyncFor, ast.While)):
            return f"a {type(child).__name__.lower()} loop (line {child.lineno})"
        if isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return f"a comprehension (line {child.lineno})"
        if isinstance(child, ast.Call):
            name = _called_name(child)
            if name in LOOPING_CALLS:
                return f"a call to {name} (line {child.lineno})"
            if name in OPAQUE_CALLS:
                return f"a call to {name} (line {child.lineno}), whose code the grader cannot check for loops"
    return None


class _NotebookCode:
    """Where a name used in a definition can lead: the notebook's functions, classes and methods."""

    # Attributes of arrays: `x.sum()` is numpy's, even when a notebook class has a method `sum`.
    ARRAY_ATTRIBUTES = frozenset(dir(__import__("numpy").ndarray))

    def __init__(self, code: StudentCode):
        self.functions = code.top_level_functions()
        self.classes = code.top_level_classes()

    def methods(self, class_name: str, seen: frozenset[str] = frozenset()) -> dict[str, ast.FunctionDef]:
        """The methods of a notebook class, including those it inherits from notebook classes."""
        node = self.classes.get(class_name)
        if node is None or class_name in seen:
            return {}
        found: dict[str, ast.FunctionDef] = {}
        for base in reversed(node.bases):
            if isinstance(base, ast.Name):
                found.update(self.methods(base.id, seen | {class_name}))
        found.update({n.name: n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))})
        return found

    def everything(self) -> list[tuple[str, ast.AST, str | None]]:
        every = [(name, node, None) for name, node in self.functions.items()]
        for class_name in self.classes:
            every += [(f"{class_name}.{m}", node, class_name) for m, node in self.methods(class_name).items()]
        return every

    def reachable(self, node: ast.AST, owner: str | None) -> list[tuple[str, ast.AST, str | None]]:
        """(name, definition, class) of every notebook function or method node refers to.

        A reference counts whether or not it is called on the spot (`f = self.helper; f(x)`); an
        attribute or name computed at run time (getattr with a computed name, globals(), vars())
        could be any of them, so it reaches every function and method of the notebook.
        """
        found = []
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
                if child.id in self.functions:
                    found.append((child.id, self.functions[child.id], None))
                elif child.id in self.classes:
                    init = self.methods(child.id).get("__init__")
                    if init is not None:
                        found.append((f"{child.id}.__init__", init, child.id))
            elif isinstance(child, ast.Attribute):
                found += self._attribute(child.value, child.attr, owner)
            elif isinstance(child, ast.Call) and _called_name(child) in DYNAMIC_CALLS:
                attribute = _constant_getattr(child)
                if attribute is None:
                    return self.everything()
                found += self._attribute(child.args[0], attribute, owner)
        return found

    def _attribute(self, value: ast.AST, attribute: str, owner: str | None) -> list[tuple[str, ast.AST, str | None]]:
        # self.m / cls.m / type(self).m: the owner's method; ClassName.m: that class's; anything else
        # (an instance made here, super()): any notebook class's method of that name.
        if isinstance(value, ast.Name) and value.id in ("self", "cls") and owner is not None:
            candidates = [owner]
        elif isinstance(value, ast.Call) and _called_name(value) == "type" and owner is not None:
            candidates = [owner]
        elif isinstance(value, ast.Name) and value.id in self.classes:
            candidates = [value.id]
        elif attribute in self.ARRAY_ATTRIBUTES:
            return []
        else:
            candidates = list(self.classes)
        found = []
        for class_name in candidates:
            method = self.methods(class_name).get(attribute)
            if method is not None:
                found.append((f"{class_name}.{attribute}", method, class_name))
        return found


def _constant_getattr(call: ast.Call) -> str | None:
    """The attribute a getattr(obj, "name") call reads, when its name is a constant; else None."""
    if _called_name(call) == "getattr" and len(call.args) >= 2:
        name = call.args[1]
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            return name.value
    return None


def forbid_loops(qualified_name: str):
    """A static check: the definition, and every notebook function or method it can reach, has no Python loop.

    Calls are followed into top-level functions, methods of the same class (`self.helper(x)`),
    methods of other notebook classes, and functions or methods used as values; a name computed
    at run time (getattr with a computed name, globals()) is taken to reach every one of them.
    """

    def check(code: StudentCode) -> list[str]:
        node = code.definition(qualified_name)
        if node is None:
            raise CheckFailure(f"{qualified_name}: no definition found in the notebook")
        owner = qualified_name.partition(".")[0] if "." in qualified_name else None
        notebook = _NotebookCode(code)
        seen, pending = {qualified_name}, [(qualified_name, node, owner)]
        while pending:
            name, current, current_owner = pending.pop()
            loop = _loop_in(current)
            if loop:
                via = "" if name == qualified_name else f" (through {name})"
                raise CheckFailure(f"{qualified_name}: must not use Python loops, but it uses {loop}{via}")
            for callee, definition, callee_owner in notebook.reachable(current, current_owner):
                if callee not in seen:
                    seen.add(callee)
                    pending.append((callee, definition, callee_owner))
        return [f"{qualified_name}: no Python loops"]

    check.forbids_loops_in = qualified_name  # read by the students' pre-submission check (check_data)
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
