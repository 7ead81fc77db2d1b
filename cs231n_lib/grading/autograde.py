"""Autograde the submissions in submitted/ with nbgrader, one student at a time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .nbgrader_runner import run_nbgrader


@dataclass(frozen=True)
class GradingRun:
    student: str
    seconds: float
    ok: bool
    message: str  # why nbgrader could not grade it, or ""


def submitted_students(course_root: Path, assignment: str) -> list[str]:
    submitted = course_root / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())


def _failure_summary(log: str) -> str:
    lines = [line.strip() for line in log.splitlines() if "[ERROR]" in line or "Error" in line]
    return lines[-1] if lines else "nbgrader autograde failed; see its log"


def autograde(
    course_root: Path,
    assignment: str,
    students: list[str] | None = None,
    force: bool = True,
    extra_arguments: tuple[str, ...] = (),
    progress: bool = True,
) -> list[GradingRun]:
    """Grade each student's submission; a failure for one student never stops the others."""
    students = submitted_students(course_root, assignment) if students is None else students
    runs = []
    for student in tqdm(students, desc=f"autograde {assignment}", unit="submission", disable=not progress):
        started = time.perf_counter()
        arguments = ["autograde", assignment, f"--student={student}", "--log-level=WARN", *extra_arguments]
        if force:
            arguments.append("--force")
        completed = run_nbgrader(course_root, *arguments, check=False)
        log = completed.stdout + completed.stderr
        ok = completed.returncode == 0 and "[ERROR]" not in log
        runs.append(GradingRun(student, time.perf_counter() - started, ok, "" if ok else _failure_summary(log)))
    return runs
