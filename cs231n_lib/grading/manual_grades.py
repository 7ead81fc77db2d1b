"""Grades given by hand: kept "graded" through a regrade of the same answer, and waited for by feedback.

nbgrader marks every manually graded cell "needs manual grade" again on each autograde, so a forced
regrade sent instructors back through formgrader for answers they had already graded, and
`generate_feedback` handed out written answers at 0 before anyone had graded them.

To tell "the same answer" from a resubmission, each autograde records a digest of the answer
behind every grade cell in a table of the gradebook itself (so it holds on every grading path and
on a PostgreSQL gradebook): a written answer is its own cell; a code cell's answer is every
solution cell of its notebook, together with the autograder's score.
"""

from __future__ import annotations

import hashlib

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades
from nbgrader.utils import is_solution
from sqlalchemy import text
from traitlets import Bool

from .gradebook import Gradebook

ANSWERS_TABLE = "cs231n_graded_answer"


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def _ensure_answers_table(gradebook: Gradebook) -> None:
    gradebook.db.execute(text(
        f"CREATE TABLE IF NOT EXISTS {ANSWERS_TABLE} (assignment VARCHAR(1024) NOT NULL, "
        "student VARCHAR(1024) NOT NULL, notebook VARCHAR(1024) NOT NULL, grade_id VARCHAR(1024) NOT NULL, "
        "digest VARCHAR(64) NOT NULL, PRIMARY KEY (assignment, student, notebook, grade_id))"))
    gradebook.db.commit()


class KeepManualGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, except that a grade given by hand stays graded when the regrade
    finds the same answer with the same autograder score; a changed answer needs grading again."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
        self.student_id, self.db_url = info["student"], info["db_url"]
        self._solutions = _digest(*(cell.source for cell in nb.cells if is_solution(cell)))
        self._answers: dict[str, str] = {}
        key = {"assignment": self.assignment_id, "student": self.student_id, "notebook": self.notebook_id}
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            _ensure_answers_table(self.gradebook)
            self._recorded = dict(self.gradebook.db.execute(text(
                f"SELECT grade_id, digest FROM {ANSWERS_TABLE} WHERE assignment = :assignment "
                "AND student = :student AND notebook = :notebook"), key).all())
            try:
                grades = self.gradebook.find_submission_notebook(
                    self.notebook_id, self.assignment_id, self.student_id).grades
                self._before = {grade.name: (grade.manual_score, grade.needs_manual_grade) for grade in grades}
            except MissingEntry:
                self._before = {}
            nb, resources = super(SaveAutoGrades, self).preprocess(nb, resources)
            self.gradebook.db.execute(text(
                f"DELETE FROM {ANSWERS_TABLE} WHERE assignment = :assignment AND student = :student "
                "AND notebook = :notebook"), key)
            for grade_id, digest in self._answers.items():
                self.gradebook.db.execute(text(
                    f"INSERT INTO {ANSWERS_TABLE} (assignment, student, notebook, grade_id, digest) "
                    "VALUES (:assignment, :student, :notebook, :grade_id, :digest)"),
                    {**key, "grade_id": grade_id, "digest": digest})
            self.gradebook.db.commit()
        return nb, resources

    def _add_score(self, cell: NotebookNode, resources: ResourcesDict) -> None:
        super()._add_score(cell, resources)
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id, self.student_id)
        answer = cell.source if cell.cell_type == "markdown" else self._solutions
        digest = _digest(answer, repr(grade.auto_score))
        self._answers[grade_id] = digest
        manual_score, was_waiting = self._before.get(grade_id, (None, True))
        if manual_score is not None and not was_waiting and self._recorded.get(grade_id) == digest:
            grade.needs_manual_grade = False
            self.gradebook.db.commit()


class UngradedAnswers(RuntimeError):
    """Feedback asked for before every answer of a submission was graded by hand."""


class HoldUngradedFeedback(NbGraderPreprocessor):
    """In generate_feedback: refuse a notebook with answers no one has graded yet (they would be
    handed back at 0 points), unless ``HoldUngradedFeedback.allow_ungraded`` is set."""

    allow_ungraded = Bool(False, help="write feedback even where answers are not graded by hand yet").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            notebook = gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            waiting = [grade.name for grade in notebook.grades if grade.needs_manual_grade]
        if waiting:
            what = (f"{info['student']}/{info['assignment']}/{info['notebook']}: {len(waiting)} answer(s) not "
                    f"graded by hand yet ({', '.join(waiting)}); feedback would show them at 0")
            if not self.allow_ungraded:
                raise UngradedAnswers(f"{what}. Grade them in formgrader, or pass "
                                      "--HoldUngradedFeedback.allow_ungraded=True to hand feedback back anyway.")
            self.log.warning("%s (allowed by HoldUngradedFeedback.allow_ungraded)", what)
        return nb, resources
