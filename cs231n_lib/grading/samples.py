"""Sample submissions: the solution, the untouched release, plausible student bugs and correct alternatives.

Each planted bug is a small edit of the reference solution that a student
could make, with the graded cells it must cost (and no others). The demo
submits some of them; the test suite proves every one loses exactly its
cells' points. Each planted alternative is a whole solution cell written
from the unit's contract, differently from the reference (another loop
order, another cache layout, another random call where the contract allows
it); the test suite proves every one keeps full marks.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from .course import Unit, get_assignment
from .markers import grade_id, is_solution_cell
from .release import clean_solution_source
from .sync import unit_source


@dataclass(frozen=True)
class PlantedBug:
    name: str
    unit: str  # the solution cell (grade_id) edited
    old: str
    new: str
    loses: frozenset[str]  # grade cells that must drop to zero
    description: str
    hangs: bool = False  # only a kernel with a time limit can grade it
    notebook: str | None = None  # which of the assignment's notebooks; None for the first

    def combines_with(self, other: PlantedBug) -> bool:
        """Both can go in one submission: they cost different cells and do not edit each other's text."""
        if not self.loses or not other.loses:
            return False  # a bug that must cost nothing is shown on its own
        if self.loses & other.loses or self.notebook != other.notebook:
            return False
        return self.unit != other.unit or not any(
            a in b for a, b in ((self.old, other.old), (other.old, self.old), (self.old, other.new),
                                (other.old, self.new))
        )


def planted_bug(name, unit, old, new, loses, description, hangs=False, notebook=None) -> PlantedBug:
    return PlantedBug(name, unit, old, new, frozenset(loses), description, hangs, notebook)


def bug_groups(bugs: tuple[PlantedBug, ...]) -> list[list[PlantedBug]]:
    """Pack bugs into few submissions; bugs in a group never cost the same cell."""
    groups: list[list[PlantedBug]] = []
    for bug in bugs:
        for group in groups:
            if all(bug.combines_with(other) for other in group):
                group.append(bug)
                break
        else:
            groups.append([bug])
    return groups


@dataclass(frozen=True)
class PlantedAlternative:
    name: str
    unit: str  # the solution cell (grade_id) replaced
    # The whole cell, as a student who read only the contract might write it; or what writes it, read
    # when first needed (a class's cell stubs the methods that other assignments grade, which are known
    # only once every assignment is declared).
    written: str | Callable[[], str]
    description: str
    notebook: str | None = None  # which of the assignment's notebooks; None for the first

    @property
    def source(self) -> str:
        text = self.written() if callable(self.written) else self.written
        return text.strip("\n") + "\n"


def planted_alternative(name: str, unit: str, source: str | Callable[[], str], description: str,
                        notebook: str | None = None) -> PlantedAlternative:
    return PlantedAlternative(name, unit, source, description, notebook)


_SOLUTION_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?", re.MULTILINE | re.DOTALL)


def student_cell(unit: Unit, *bodies: str) -> str:
    """The unit's cell as a student fills it in: its text as sync writes it (docstring, given code, the
    class around a method) with each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region replaced, in
    order, by the next of bodies, dedented and indented as the region was."""
    given = unit_source(unit) + "\n"
    regions = list(_SOLUTION_REGION.finditer(given))
    if len(regions) != len(bodies):
        raise ValueError(f"{unit.name} has {len(regions)} solution regions, {len(bodies)} bodies given")
    pieces, end = [], 0
    for region, body in zip(regions, bodies, strict=True):
        pieces.append(given[end:region.start()])
        pieces.append(textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", region.group(1)))
        end = region.end()
    pieces.append(given[end:])
    return "".join(pieces)


def library_cell(unit_object: Any, *bodies: str) -> Callable[[], str]:
    """What writes student_cell for a library function or class given as the object; it runs when the
    alternative's source is first read, after every assignment is declared."""
    unit = Unit(unit_object.__name__, unit_object.__module__.partition(".")[2])
    return lambda: student_cell(unit, *bodies)


def alternative_groups(alternatives: tuple[PlantedAlternative, ...]) -> list[list[PlantedAlternative]]:
    """Pack alternatives into few submissions: at most one per solution cell in each."""
    groups: list[list[PlantedAlternative]] = []
    for alternative in alternatives:
        for group in groups:
            if all(other.unit != alternative.unit and other.notebook == alternative.notebook for other in group):
                group.append(alternative)
                break
        else:
            groups.append([alternative])
    return groups


def with_alternatives(nb: nbformat.NotebookNode, alternatives: list[PlantedAlternative]) -> nbformat.NotebookNode:
    for alternative in alternatives:
        cells = [c for c in nb.cells if grade_id(c) == alternative.unit and is_solution_cell(c)]
        if len(cells) != 1:
            raise ValueError(f"planted alternative {alternative.name!r}: no solution cell {alternative.unit!r}")
        cells[0].source = alternative.source
    return nb


def get_alternative(assignment: str, name: str) -> PlantedAlternative:
    for alternative in get_assignment(assignment).planted_alternatives:
        if alternative.name == name:
            return alternative
    raise KeyError(f"no planted alternative {name!r} in {assignment}")


def get_bug(assignment: str, name: str) -> PlantedBug:
    for bug in get_assignment(assignment).planted_bugs:
        if bug.name == name:
            return bug
    raise KeyError(f"no planted bug {name!r} in {assignment}")


def solution_notebook(course_root: Path, assignment: str, notebook: str) -> nbformat.NotebookNode:
    """The source notebook as a perfect student would submit it: solutions, no hidden tests, no outputs."""
    nb = nbformat.read(course_root / "source" / assignment / f"{notebook}.ipynb", as_version=4)
    for cell in nb.cells:
        cell.source = clean_solution_source(cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def with_bugs(nb: nbformat.NotebookNode, bugs: list[PlantedBug]) -> nbformat.NotebookNode:
    for bug in bugs:
        cells = [c for c in nb.cells if grade_id(c) == bug.unit]
        if len(cells) != 1 or bug.old not in cells[0].source:
            raise ValueError(f"planted bug {bug.name!r} no longer applies to the {bug.unit} solution cell")
        cells[0].source = cells[0].source.replace(bug.old, bug.new, 1)
    return nb


def write_submission(course_root: Path, student: str, assignment: str, notebooks: dict[str, nbformat.NotebookNode],
                     extra_files: dict[str, bytes] | None = None) -> Path:
    """Place notebooks (and any extra files) in submitted/<student>/<assignment>/."""
    directory = course_root / "submitted" / student / assignment
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, directory / f"{name}.ipynb")
    for relative, content in (extra_files or {}).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return directory


def release_notebook(course_root: Path, assignment: str, notebook: str) -> nbformat.NotebookNode:
    return nbformat.read(course_root / "release" / assignment / f"{notebook}.ipynb", as_version=4)


def solution_submission(course_root: Path, assignment: str, notebook: str, bugs: list[PlantedBug]):
    """A release notebook whose solution cells hold the reference with the given bugs planted.

    Starting from the release keeps every other cell exactly as students receive it.
    """
    submission = release_notebook(course_root, assignment, notebook)
    solved = solution_notebook(course_root, assignment, notebook)
    answers = {grade_id(c): c.source for c in solved.cells if is_solution_cell(c)}
    for cell in submission.cells:
        if is_solution_cell(cell) and grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return with_bugs(submission, bugs)


def planned_submissions(assignment: str, hanging: bool = True) -> dict[str, tuple[str, tuple[str, ...]]]:
    """student -> (notebook, planted bug names): the solution, then bugs packed a few per submission,
    then (with hanging) each bug that only a time limit stops, alone."""
    spec = get_assignment(assignment)
    plan = {"solution": (spec.notebooks[0], ())}
    quiet = [b for b in spec.planted_bugs if not b.hangs]
    for index, group in enumerate(bug_groups(tuple(quiet)), start=1):
        plan[f"bugs-{index}"] = (group[0].notebook or spec.notebooks[0], tuple(b.name for b in group))
    for bug in spec.planted_bugs:
        if bug.hangs and hanging:
            plan[f"hangs-{bug.name}"] = (bug.notebook or spec.notebooks[0], (bug.name,))
    return plan


def planned_alternatives(assignment: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """student -> (notebook, planted alternative names), a few alternatives per submission."""
    spec = get_assignment(assignment)
    groups = alternative_groups(spec.planted_alternatives)
    return {f"alternatives-{index}": (group[0].notebook or spec.notebooks[0], tuple(a.name for a in group))
            for index, group in enumerate(groups, start=1)}


def write_sample_submissions(course_root: Path, assignment: str, hanging: bool = True,
                             alternatives: bool = True) -> dict[str, list[PlantedBug]]:
    """Submit the solution, the untouched release (as student "release"), the planted bugs and the
    planted alternatives of a released assignment; return each student's planted bugs.

    The other notebooks of a multi-notebook assignment are submitted solved, so only the planted
    edits change the score.
    """
    spec = get_assignment(assignment)
    by_student: dict[str, list[PlantedBug]] = {}
    for student, (notebook, names) in planned_submissions(assignment, hanging).items():
        bugs = [get_bug(assignment, name) for name in names]
        write_submission(course_root, student, assignment,
                         {n: solution_submission(course_root, assignment, n, bugs if n == notebook else [])
                          for n in spec.notebooks})
        by_student[student] = bugs
    if alternatives:
        for student, (notebook, names) in planned_alternatives(assignment).items():
            chosen = [get_alternative(assignment, name) for name in names]
            write_submission(course_root, student, assignment,
                             {n: with_alternatives(solution_submission(course_root, assignment, n, []),
                                                   chosen if n == notebook else [])
                              for n in spec.notebooks})
            by_student[student] = []
    write_submission(course_root, "release", assignment,
                     {n: release_notebook(course_root, assignment, n) for n in spec.notebooks})
    return by_student
