"""Read scores out of a course's nbgrader gradebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from traitlets.config.loader import PyFileConfigLoader


def course_config(course_root: Path):
    return PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()


def gradebook_url(course_root: Path) -> str:
    return str(course_config(course_root).CourseDirectory.db_url)


@dataclass
class StudentScores:
    student: str
    cells: dict[str, float] = field(default_factory=dict)  # grade cell id -> auto score
    max_points: dict[str, float] = field(default_factory=dict)
    needs_manual: list[str] = field(default_factory=list)

    @property
    def auto_total(self) -> float:
        return sum(self.cells.values())

    @property
    def auto_max(self) -> float:
        return sum(self.max_points[c] for c in self.cells)


def autograded_cells(course_root: Path, assignment: str) -> list[tuple[str, float]]:
    """(grade cell id, points) of the assignment's autograded cells, in notebook order."""
    with Gradebook(gradebook_url(course_root), "cs231n") as gradebook:
        spec = gradebook.find_assignment(assignment)
        return [
            (cell.name, cell.max_score)
            for notebook in spec.notebooks
            for cell in notebook.grade_cells
            if cell.cell_type == "code"
        ]


def scores(course_root: Path, assignment: str, students: list[str] | None = None) -> list[StudentScores]:
    """Auto scores of every (or the given) student's submission, from the gradebook."""
    results = []
    with Gradebook(gradebook_url(course_root), "cs231n") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            student = submission.student_id
            if students is not None and student not in students:
                continue
            row = StudentScores(student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell.cell_type == "code":
                        row.cells[grade.name] = float(grade.auto_score or 0.0)
                        row.max_points[grade.name] = float(grade.max_score)
                    elif grade.needs_manual_grade:
                        row.needs_manual.append(grade.name)
            results.append(row)
    return sorted(results, key=lambda r: r.student)


__all__ = ["MissingEntry", "StudentScores", "autograded_cells", "gradebook_url", "scores"]
