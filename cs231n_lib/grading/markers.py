"""The markers in the course's sources, defined once: solution regions, hidden-test blocks and the
hidden-check markers inside them.

A marker line is the marker alone, with any indentation and trailing blanks (as nbgrader accepts);
the stubbing, the release's clean-up and the leak scan all read them through this module, so none
of them can see a region the others miss.
"""

from __future__ import annotations

import re

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_TESTS_BEGIN, HIDDEN_TESTS_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"

SOLUTION_MARKER_LINE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
HIDDEN_TESTS_BLOCK = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?",
                                re.DOTALL | re.MULTILINE)
# In a graded test cell's hidden block, one line per hidden check that decides the cell's points.
HIDDEN_CHECK_MARKER = re.compile(r"^# cs231n-hidden-check: (?P<check_id>[\w.]+)\s*$")


def hidden_check_ids(source: str) -> list[str]:
    """The ids of the hidden checks whose markers a cell's source holds, in order."""
    return [m.group("check_id") for line in source.splitlines() if (m := HIDDEN_CHECK_MARKER.match(line))]


def solution_regions(text: str, where: str) -> list[tuple[int, int]]:
    """(first, last) line numbers of each BEGIN/END SOLUTION region, markers included."""
    regions, start = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped == SOLUTION_BEGIN:
            if start is not None:
                raise ValueError(f"{where}: line {number}: {SOLUTION_BEGIN} inside the region opened on line {start}")
            start = number
        elif stripped == SOLUTION_END:
            if start is None:
                raise ValueError(f"{where}: line {number}: {SOLUTION_END} without {SOLUTION_BEGIN}")
            regions.append((start, number))
            start = None
    if start is not None:
        raise ValueError(f"{where}: line {start}: {SOLUTION_BEGIN} is never closed")
    return regions


# nbgrader's own cell metadata, read here once for the whole grading package. nbgrader.utils.is_grade and
# is_solution say the same, but importing nbgrader loads its server extensions (~3 s), which release, sync
# and the leak scan do not otherwise need; and a submission's metadata is untrusted: a value of the wrong
# type reads as absent instead of failing deep inside.


def nbgrader_metadata(cell) -> dict:
    """A notebook cell's nbgrader metadata; {} for a cell nbgrader does not manage (or malformed metadata)."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    found = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else {}


def grade_id(cell) -> str | None:
    """The cell's nbgrader grade_id, None if it has none."""
    found = nbgrader_metadata(cell).get("grade_id")
    return str(found) if found else None


def is_solution_cell(cell) -> bool:
    """A cell the student writes (nbgrader's "solution": true)."""
    return bool(nbgrader_metadata(cell).get("solution"))


def is_test_cell(cell) -> bool:
    """A graded code cell that is not the student's to write (nbgrader's "autograder tests" cell)."""
    nbgrader = nbgrader_metadata(cell)
    return cell.get("cell_type") == "code" and bool(nbgrader.get("grade")) and not nbgrader.get("solution")
