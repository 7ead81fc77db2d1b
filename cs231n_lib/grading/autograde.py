"""Autograde the submissions in submitted/ with nbgrader, one student at a time."""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from tqdm import tqdm

from . import safe_files
from .course import get_assignment
from .grading_folder import NOTE_PREFIX
from .judge import share_references
from .nbgrader_runner import nbgrader_environment, run_nbgrader

# Written next to each graded submission by parallel autograde: fingerprint, outcome, seconds.
STATE_FILE = ".cs231n-autograde.json"


@dataclass(frozen=True)
class GradingRun:
    student: str
    seconds: float
    ok: bool
    message: str  # why nbgrader could not grade it, then grading notes (tampered cells, files left out), or ""


def submitted_students(course_root: Path, assignment: str) -> list[str]:
    submitted = course_root / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())


GENERIC_LOG_LINES = ("Please see the", "There was an error processing assignment")
# nbgrader logs a cell's time limit and the kernel restarts at ERROR level; they are graded events,
# not failures of grading.
EXPECTED_LOG_LINES = ("Interrupting kernel", "Timeout waiting for execute reply", "Kernel died while waiting")


def grading_failed(returncode: int, log: str) -> bool:
    """Did nbgrader fail to grade (as opposed to grading a failing notebook)?"""
    return returncode != 0 or "There was an error processing assignment" in log


def _failure_summary(log: str) -> str:
    """The most telling line of nbgrader's log, shortened (it can quote whole cells)."""
    lines = [line.strip() for line in log.splitlines()]
    exceptions = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
    errors = [line for line in lines if "ERROR" in line
              and not any(g in line for g in GENERIC_LOG_LINES + EXPECTED_LOG_LINES)]
    candidates = exceptions or errors
    if not candidates:
        return "nbgrader autograde failed; see its log"
    line = candidates[-1]
    return line if len(line) <= 300 else line[:297] + "..."


def verdict(returncode: int | None, log: str, problems: list[str], wall_clock: float | None = None) -> tuple[bool, str]:
    """(graded without error, why not): a problem with the files wins, then the wall-clock limit, then the log.

    Grading notes in the log (tampered cells, files left out) follow, also when grading succeeded.
    """
    notes = [note for note in log_notes(log) if note not in problems]
    if problems:
        return False, "; ".join(problems + notes)
    if returncode is None:
        return False, f"not graded: the submission ran past the {wall_clock:.0f} s wall-clock limit"
    if grading_failed(returncode, log):
        return False, "; ".join([_failure_summary(log), *notes])
    return True, "; ".join(notes)


def log_notes(log: str) -> list[str]:
    """The grading notes nbgrader logged (see grading_folder.add_grading_note), once each, in order."""
    notes = [line.split(NOTE_PREFIX, 1)[1].strip() for line in log.splitlines() if NOTE_PREFIX in line]
    return list(dict.fromkeys(notes))


def submission_problems(course_root: Path, assignment: str, student: str) -> list[str]:
    """What is wrong with a submission's files, in words a student can act on (empty if nothing).

    Links, FIFOs, devices and oversized files are never followed or read: each is named here and
    left out of grading (a notebook that is one is graded as missing).
    """
    directory = course_root / "submitted" / student / assignment
    linked = safe_files.linked_folder(course_root / "submitted", Path(student, assignment))
    if linked:
        return [f"{linked}: not followed, the submission is graded as empty"]
    found = safe_files.scan(directory)
    notebooks = {f"{notebook}.ipynb" for notebook in get_assignment(assignment).notebooks}
    problems = [f"{reason}: left out of grading" for name, reason in found.refused.items() if name not in notebooks]
    present = sorted(name for name in [*found.files, *found.refused] if name.endswith(".ipynb") and "/" not in name)
    for name in sorted(notebooks):
        if name in found.refused:
            problems.append(f"{found.refused[name]}: graded as missing")
        elif name not in found.files:
            others = [other for other in present if other not in notebooks]
            problems.append(f"{name} is missing (it must keep its name)"
                            + (f"; found {', '.join(others)}" if others else ""))
        else:
            problems.extend(_notebook_problem(found.files[name], name))
    return problems


def _notebook_problem(path: Path, name: str) -> list[str]:
    try:
        text = safe_files.read_text(path, safe_files.MAX_NOTEBOOK_BYTES, name=name)
    except safe_files.UnsafeFileError as error:
        return [f"{error}: graded as missing"]
    except UnicodeDecodeError:
        return [f"{name} is not a readable notebook: not UTF-8 text"]
    try:
        nbformat.validate(nbformat.reads(text, as_version=4))
    except Exception as error:  # noqa: BLE001 - any failure to read means "not a notebook"
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        return [f"{name} is not a readable notebook: {reason}"]
    return []


def autograde(
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
