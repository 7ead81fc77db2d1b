"""Judge a hidden check: run its plan on the reference here and compare with the student's results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

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


@cache
def _reference_results_json(check_id: str) -> str:
    check = get_check(check_id)
    wire = check.plan().wire()
    # Timing steps measure the student's code against a baseline; the reference needs no timing.
    wire = {**wire, "steps": [s for s in wire["steps"] if not s.get("timed_only")]}
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


def judge_in_process(check_id: str, namespace: dict, code: StudentCode | None = None) -> Verdict:
    """Run and judge a check on implementations in this process (tests and instructor tooling).

    The plan goes through the same JSON encoding as in a kernel, so results match a real run.
    """
    check = get_check(check_id)
    plan = json.loads(check.plan().to_json())
    results = json.loads(json.dumps(run_plan(plan, namespace)))
    return judge(check, results, code or StudentCode(()))
