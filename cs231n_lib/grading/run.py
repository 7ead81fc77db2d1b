"""One home for a grading run: its outcome, its verdict, and the record kept next to its graded notebooks.

``cs231n-course autograde`` (parallel.autograde_parallel) grades a submission, judges the run with
verdict (submission_problems names what is wrong with its files) and writes a RunRecord to
STATE_FILE with write_state; read_state is the one reader of that file (a re-run's "already graded",
the order of the queue, ``cs231n-course report``).
"""

from __future__ import annotations

import json
import re
import signal
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import safe_files
from .course import get_assignment
from .grading_folder import NOTE_PREFIX

# Written next to each graded submission by `cs231n-course autograde`: fingerprint, outcome, seconds.
STATE_FILE = ".cs231n-autograde.json"
# The most read_state reads of a state file. write_state keeps a record's message to STATE_MESSAGE_CHARS,
# which JSON writes in at most 6 bytes a character (\uXXXX), so every record it writes can be read back.
STATE_MAX_BYTES = 64 * 1024
STATE_MESSAGE_CHARS = 8000


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


def _failure_summary(returncode: int | None, log: str) -> str:
    """The most telling line of nbgrader's log, shortened (it can quote whole cells); else how it ended."""
    lines = [line.strip() for line in log.splitlines()]
    exceptions = [line for line in lines if re.match(r"^[\w.]+(Error|Exception)(: |$)", line)
                  or line.startswith("Fatal Python error")]
    errors = [line for line in lines if "ERROR" in line
              and not any(g in line for g in GENERIC_LOG_LINES + EXPECTED_LOG_LINES)]
    candidates = exceptions or errors
    if candidates:
        return _shorten(candidates[-1])
    if returncode is not None and returncode < 0:
        try:
            ended = f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            ended = f"was killed by signal {-returncode}"
    else:
        ended = f"exited with code {returncode}"
    last = next((line for line in reversed(lines) if line), "")
    return f"nbgrader autograde {ended} and logged no error" + (f"; its last line: {_shorten(last)}" if last else "")


def _shorten(line: str) -> str:
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
        return False, "; ".join([_failure_summary(returncode, log), *notes])
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


@dataclass(frozen=True)
class RunRecord:
    """What STATE_FILE holds. A field missing from the file (or of no use) is None."""

    fingerprint: str | None  # of the submission's files (see parallel.fingerprint)
    ok: bool | None
    message: str | None
    seconds: float | None


def state_path(course_root: Path, assignment: str, student: str) -> Path:
    """Where the record of a submission's last grading run is kept: next to its graded notebooks."""
    return course_root / "autograded" / student / assignment / STATE_FILE


def write_state(folder: Path, record: RunRecord) -> None:
    """Write record as folder's STATE_FILE (a fresh file: a link planted there is replaced)."""
    message = record.message
    if message is not None and len(message) > STATE_MESSAGE_CHARS:
        message = message[: STATE_MESSAGE_CHARS - 40] + " [... cut to fit the state file]"
    safe_files.write_fresh(folder / STATE_FILE, json.dumps({
        "fingerprint": record.fingerprint, "ok": record.ok, "message": message, "seconds": record.seconds}))


def read_state(path: Path) -> RunRecord | None:
    """The record in a state file; None if it is missing, not a regular file (never followed), above
    STATE_MAX_BYTES, or not a JSON object."""
    try:
        state = json.loads(safe_files.read_text(path, STATE_MAX_BYTES))
    except (safe_files.UnsafeFileError, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(state, dict):
        return None
    fingerprint = state.get("fingerprint")
    ok = state.get("ok")
    message = state.get("message")
    try:
        seconds = float(state["seconds"])
    except (KeyError, ValueError, TypeError):
        seconds = None
    return RunRecord(fingerprint if isinstance(fingerprint, str) else None, None if ok is None else bool(ok),
                     None if message is None else str(message), seconds)


def recorded_runs(course_root: Path, assignment: str) -> list[GradingRun]:
    """The last grading run of every submission, as recorded next to its graded notebooks."""
    runs = []
    for state_file in sorted((course_root / "autograded").glob(f"*/{assignment}/{STATE_FILE}")):
        record = read_state(state_file)
        if record is None:
            continue
        runs.append(GradingRun(state_file.parent.parent.name, record.seconds or 0.0, bool(record.ok),
                               record.message or ""))
    return runs
