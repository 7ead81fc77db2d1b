"""Build the student package ``cs231n/`` of one assignment from the reference library.

Helpers ship as they are and units graded in earlier assignments ship solved.
The assignment's own units are written in its notebook, the one place a
student edits them: their copies here hold no TODO, only a call of the
notebook's definition, so package code that uses them (a layer inside a
network) runs the student's. Units of later assignments raise
NotImplementedError naming the assignment that grades them. A release never
carries an answer early.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from .course import (
    GRADING_PACKAGE,
    LIBRARY_ROOT,
    REPO_ROOT,
    STUDENT_PACKAGE,
    assignments,
    get_assignment,
    method_units,
    package_data_of,
    units_graded_before,
)
from .markers import is_test_cell, solution_regions

EXCLUDED_DIRECTORIES = {GRADING_PACKAGE, "__pycache__"}
NOTEBOOK_UNITS_MODULE = "notebook_units"

PACKAGE_DOCSTRING = '''"""Course package for the {assignment} assignment.

Helpers (data loading, gradient checking, plotting) and the code you wrote in
earlier assignments. The units of this assignment are written in its notebook,
where they are graded; their copies here call the notebook's definitions. Units
of later assignments raise NotImplementedError.
"""

from .cell_errors import install as _install_cell_errors

# In a notebook, a cell that fails because an earlier cell failed names that cell.
_install_cell_errors()
'''

NOTEBOOK_UNITS = '''"""This assignment's units are written in its notebook, where they are graded.

The package's copy of each calls the definition the notebook's cell made, so
package code that uses a unit (a layer inside a network, say) runs yours.
"""

import sys


def written_in_notebook(name, notebook):
    """The notebook's definition of name; NotImplementedError until the cell that defines it has run."""
    definition = getattr(sys.modules.get("__main__"), name, None)
    if definition is None or getattr(definition, "__module__", "").partition(".")[0] == __name__.partition(".")[0]:
        raise NotImplementedError(f"{name} is written in {notebook}: run the cell that defines it there")
    return definition
'''


def top_level_owner(tree: ast.Module, line: int) -> str | None:
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.lineno <= line <= node.end_lineno:
            return node.name
    return None


def unit_owning(tree: ast.Module, line: int, module: str) -> str | None:
    """The qualified name of the unit whose code holds line: "Class.method" if line is inside a method
    unit, else the top-level function or class around it (None outside any)."""
    owner = top_level_owner(tree, line)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == owner:
            for method in node.body:
                if (isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef))
                        and method.lineno <= line <= method.end_lineno
                        and (module, owner, method.name) in method_units()):
                    return f"{owner}.{method.name}"
    return owner


def _enclosing_function(functions: list[ast.FunctionDef | ast.AsyncFunctionDef],
                        line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The innermost of functions (every function of a module) whose lines hold line."""
    found = None
    for node in functions:
        if node.lineno <= line <= node.end_lineno and (found is None or node.lineno > found.lineno):
            found = node
    return found


def _body_start(lines: list[str], function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The first line of function's body after its docstring, comments included."""
    first = function.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first.end_lineno + 1
    number = function.lineno  # the signature ends at the first line ending with its colon
    while not lines[number - 1].split("#")[0].rstrip().endswith(":"):
        number += 1
    return number + 1


def _forwarded_arguments(arguments: ast.arguments) -> str:
    """The call that passes a function's own parameters on unchanged: "x, w, *rest, k=k, **options"."""
    parts = [argument.arg for argument in arguments.posonlyargs + arguments.args]
    if arguments.vararg:
        parts.append("*" + arguments.vararg.arg)
    parts += [f"{argument.arg}={argument.arg}" for argument in arguments.kwonlyargs]
    if arguments.kwarg:
        parts.append("**" + arguments.kwarg.arg)
    return ", ".join(parts)


def _replacement_body(tree: ast.Module, function: ast.FunctionDef | ast.AsyncFunctionDef, owner: str,
                      indent: str, notebook: str | None, graded_in: str | None, module: str) -> list[str]:
    if notebook is None:
        later = f"in a later assignment ({graded_in})" if graded_in else "in another assignment"
        return [f'{indent}raise NotImplementedError("{owner} is written {later}")']
    if function.name == owner.rpartition(".")[2]:  # the unit itself; a method unit's cell is a function
        target = f'written_in_notebook("{function.name}", "{notebook}")'
    elif any(isinstance(node, ast.ClassDef) and node.name == owner and function in node.body for node in tree.body):
        target = f'written_in_notebook("{owner}", "{notebook}").{function.name}'
    else:
        raise ValueError(f"{module}: {function.name} (line {function.lineno}) holds a solution region of {owner} "
                         "but is neither that function nor one of its methods")
    return [f"{indent}# Written and graded in {notebook}; edit it there. This copy calls the notebook's.",
            f"{indent}from {STUDENT_PACKAGE}.{NOTEBOOK_UNITS_MODULE} import written_in_notebook",
            f"{indent}return {target}({_forwarded_arguments(function.args)})"]


def stub_module(text: str, module: str, solved: set[tuple[str, str]],
                written_in: dict[tuple[str, str], str] | None = None,
                graded_in: dict[tuple[str, str], str] | None = None) -> str:
    """text with each solution region resolved: the markers of units in solved are dropped (the code
    ships); every other function holding a region gets a new body, which calls the notebook's
    definition for a unit of written_in ((module, unit) -> its notebook file) and otherwise raises
    NotImplementedError naming the assignment of graded_in ((module, unit) -> assignment)."""
    written_in, graded_in = written_in or {}, graded_in or {}
    tree, lines = ast.parse(text), text.splitlines()
    # Walked once per module, not once per region: a module holds dozens of regions.
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    replaced: dict[int, tuple[int, list[str]]] = {}  # first line -> (last line, new lines)
    dropped: set[int] = set()
    for first, last in solution_regions(text, module):
        owner = unit_owning(tree, first, module)
        if owner is not None and (module, owner) in solved:
            dropped |= {first, last}
            continue
        function = _enclosing_function(functions, first)
        if function is None or owner is None:
            raise ValueError(f"{module}: line {first}: a solution region outside any function")
        body = function.body
        start = _body_start(lines, function)
        indent = lines[body[0].lineno - 1][: len(lines[body[0].lineno - 1]) - len(lines[body[0].lineno - 1].lstrip())]
        end = max(function.end_lineno, last, replaced.get(start, (0, []))[0])
        replaced[start] = (end, _replacement_body(tree, function, owner, indent, written_in.get((module, owner)),
                                                  graded_in.get((module, owner)), module))
    output, number = [], 1
    while number <= len(lines):
        if number in replaced:
            end, new_lines = replaced[number]
            output += new_lines
            number = end + 1
            continue
        if number not in dropped:
            output.append(lines[number - 1])
        number += 1
    return "\n".join(output) + "\n"


def unit_notebooks(assignment: str) -> dict[tuple[str, str], str]:
    """(module, unit's qualified name) -> the notebook file of assignment whose cells define the unit."""
    spec = get_assignment(assignment)
    if len(spec.notebooks) == 1:
        return {(unit.module, unit.qualified_name): f"{spec.notebooks[0]}.ipynb" for unit in spec.units}
    sources = {notebook: (REPO_ROOT / "source" / assignment / f"{notebook}.ipynb").read_text()
               for notebook in spec.notebooks}
    return {(unit.module, unit.qualified_name): f"{notebook}.ipynb" for unit in spec.units
            for notebook, source in sources.items() if f"def {unit.name}(" in source or f"class {unit.name}" in source}


def build_student_package(assignment: str, destination: Path) -> list[Path]:
    """Write the student package for assignment into destination/cs231n; return the files written."""
    target = destination / STUDENT_PACKAGE
    if target.exists():
        shutil.rmtree(target)
    solved = units_graded_before(assignment)
    written_in = unit_notebooks(assignment)
    graded_in = {(unit.module, unit.qualified_name): spec.name for spec in assignments() for unit in spec.units}
    written = []
    for source in sorted(LIBRARY_ROOT.rglob("*.py")):
        relative = source.relative_to(LIBRARY_ROOT)
        if EXCLUDED_DIRECTORIES & set(relative.parts):
            continue
        module = ".".join(relative.with_suffix("").parts)
        if relative == Path("__init__.py"):
            text = PACKAGE_DOCSTRING.format(assignment=assignment)
        else:
            text = stub_module(source.read_text(), module, solved, written_in, graded_in)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    helper = target / f"{NOTEBOOK_UNITS_MODULE}.py"
    helper.write_text(NOTEBOOK_UNITS)
    written.append(helper)
    for relative in package_data_of(assignment):  # data files (a pretrained model), copied byte for byte
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LIBRARY_ROOT / relative, path)
        written.append(path)
    return written


CHECK_DATA = "check_data.json"


def check_data(assignment: str, release_dir: Path, cell_timeout: float) -> dict:
    """What `python -m cs231n.check` compares a notebook with (cs231n_lib/check.py): each released
    notebook's test cells as released (no hidden tests: they never reach a release), the graded units
    it defines, and those whose checks ban Python loops."""
    import nbformat

    from .checks import all_checks

    written_in = unit_notebooks(assignment)
    no_loops = {getattr(static, "forbids_loops_in", None) for check in all_checks().values()
                if check.id.startswith(f"{assignment}.") for static in check.static} - {None}
    notebooks = {}
    for notebook in get_assignment(assignment).notebooks:
        released = nbformat.read(release_dir / f"{notebook}.ipynb", as_version=4)
        tests = {cell.metadata["nbgrader"]["grade_id"]: {"points": cell.metadata["nbgrader"].get("points", 0),
                                                          "source": cell.source}
                 for cell in released.cells if is_test_cell(cell)}
        units = sorted(unit.name for unit in get_assignment(assignment).units
                       if written_in.get((unit.module, unit.qualified_name)) == f"{notebook}.ipynb")
        notebooks[notebook] = {"tests": tests, "units": units,
                               "no_loops": sorted(n for n in no_loops if n.partition(".")[0] in units)}
    return {"assignment": assignment, "cell_timeout": cell_timeout, "notebooks": notebooks}
