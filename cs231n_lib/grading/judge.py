"""Judge a hidden check: run its plan on the reference here and compare with the student's results."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from . import safe_files
from .checks import Check, get_check
from .compare import CheckFailure
from .course import get_assignment, reference_namespace
from .grader_values import computed_values
from .plan import Results
from .probe import run_plan
from .student_code import StudentCode


@dataclass(frozen=True)
class Verdict:
    check_id: str
    passed: bool
    lines: tuple[str, ...]  # what was compared, or the one reason it failed


# The student's kernel runs with one BLAS thread (kernel.KERNEL_ENVIRONMENT). The reference runs
# under the same limit, whatever this process's environment says (a Dask worker sets
# OPENBLAS_NUM_THREADS=1, a serial `nbgrader autograde` does not), so both sides sum in the same
# order and a check's verdict does not depend on the grading path.
KERNEL_BLAS_THREADS = 1


def kernel_numerics() -> threadpool_limits:
    """A context in which numpy computes as it does in the student's kernel."""
    return threadpool_limits(limits=KERNEL_BLAS_THREADS)


def run_as_in_a_kernel(function):
    """function(), computed as the student's kernel computes (see kernel_numerics), free to seed numpy's
    global generator: this process's generator is restored afterwards. For staff runs of training code."""
    state = np.random.get_state()
    try:
        with kernel_numerics(), np.errstate(all="ignore"):
            return function()
    finally:
        np.random.set_state(state)


# Every grading run needs the same reference results (plans are seeded, the reference is fixed), and
# some take seconds (60 training steps). The instructor's process computes them once per run and hands
# each nbgrader process a file with them: this variable holds "<sha256 of the file>:<its path>". A
# file that does not match its digest (a kernel without the sandbox could reach it) is ignored.
SHARED_REFERENCES_ENV = "CS231N_SHARED_REFERENCES"
MAX_SHARED_REFERENCES_BYTES = 256 * 1024 * 1024


def shared_references(assignment: str) -> bytes:
    """Every hidden check of assignment's reference results, and the grader values its checks need, as
    the file SHARED_REFERENCES_ENV names."""
    checks = sorted(get_assignment(assignment).checks, key=lambda check: check.id)
    content: dict[str, object] = {check.id: _reference_results_json(check.id) for check in checks}
    with _reference_lock:  # seeded staff runs draw from numpy's global generator, like references
        for check in checks:
            if check.needs is not None:
                check.needs()
    for module in sorted({check.build.__module__ for check in checks}):
        content.update(computed_values(module))
    return json.dumps(content).encode()


def shared_references_variable(path: Path, content: bytes) -> str:
    """The value of SHARED_REFERENCES_ENV for content written at path."""
    return f"{hashlib.sha256(content).hexdigest()}:{path}"


def share_references(assignment: str, folder: Path, content: bytes | None = None) -> dict[str, str]:
    """Write assignment's reference results (content, if this machine computed them already; else
    computed once per process) into folder (one the kernel cannot see); the environment entry that
    hands them to an nbgrader process."""
    content = shared_references(assignment) if content is None else content
    path = folder / "shared-references.json"
    path.write_bytes(content)
    return {SHARED_REFERENCES_ENV: shared_references_variable(path, content)}


@cache
def _shared() -> dict[str, object]:
    digest, _, path = os.environ.get(SHARED_REFERENCES_ENV, "").partition(":")
    if not path:
        return {}
    try:
        content = safe_files.read_bytes(Path(path), MAX_SHARED_REFERENCES_BYTES, name="shared references")
    except (OSError, safe_files.UnsafeFileError):
        return {}
    if hashlib.sha256(content).hexdigest() != digest:
        return {}
    return json.loads(content)


def shared_entry(key: str) -> object | None:
    """The entry key of the shared references file this process was handed, if any."""
    return _shared().get(key)


# One computation at a time in a process, and each once: graders may be threads of one process (a
# `dask worker` runs several), and seeded checks draw from numpy's global generator, so two at once
# would take each other's draws and keep a wrong reference for the rest of the run.
_reference_lock = threading.RLock()
_reference_cache: dict[str, str] = {}


def _reference_results_json(check_id: str) -> str:
    with _reference_lock:
        if check_id not in _reference_cache:
            _reference_cache[check_id] = _compute_reference_results_json(check_id)
        return _reference_cache[check_id]


def _compute_reference_results_json(check_id: str) -> str:
    shared = _shared().get(check_id)
    if shared is not None:
        return shared
    check = get_check(check_id)
    wire = check.plan().wire()
    # Timing steps measure the student's code against a baseline; the reference needs no timing.
    wire = {**wire, "steps": [s for s in wire["steps"] if not s.get("timed_only")]}
    with kernel_numerics():
        return json.dumps(run_plan(wire, reference_namespace()))


def forget_reference_results() -> None:
    """Drop the results computed so far in this process (tests, benchmarks)."""
    with _reference_lock:
        _reference_cache.clear()


def reference_results(check_id: str) -> Results:
    return json.loads(_reference_results_json(check_id))


def judge(check: Check, student_results: Results, code: StudentCode) -> Verdict:
    """Apply check's static checks to code and its expectations to student_results."""
    lines: list[str] = []
    try:
        for static_check in check.static_checks():
            lines += static_check(code)
        reference = reference_results(check.id)
        for expectation in check.plan().expectations:
            lines += expectation(student_results, reference)
    except CheckFailure as failure:
        return Verdict(check.id, False, (str(failure),))
    return Verdict(check.id, True, tuple(lines))


def judge_in_process(check_id: str, namespace: dict, code: StudentCode | None = None,
                     blas_threads: int = KERNEL_BLAS_THREADS) -> Verdict:
    """Run and judge a check on implementations in this process (tests and instructor tooling).

    The plan goes through the same JSON encoding as in a kernel, so results match a real run.
    blas_threads: the implementations' BLAS thread limit (the reference always runs under the
    kernel's); another count sums in another order, as a correct but differently written student
    implementation would.
    """
    check = get_check(check_id)
    plan = json.loads(check.plan().to_json())
    with threadpool_limits(limits=blas_threads):
        results = json.loads(json.dumps(run_plan(plan, namespace)))
    return judge(check, results, code or StudentCode(()))
