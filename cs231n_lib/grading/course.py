"""The course's assignments in release order, their notebooks and graded units.

Each assignment is a module in ``assignments/`` that defines ``ASSIGNMENT``
(its units, hidden checks and planted bugs); ``RELEASE_ORDER`` says which
come first. Units graded in an earlier assignment ship solved in later
student packages.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
# The staff's reference library (never shipped nor importable by submissions) and its staff-only
# grading package (never shipped even where the library's solved units are).
LIBRARY_PACKAGE, GRADING_PACKAGE = __name__.split(".")[:2]
LIBRARY_ROOT = REPO_ROOT / LIBRARY_PACKAGE
STUDENT_PACKAGE = "cs231n"

RELEASE_ORDER = ("knn", "svm_softmax", "two_layer_net", "batchnorm_dropout", "convnet", "rnn_captioning", "gan",
                 "network_visualization")


@dataclass(frozen=True)
class Unit:
    """A graded function, class or method, defined in a notebook cell and in the library.

    A method unit (method_of names its class) is a method in the library, like CS231n's; its notebook
    cell defines it as a top-level function of the same name and signature (self first), which the
    student package's class calls. The class's own cell, if the class is a unit too, carries a stub
    for it (see sync.unit_source).
    """

    name: str
    module: str  # dotted module path inside cs231n_lib
    method_of: str | None = None  # the library class whose method this unit is

    @property
    def qualified_name(self) -> str:
        """Its path inside its library module ("Class.method" for a method unit); the notebook's cell
        and its grade_id use name alone."""
        return f"{self.method_of}.{self.name}" if self.method_of else self.name

    def reference(self) -> Any:
        found = importlib.import_module(f"cs231n_lib.{self.module}")
        for part in self.qualified_name.split("."):
            found = getattr(found, part)
        return found

    @property
    def library_file(self) -> Path:
        return LIBRARY_ROOT.joinpath(*self.module.split(".")).with_suffix(".py")


@dataclass(frozen=True)
class Assignment:
    name: str
    notebooks: tuple[str, ...]
    units: tuple[Unit, ...]
    planted_bugs: tuple[Any, ...] = field(default=())  # samples.PlantedBug
    demo_bugs: tuple[str, ...] = field(default=())  # names of planted bugs the demo's buggy student has
    # Correct implementations written differently from the reference (samples.PlantedAlternative):
    # each must keep full marks.
    planted_alternatives: tuple[Any, ...] = field(default=())
    checks: tuple[Any, ...] = field(default=())  # checks.Check, the hidden checks its notebooks' markers name
    # Data files of the library (paths relative to cs231n_lib, e.g. a pretrained model) that its student
    # package ships, and those of later assignments; earlier packages never carry them.
    package_data: tuple[str, ...] = field(default=())


def units_in(module: str, *names: str) -> tuple[Unit, ...]:
    """The units names, in this order, all defined in one module of the library (dotted, inside cs231n_lib)."""
    return tuple(Unit(name, module) for name in names)


def assignment_defined_in(module_globals: Mapping[str, Any], units: tuple[Unit, ...], demo_bugs: tuple[str, ...] = (),
                          notebooks: tuple[str, ...] = (), package_data: tuple[str, ...] = ()) -> Assignment:
    """The assignment that a module of assignments/ declares with ``assignment_defined_in(globals(), ...)``.

    What the module itself says is read from it, so that each declaration states only what is particular
    to it: the name is the module's, the planted bugs are its PLANTED_BUGS (required: every unit has
    one) and the planted alternatives its PLANTED_ALTERNATIVES (none where it defines or imports none),
    the checks are those it defines (checks_defined_in), and the notebook is the one named after the
    assignment unless notebooks names others. So the call comes last in the module.
    """
    from .checks import checks_defined_in  # checks imports student_code, which imports this module

    name = module_globals["__name__"].rpartition(".")[2]
    if "PLANTED_BUGS" not in module_globals:
        raise LookupError(f"assignment {name} defines no PLANTED_BUGS before its assignment_defined_in(...)")
    planted_bugs = module_globals["PLANTED_BUGS"]
    unknown = sorted(set(demo_bugs) - {bug.name for bug in planted_bugs})
    if unknown:
        raise LookupError(f"assignment {name}: demo_bugs names {unknown}, which are not in its PLANTED_BUGS")
    return Assignment(name, notebooks=notebooks or (name,), units=units,
                      planted_bugs=planted_bugs, demo_bugs=demo_bugs,
                      planted_alternatives=module_globals.get("PLANTED_ALTERNATIVES", ()),
                      checks=checks_defined_in(module_globals), package_data=package_data)


_DECLARING: list[str] = []  # the assignment modules being imported by assignments(), innermost last


@cache
def assignments() -> tuple[Assignment, ...]:
    """Every assignment, in release order; a name in RELEASE_ORDER without its module is an error."""
    if _DECLARING:
        raise RuntimeError(f"the course's assignments were read while {_DECLARING[-1]} was being declared: "
                           "read them lazily there (as PlantedAlternative's source is)")
    found = []
    for name in RELEASE_ORDER:
        module_name = f"{__package__}.assignments.{name}"
        _DECLARING.append(module_name)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            raise LookupError(f"RELEASE_ORDER names {name!r}, but there is no {module_name} "
                              f"(cs231n_lib/grading/assignments/{name}.py)") from None
        finally:
            _DECLARING.pop()
        found.append(module.ASSIGNMENT)
    _check_units(found)
    return tuple(found)


def _check_units(found: list[Assignment]) -> None:
    """A unit's name is its cell's grade_id and its name in the reference namespace: one per course.
    A method unit's class, if graded, is graded earlier: its cell then stubs the method (sync)."""
    graded_in: dict[str, str] = {}
    order = [assignment.name for assignment in found]
    for assignment in found:
        for unit in assignment.units:
            if unit.name in graded_in:
                raise ValueError(f"unit {unit.name!r} of {assignment.name} is also a unit of {graded_in[unit.name]}")
            graded_in[unit.name] = assignment.name
    for assignment in found:
        for unit in assignment.units:
            owner = graded_in.get(unit.method_of) if unit.method_of else None
            if owner is not None and order.index(owner) >= order.index(assignment.name):
                raise ValueError(f"method unit {unit.qualified_name} of {assignment.name}: its class is graded "
                                 f"in {owner}, which must come before it")


def get_assignment(name: str) -> Assignment:
    for assignment in assignments():
        if assignment.name == name:
            return assignment
    known = ", ".join(a.name for a in assignments())
    raise KeyError(f"unknown assignment {name!r}; the course has: {known}")


def check_cells(assignment_name: str, course_root: Path = REPO_ROOT) -> dict[str, str]:
    """The graded test cell (its grade_id) that each hidden check's marker sits in, in the
    assignment's source notebooks: the cell whose points the check decides."""
    import nbformat

    from .markers import grade_id, hidden_check_ids

    cells = {}
    for notebook in get_assignment(assignment_name).notebooks:
        nb = nbformat.read(course_root / "source" / assignment_name / f"{notebook}.ipynb", as_version=4)
        for cell in nb.cells:
            cell_id = grade_id(cell)
            for check_id in hidden_check_ids(cell.source) if cell_id else ():
                if check_id in cells:
                    raise ValueError(f"hidden check {check_id!r} has markers in cells {cells[check_id]!r} "
                                     f"and {cell_id!r}")
                cells[check_id] = cell_id
    return cells


def assignments_before(assignment_name: str) -> tuple[Assignment, ...]:
    """The assignments released before this one, in RELEASE_ORDER."""
    return assignments()[: assignments().index(get_assignment(assignment_name))]


def units_graded_before(assignment_name: str) -> set[tuple[str, str]]:
    """(module, qualified name) of every unit graded in an earlier assignment: these ship solved."""
    return {(unit.module, unit.qualified_name)
            for assignment in assignments_before(assignment_name) for unit in assignment.units}


@cache
def method_units() -> dict[tuple[str, str, str], str]:
    """(module, class, method) of every method unit of the course, to the assignment that grades it."""
    return {(unit.module, unit.method_of, unit.name): assignment.name
            for assignment in assignments() for unit in assignment.units if unit.method_of}


def package_data_of(assignment_name: str) -> tuple[str, ...]:
    """The data files the assignment's student package ships: its own and those of earlier assignments."""
    shipped = (*assignments_before(assignment_name), get_assignment(assignment_name))
    return tuple(path for assignment in shipped for path in assignment.package_data)


def reference_namespace() -> dict[str, Any]:
    """Every graded unit's reference object by name: what hidden check plans run against."""
    return {unit.name: unit.reference() for assignment in assignments() for unit in assignment.units}
