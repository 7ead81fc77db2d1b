"""Judge a hidden check: run its plan on the reference here and compare with the student's results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from threadpoolctl import threadpool_limits

from .checks import Check, get_check
from .compare import CheckFailure
from .course import reference_namespace
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


@cache
def _reference_results_json(check_id: str) -> str:
    check = get_check(check_id)
    wire = check.plan().wire()
    # Timing steps measure the student's code against a baseline; the reference needs no timing.
    wire = {**wire, "steps": [s for s in wire["steps"] if not s.get("timed_only")]}
    with kernel_numerics():
        return json.dumps(run_plan(wire, reference_namespace()))


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
