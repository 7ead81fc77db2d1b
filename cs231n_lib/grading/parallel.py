"""What ``cs231n-course autograde`` runs: autograde on Dask, every submission in a throwaway course of
its own, one writer for the gradebook.

A worker gets the course as bytes (no shared file system is assumed), grades
one submission with plain ``nbgrader autograde`` against a throwaway copy of
the gradebook, and returns the graded notebooks. Only this process writes the
real gradebook, with the grade-saving steps a serial ``nbgrader autograde``
runs (KeepManualGrades, AssignLatePenalties), so it ends exactly as that would
leave it. A grade is written when its
whole submission is done: a worker that dies loses nothing (Dask retries the
submission elsewhere), and a re-run skips submissions already graded from
the same files (see run.RunRecord, the record merge writes next to each graded submission).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import AssignLatePenalties
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning
from tqdm import tqdm

from . import safe_files
from .course import STUDENT_PACKAGE, get_assignment
from .gradebook import Gradebook, course_config, course_id
from .judge import share_references, shared_references
from .manual_grades import KeepManualGrades
from .nbgrader_runner import nbgrader_environment, run_nbgrader, start_fork_server
from .release import release
from .run import (
    GradingRun,
    RunRecord,
    read_state,
    state_path,
    submission_problems,
    submitted_students,
    verdict,
    write_state,
)
from .students import ensure_student


@dataclass(frozen=True)
class CourseTemplate:
    """What a worker needs to grade one assignment: course files and an empty gradebook, as bytes."""

    assignment: str
    files: dict[str, bytes]


@dataclass
class SubmissionResult:
    student: str
    ok: bool
    message: str
    seconds: float
    fingerprint: str
    notebooks: dict[str, str] = field(default_factory=dict)  # notebook name -> graded notebook JSON
    timestamp: str | None = None


@dataclass(frozen=True)
class GradingBatch:
    """The submissions of one `autograde` call still to grade, in the order to grade them, and what
    each grading needs."""

    course_root: Path
    jobs: list[tuple[str, str]]  # (assignment, student), the slowest first
    bundles: dict[tuple[str, str], dict[str, bytes]]  # (assignment, student) -> submission_files
    problems: dict[tuple[str, str], list[str]]  # (assignment, student) -> submission_problems
    extra_arguments: tuple[str, ...]
    wall_clock: float

    @property
    def assignments(self) -> list[str]:
        """The assignments to grade, in the order of their first submission in jobs."""
        return list(dict.fromkeys(assignment for assignment, _ in self.jobs))


def build_templates(course_root: Path, assignments: list[str]) -> dict[str, CourseTemplate]:
    """assignment -> its template, built two at a time (each is an nbgrader release of its own)."""
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(assignments, pool.map(partial(build_template, course_root), assignments), strict=True))


def build_template(course_root: Path, assignment: str) -> CourseTemplate:
    """Release the assignment into a scratch course and keep what grading needs."""
    with tempfile.TemporaryDirectory(prefix="cs231n-template-") as scratch:
        root = Path(scratch)
        shutil.copy(course_root / "nbgrader_config.py", root)
        shutil.copytree(course_root / "source" / assignment, root / "source" / assignment, symlinks=True)
        release(root, assignment, environment=scratch_environment(root), with_solutions=False)
        files = {"nbgrader_config.py": (root / "nbgrader_config.py").read_bytes(),
                 "gradebook.db": (root / "gradebook.db").read_bytes()}
        for top in ("source", "release"):
            for path in (root / top / assignment).rglob("*"):
                if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
                    files[str(path.relative_to(root))] = path.read_bytes()
    return CourseTemplate(assignment, files)


def scratch_environment(root: Path, assignment: str | None = None, references: bytes | None = None) -> dict[str, str]:
    """nbgrader's environment with the gradebook of the throwaway course at root; with assignment,
    also its shared reference results, written into that course (see judge.SHARED_REFERENCES_ENV):
    references if given, else computed in this process (once)."""
    environment = {**nbgrader_environment(), "CS231N_DB_URL": f"sqlite:///{root / 'gradebook.db'}?timeout=60"}
    if assignment is not None:
        # The course folder is outside everything the kernel may see (only its own working folder).
        environment.update(share_references(assignment, root, references))
    return environment


def submission_files(course_root: Path, assignment: str, student: str) -> dict[str, bytes]:
    """The submission's regular files by relative name; links, FIFOs and oversized files are left out
    (submission_problems names them)."""
    if safe_files.linked_folder(course_root / "submitted", Path(student, assignment)):
        return {}
    files = {}
    for relative, path in safe_files.scan(course_root / "submitted" / student / assignment).files.items():
        try:
            files[relative] = safe_files.read_bytes(path, safe_files.MAX_NOTEBOOK_BYTES, name=relative)
        except safe_files.UnsafeFileError:
            continue  # changed into something unsafe since the scan
    return files


def fingerprint(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def grade_in_scratch(template: CourseTemplate, student: str, files: dict[str, bytes],
                     extra_arguments: tuple[str, ...] = (), wall_clock: float = 1800.0,
                     problems: list[str] | None = None, references: bytes | None = None) -> SubmissionResult:
    """Grade one submission in a throwaway course (runs on a Dask worker, or here with --workers 1).

    problems: what submission_problems found in the real submission (the scratch copy lacks the
    links and FIFOs it names); found again in the scratch copy when not given.
    references: the assignment's reference results (judge.shared_references) computed on this machine
    for every grading of the command; else computed in this process, once.
    """
    started = time.perf_counter()
    assignment = template.assignment
    with tempfile.TemporaryDirectory(prefix="cs231n-grade-") as scratch:
        root = Path(scratch)
        for relative, content in template.files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        package = Path("..", "..", "release", assignment, STUDENT_PACKAGE)
        (root / "source" / assignment / STUDENT_PACKAGE).symlink_to(package)
        submitted = root / "submitted" / student / assignment
        for relative, content in files.items():
            path = submitted / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        if problems is None:
            problems = submission_problems(root, assignment, student)
        completed = run_nbgrader(root, "autograde", assignment, f"--student={student}", "--force",
                                 "--log-level=WARN", *extra_arguments, check=False,
                                 environment=scratch_environment(root, assignment, references),
                                 timeout=wall_clock)
        ok, message = verdict(completed.returncode, completed.stdout + completed.stderr, problems, wall_clock)
        notebooks, unread = read_graded_notebooks(root / "autograded" / student / assignment, assignment)
        if unread:
            ok, message = False, "; ".join([*unread, message] if message else unread)
        timestamp = _read_small(submitted / "timestamp.txt")
    return SubmissionResult(student, ok, message, time.perf_counter() - started, fingerprint(files), notebooks,
                            timestamp)


def read_graded_notebooks(folder: Path, assignment: str) -> tuple[dict[str, str], list[str]]:
    """(notebook name -> graded JSON, why a notebook could not be read) of a grading folder.

    Only the assignment's notebooks are read, never through a link or from a FIFO, below the size
    limit: the kernel ran in this folder and could have planted anything.
    """
    notebooks, unread = {}, []
    for name in get_assignment(assignment).notebooks:
        path = folder / f"{name}.ipynb"
        if not os.path.lexists(path):
            continue
        try:
            notebooks[name] = safe_files.read_text(path, safe_files.MAX_NOTEBOOK_BYTES, name=f"{name}.ipynb")
        except (safe_files.UnsafeFileError, UnicodeDecodeError) as error:
            unread.append(f"graded {error}: graded as missing")
    return notebooks, unread


def _read_small(path: Path) -> str | None:
    try:
        return safe_files.read_text(path, 64 * 1024).strip()
    except (safe_files.UnsafeFileError, UnicodeDecodeError):
        return None


def merge(course_root: Path, assignment: str, result: SubmissionResult) -> None:
    """Write one graded submission into the course's gradebook and autograded/ (the only writer)."""
    config = course_config(course_root)
    db_url = str(config.CourseDirectory.db_url)
    # One session per step, in the order nbgrader's Autograde.init_assignment uses.
    with Gradebook(db_url) as gradebook:
        try:
            notebook_names = [notebook.name for notebook in gradebook.find_assignment(assignment).notebooks]
        except MissingEntry:
            raise RuntimeError(f"the gradebook has no assignment {assignment!r}; run "
                               f"`cs231n-course release {assignment}` first") from None
    ensure_student(db_url, course_id(config), result.student)
    with Gradebook(db_url) as gradebook, warnings.catch_warnings():
        # nbgrader's add_submission trips SQLAlchemy's autoflush cascade warning (inside nbgrader,
        # harmless: the submission is added explicitly right after); keep the progress bar readable.
        warnings.simplefilter("ignore", SAWarning)
        if result.timestamp:
            gradebook.update_or_create_submission(assignment, result.student,
                                                  timestamp=parse_utc(result.timestamp))
        else:
            gradebook.update_or_create_submission(assignment, result.student)
    # A kernel of an earlier serial run may have left links here: nothing below autograded/ is followed.
    (course_root / "autograded").mkdir(exist_ok=True)
    safe_files.remove_entry(course_root / "autograded" / result.student / assignment)
    destination = safe_files.real_directory(course_root / "autograded", Path(result.student, assignment))
    for name in notebook_names:
        if name not in result.notebooks:
            _zero_missing_notebook(db_url, assignment, result.student, name)
            continue
        notebook = nbformat.reads(result.notebooks[name], as_version=4)
        resources = {"nbgrader": {"student": result.student, "assignment": assignment, "notebook": name,
                                  "db_url": db_url}}
        KeepManualGrades().preprocess(notebook, resources)
        AssignLatePenalties(config=config).preprocess(notebook, resources)
        safe_files.write_fresh(destination / f"{name}.ipynb", result.notebooks[name])
    if result.timestamp:
        safe_files.write_fresh(destination / "timestamp.txt", result.timestamp)
    write_state(destination, RunRecord(result.fingerprint, result.ok, result.message, result.seconds))


def _zero_missing_notebook(db_url: str, assignment: str, student: str, notebook: str) -> None:
    # What nbgrader does for a notebook that was not submitted.
    with Gradebook(db_url) as gradebook:
        submission = gradebook.find_submission_notebook(notebook, assignment, student)
        for grade in submission.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        gradebook.db.commit()


def already_graded(course_root: Path, assignment: str, student: str, files: dict[str, bytes]) -> bool:
    record = read_state(state_path(course_root, assignment, student))
    return record is not None and record.fingerprint == fingerprint(files)


def autograde_parallel(course_root: Path, assignment: str, students: list[str] | None = None,
                       **options: Any) -> list[GradingRun]:
    """Grade one assignment's submissions in parallel; return one GradingRun per submission graded now.

    options: those of autograde_assignments (workers, scheduler, force, extra_arguments, wall_clock, progress).
    """
    return autograde_assignments(course_root, {assignment: students}, **options)[assignment]


def autograde_assignments(
    course_root: Path,
    students: dict[str, list[str] | None],
    workers: int = 2,
    scheduler: str | None = None,
    force: bool = False,
    extra_arguments: tuple[str, ...] = (),
    wall_clock: float = 1800.0,
    progress: bool = True,
) -> dict[str, list[GradingRun]]:
    """Grade several assignments' submissions on one pool of workers; the runs of each assignment.

    students: assignment -> its students to grade (None: every submission). All submissions are
    queued together, the slowest first (by their last recorded grading time, else by notebook size),
    so no worker idles while another assignment's last notebook runs.
    """
    jobs: list[tuple[str, str]] = []
    bundles: dict[tuple[str, str], dict[str, bytes]] = {}
    problems: dict[tuple[str, str], list[str]] = {}
    skipped: dict[str, int] = {}
    for assignment, chosen in students.items():
        get_assignment(assignment)
        chosen = submitted_students(course_root, assignment) if chosen is None else chosen
        for student in chosen:
            bundles[assignment, student] = submission_files(course_root, assignment, student)
            problems[assignment, student] = submission_problems(course_root, assignment, student)
        todo = [s for s in chosen if force or not already_graded(course_root, assignment, s, bundles[assignment, s])]
        skipped[assignment] = len(chosen) - len(todo)
        if not todo and progress:
            print(f"autograde {assignment}: all {skipped[assignment]} submissions already graded "
                  "(use --force to regrade)")
        jobs += [(assignment, student) for student in todo]
    runs: dict[str, list[GradingRun]] = {assignment: [] for assignment in students}
    if not jobs:
        return runs
    jobs.sort(key=lambda job: expected_seconds(course_root, *job, bundles[job]), reverse=True)
    batch = GradingBatch(course_root, jobs, bundles, problems, extra_arguments, wall_clock)
    names = ", ".join(batch.assignments)
    # A bar on a terminal; in a log (CI, `make demo > log`) one plain line per submission instead of a
    # bar redrawn with carriage returns.
    interactive = progress and sys.stderr.isatty()
    bar = tqdm(total=len(jobs), desc=f"autograde {names}", unit="submission", disable=not interactive)

    def record(assignment: str, result: SubmissionResult) -> None:
        merge(course_root, assignment, result)
        runs[assignment].append(GradingRun(result.student, result.seconds, result.ok, result.message))
        done = [run for assignment_runs in runs.values() for run in assignment_runs]
        failed = sum(not r.ok for r in done)
        bar.set_postfix(done=len(done) - failed, failed=failed, skipped=sum(skipped.values()))
        bar.update()
        if progress and not interactive:
            print(f"[{len(done)}/{len(jobs)}] {assignment}/{result.student}: "
                  f"{'graded' if result.ok else 'NOT GRADED'} in {result.seconds:.1f} s", flush=True)

    try:
        if workers <= 1 and scheduler is None:
            start_fork_server()  # its imports overlap the templates' builds
            templates = build_templates(course_root, batch.assignments)
            references = {assignment: shared_references(assignment) for assignment in templates}
            for assignment, student in jobs:
                record(assignment, grade_in_scratch(templates[assignment], student, bundles[assignment, student],
                                                    extra_arguments, wall_clock, problems[assignment, student],
                                                    references[assignment]))
        else:
            _run_on_dask(batch, workers, scheduler, record)
    finally:
        bar.close()
    return runs


def expected_seconds(course_root: Path, assignment: str, student: str, files: dict[str, bytes]) -> float:
    """How long grading a submission should take: its last recorded time, else its notebooks' size
    (a megabyte of notebook for a second: only the order matters)."""
    record = read_state(state_path(course_root, assignment, student))
    if record is not None and record.seconds is not None:
        return record.seconds
    return sum(len(content) for name, content in files.items() if name.endswith(".ipynb")) / 1e6


QUIET_DASK = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def _run_on_dask(batch: GradingBatch, workers: int, scheduler: str | None,
                 record: Callable[[str, SubmissionResult], None]) -> None:
    """Grade batch on a local cluster of workers processes, or on the Dask scheduler at that address;
    record each result as it arrives."""
    import logging

    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    # Dask narrates worker start-up and shutdown at WARNING; the progress bar says what matters.
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler is None:
        # Processes, one thread each: every worker runs one notebook's kernel at a time. Non-daemonic,
        # so a worker may fork its graders (see nbgrader_runner); the nanny still ends them on close.
        # Dask's diagnostics (a stack sampler every 10 ms, an event-loop tick every 20 ms, resource
        # monitors) feed a dashboard this cluster does not have: they took ~10% of a core from grading.
        with dask.config.set({"distributed.worker.daemon": False, **QUIET_DASK}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, host="127.0.0.1")
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
    try:
        references = {}
        if scheduler is None:
            # Workers on this machine: their fork servers start, and one of them computes each assignment's
            # references once for all, while this process builds the templates. (A --scheduler cluster may
            # be elsewhere: references must be computed where the kernels run, so each worker makes its own.)
            client.run(start_fork_server)
            references = {assignment: client.submit(shared_references, assignment, key=f"references-{assignment}",
                                                    pure=False, priority=len(batch.jobs) + 1)
                          for assignment in batch.assignments}
        shared = {assignment: client.scatter(template, broadcast=True)
                  for assignment, template in build_templates(batch.course_root, batch.assignments).items()}
        # Dask runs ready tasks of equal priority in submission order; the priorities make that explicit.
        futures = {
            client.submit(grade_in_scratch, shared[assignment], student, batch.bundles[assignment, student],
                          batch.extra_arguments, batch.wall_clock, batch.problems[assignment, student],
                          references.get(assignment),
                          key=f"grade-{assignment}-{student}-{fingerprint(batch.bundles[assignment, student])[:12]}",
                          retries=1, pure=False, priority=len(batch.jobs) - position): assignment
            for position, (assignment, student) in enumerate(batch.jobs)
        }
        for future in as_completed(futures):
            record(futures[future], future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

