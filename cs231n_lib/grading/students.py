"""Adding a student to the gradebook while other graders may add the same student.

nbgrader's Autograde looks a student up and inserts the row when it is missing. Two graders that
start the same new student at once (two assignments graded side by side, by two `nbgrader
autograde` commands or beside `cs231n-course autograde`) both insert, and the second loses that
whole submission to "UNIQUE constraint failed: student.id". Here the loser finds the winner's row.
Plain nbgrader gets this through `Autograde.pre_convert_hook` (nbgrader_config.py), which runs
just before nbgrader's own look-up; `cs231n-course autograde` calls `ensure_student` when it
merges a graded submission.
"""

from __future__ import annotations

import os
import re

from nbgrader.api import MissingEntry, Student
from sqlalchemy.exc import IntegrityError

from .gradebook import Gradebook


def ensure_student(db_url: str, course: str, student: str) -> None:
    """Add student to the gradebook unless it is there, also while another process adds it."""
    with Gradebook(db_url, course) as gradebook:
        try:
            gradebook.find_student(student)
            return
        except MissingEntry:
            pass
        gradebook.db.add(Student(id=student))
        try:
            gradebook.db.commit()
        except IntegrityError:
            # Another grader inserted it between the look-up and the insert: its row is the one.
            gradebook.db.rollback()
            gradebook.find_student(student)


def add_student_before_autograde(assignment: str, student: str, notebooks: list[str]) -> None:
    """nbgrader's Autograde.pre_convert_hook: add the student whose submission is about to be graded.

    nbgrader passes the command's student pattern ("*" by default), so the student comes from the
    submission's folder, matched as nbgrader matches it. Outside `nbgrader autograde` (the
    formgrader's API keeps a course directory of its own) and with `--Autograde.create_student=False`
    this does nothing: nbgrader's own check then decides.
    """
    from nbgrader.apps import AutogradeApp

    if not notebooks or not AutogradeApp.initialized():
        return
    app = AutogradeApp.instance()
    if not app.config.Autograde.get("create_student", True):
        return
    coursedir = app.coursedir
    if coursedir is None:
        return
    folder = coursedir.format_path(coursedir.submitted_directory, "(?P<student_id>.*)", "(?P<assignment_id>.*)",
                                   escape=True)
    found = re.fullmatch(folder, os.path.dirname(notebooks[0]))
    if found is not None:
        ensure_student(coursedir.db_url, coursedir.course_id, found["student_id"])
