"""Grade submissions one at a time, each with its own `nbgrader autograde --student` run.

Not what ``cs231n-course autograde`` runs (that is parallel.autograde_parallel, which also keeps a
run record per submission): autograde_serially is the plain serial path the tests and benchmarks
compare with, and it writes no run record.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from .judge import share_references
from .nbgrader_runner import nbgrader_environment, run_nbgrader
from .run import GradingRun, submission_problems, submitted_students, verdict


def autograde_serially(
    course_root: Path,
    assignment: str,
    students: list[str] | None = None,
    force: bool = True,
    extra_arguments: tuple[str, ...] = (),
    progress: bool = True,
    fork: bool = True,
) -> list[GradingRun]:
    """Grade each student's submission; a failure for one student never stops the others.

    Each submission is one `nbgrader autograde --student` run, forked from the fork server unless
    fork is False (see nbgrader_runner.run_nbgrader).
    """
    students = submitted_students(course_root, assignment) if students is None else students
    runs = []
    with tempfile.TemporaryDirectory(prefix="cs231n-references-") as scratch:
        # The reference results, computed once here for every submission's nbgrader process.
        environment = {**nbgrader_environment(), **share_references(assignment, Path(scratch))}
        for student in tqdm(students, desc=f"autograde {assignment}", unit="submission", disable=not progress):
            started = time.perf_counter()
            arguments = ["autograde", assignment, f"--student={student}", "--log-level=WARN", *extra_arguments]
            if force:
                arguments.append("--force")
            problems = submission_problems(course_root, assignment, student)
            completed = run_nbgrader(course_root, *arguments, check=False, fork=fork, environment=environment)
            ok, message = verdict(completed.returncode, completed.stdout + completed.stderr, problems)
            runs.append(GradingRun(student, time.perf_counter() - started, ok, message))
    return runs
