"""Scan release/ for anything a student must not get early."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from .course import GRADING_PACKAGE, LIBRARY_PACKAGE, LIBRARY_ROOT, assignments, units_graded_before
from .markers import HIDDEN_TESTS_BEGIN, SOLUTION_BEGIN, solution_regions
from .student_package import unit_owning

FORBIDDEN_TEXT = {
    HIDDEN_TESTS_BEGIN.removeprefix("### "): "a hidden test block",
    "cs231n-hidden-check": "a hidden check marker",
    SOLUTION_BEGIN: "a solution marker",
    f"import {LIBRARY_PACKAGE}": "an import of the reference library",
    f"from {LIBRARY_PACKAGE}": "an import of the reference library",
    f"{LIBRARY_PACKAGE}.": "a name inside the reference library (staff code students do not have)",
}
FORBIDDEN_NAMES = {LIBRARY_PACKAGE: "the reference library", GRADING_PACKAGE: "grading code",
                   "gradebook.db": "the gradebook"}


def solution_lines(assignment: str) -> dict[str, Path]:
    """Distinctive code lines of every solution region not yet solved when assignment is released.

    Regions of earlier assignments' units legitimately ship in the package; a unit graded
    later shares no lines with them (checked by the test suite), so any match is a leak.
    """
    solved = units_graded_before(assignment)
    lines: dict[str, Path] = {}
    shipped: set[str] = set()  # lines of solved units: they ship legitimately, whatever else shares them
    for path in LIBRARY_ROOT.rglob("*.py"):
        if GRADING_PACKAGE in path.relative_to(LIBRARY_ROOT).parts:
            continue
        text = path.read_text()
        module = ".".join(path.relative_to(LIBRARY_ROOT).with_suffix("").parts)
        tree = ast.parse(text)
        text_lines = text.splitlines()
        for first, last in solution_regions(text, str(path)):
            is_solved = (module, unit_owning(tree, first, module)) in solved
            for line in text_lines[first:last - 1]:  # between the two marker lines
                code = line.strip()
                if is_solved:
                    shipped.add(code)
                # Short lines and loop headers ("for k in k_choices:") are too generic to mean a leak.
                elif len(code) >= 24 and not code.startswith(("#", "for ", "if ", "while ", "return ")):
                    lines[code] = path
    return {code: path for code, path in lines.items() if code not in shipped}


def _readable_text(path: Path) -> str:
    """A file's text; for a notebook, its cells' sources as they appear in Jupyter."""
    text = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
            sources = ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else c.get("source", "")
                       for c in cells]
            return text + "\n" + "\n".join(sources)
        except (ValueError, AttributeError):
            return text
    return text


def scan_release(course_root: Path) -> list[str]:
    """Every leak found in release/, one line each naming the file and what leaked."""
    leaks = []
    release_root = course_root / "release"
    for assignment in assignments():
        directory = release_root / assignment.name
        if not directory.is_dir():
            leaks.append(f"release/{assignment.name}: missing (run `cs231n-course release`)")
            continue
        answers = solution_lines(assignment.name)
        for path in sorted(directory.rglob("*")):
            relative = path.relative_to(course_root)
            if path.name in FORBIDDEN_NAMES or path.suffix == ".db":
                leaks.append(f"{relative}: {FORBIDDEN_NAMES.get(path.name, 'a database file')} in a release")
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            text = _readable_text(path)
            for needle, what in FORBIDDEN_TEXT.items():
                if needle in text:
                    leaks.append(f"{relative}: contains {what} ({needle!r})")
            for line in text.splitlines():
                code = line.strip()
                if code in answers:
                    leaks.append(f"{relative}: contains a solution line of {answers[code].name}: {code!r}")
    return leaks
