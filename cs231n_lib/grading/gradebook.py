"""Read scores out of a course's nbgrader gradebook: the numbers `nbgrader export` gives, per cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbgrader.api
from nbgrader.api import Gradebook, MissingEntry
from traitlets.config.loader import PyFileConfigLoader

from .errors import CourseError


def gradebook_schema_head() -> str:
    """The revision nbgrader stamps on a new gradebook (the head of its migrations), read in this process.

    nbgrader's own get_alembic_version asks a new `alembic heads` process, which imports nbgrader whole:
    3-4 s for every new gradebook (each release into a new course, each grading template, each course a
    test builds).
    """
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


# Every process that imports this module stamps new gradebooks with the revision read in-process: the
# CLI, graders, Dask workers, forked nbgrader runs, and plain `nbgrader` commands once they load the
# course's plug-ins (autograde, feedback). The others (plain generate_assignment) ask nbgrader's
# `alembic heads` process. Both give the same revision (test_nbgrader_runner).
nbgrader.api.get_alembic_version = gradebook_schema_head


def course_config(course_root: Path):
    return PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()


def gradebook_url(course_root: Path) -> str:
    return str(course_config(course_root).CourseDirectory.db_url)


def course_id(config) -> str:
    """The course id of a loaded nbgrader config (`course_config`)."""
    return str(config.CourseDirectory.course_id or "cs231n")


def open_gradebook(course_root: Path) -> Gradebook:
    """The course's gradebook, scoped to its course id (one read of nbgrader_config.py)."""
    config = course_config(course_root)
    return Gradebook(str(config.CourseDirectory.db_url), course_id(config))


@dataclass
class StudentScores:
    """One student's submission of one assignment, as the gradebook holds it."""

    student: str
    # Code grade cell id -> its score: the autograder's, or a grader's override; extra credit included.
    cells: dict[str, float] = field(default_factory=dict)
    max_points: dict[str, float] = field(default_factory=dict)
    # Grade cells still waiting for a human grader (written answers, overridden code cells).
    needs_manual: list[str] = field(default_factory=list)
    # Manually graded answers (inline questions) -> the score given so far (0 until graded).
    written: dict[str, float] = field(default_factory=dict)
    late_penalty: float = 0.0
    submitted: bool = True
    timestamp: str = ""

    @property
    def auto_total(self) -> float:
        """Points of the code cells (the autograder's part of the grade)."""
        return sum(self.cells.values())

    @property
    def raw_score(self) -> float:
        """Every cell's points before the late penalty (nbgrader export's `raw_score`)."""
        return self.auto_total + sum(self.written.values())

    @property
    def score(self) -> float:
        """The grade: the raw score less the late penalty, never below zero (nbgrader export's `score`)."""
        return max(0.0, self.raw_score - self.late_penalty)


class UnknownAssignment(CourseError, LookupError):
    """The gradebook has no such assignment (not released, or a typo)."""


def _find_assignment(gradebook: Gradebook, assignment: str):
    try:
        return gradebook.find_assignment(assignment)
    except MissingEntry:
        known = ", ".join(a.name for a in gradebook.assignments) or "none yet"
        raise UnknownAssignment(f"the gradebook has no assignment {assignment!r} (it has: {known}); "
                                "run `cs231n-course release` and grade it first") from None


def graded_cells(course_root: Path, assignment: str) -> list[tuple[str, float, str]]:
    """(grade cell id, points, "code" or "markdown") of every graded cell of the assignment, in order."""
    with open_gradebook(course_root) as gradebook:
        spec = _find_assignment(gradebook, assignment)
        return [(cell.name, cell.max_score, cell.cell_type)
                for notebook in spec.notebooks for cell in notebook.grade_cells]


def autograded_cells(course_root: Path, assignment: str) -> list[tuple[str, float]]:
    """(grade cell id, points) of the assignment's autograded cells, in notebook order."""
    return [(name, points) for name, points, kind in graded_cells(course_root, assignment) if kind == "code"]


def max_score(course_root: Path, assignment: str) -> float:
    with open_gradebook(course_root) as gradebook:
        return float(_find_assignment(gradebook, assignment).max_score)


def due_date(course_root: Path, assignment: str):
    """The assignment's due date (UTC, naive, as nbgrader stores it), or None if it has none."""
    with open_gradebook(course_root) as gradebook:
        return _find_assignment(gradebook, assignment).duedate


def scores(course_root: Path, assignment: str, students: list[str] | None = None,
           everyone: bool = False) -> list[StudentScores]:
    """The submissions of every (or the given) student, from the gradebook, sorted by student.

    With everyone=True, students of the gradebook without a submission get a row too (all zero,
    submitted=False), as in `nbgrader export`.
    """
    results = []
    with open_gradebook(course_root) as gradebook:
        spec = _find_assignment(gradebook, assignment)
        submitted = set()
        for submission in gradebook.assignment_submissions(assignment):
            student = submission.student_id
            submitted.add(student)
            if students is not None and student not in students:
                continue
            row = StudentScores(student, late_penalty=float(submission.late_submission_penalty or 0.0),
                                timestamp=str(submission.timestamp or ""))
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell.cell_type == "code":
                        row.cells[grade.name] = float(grade.score or 0.0)
                    else:
                        row.written[grade.name] = float(grade.score or 0.0)
                    row.max_points[grade.name] = float(grade.max_score)
                    if grade.needs_manual_grade:
                        row.needs_manual.append(grade.name)
            results.append(row)
        if everyone:
            points = {cell.name: float(cell.max_score) for notebook in spec.notebooks for cell in notebook.grade_cells}
            for student in gradebook.students:
                if student.id not in submitted and (students is None or student.id in students):
                    results.append(StudentScores(student.id, max_points=points, submitted=False))
    return sorted(results, key=lambda r: r.student)


__all__ = ["MissingEntry", "StudentScores", "UnknownAssignment", "autograded_cells", "course_config", "course_id",
           "due_date", "graded_cells", "gradebook_url", "max_score", "open_gradebook", "scores"]
