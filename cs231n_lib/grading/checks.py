"""Hidden checks: a seeded plan of calls plus static checks, owned by the assignment that defines them.

A check is a plan builder decorated with ``@hidden_check(unit=...)`` in an assignment's module.
Its id is ``<assignment>.<function name>`` (what the notebook's hidden-check marker names), its
seed follows from its id, and the graded test cell it decides is the one holding its marker.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .plan import Plan
from .student_code import StudentCode, forbid_reference_library

StaticCheck = Callable[[StudentCode], list[str]]
PlanBuilder = Callable[[Plan, np.random.Generator], None]


@dataclass(frozen=True)
class Check:
    """One hidden check: a seeded plan plus static checks of the student's code."""

    id: str
    unit: str  # the graded unit (solution cell) it exercises
    build: PlanBuilder
    static: tuple[StaticCheck, ...] = field(default=())
    # Graded units this one calls (e.g. TwoLayerNet uses affine_forward): when one of them fails its
    # own check too, the feedback says to fix that first. The grader also infers uses from the code.
    uses: tuple[str, ...] = field(default=())
    # Computes the grader values (grader_values.grader_value) its expectations use, so that the
    # instructor's process can compute them once and share them with every nbgrader process.
    needs: Callable[[], object] | None = None

    @property
    def seed(self) -> int:
        # A stable hash (unlike hash(), which is salted per process), so every grading process,
        # machine and Python version builds the same inputs for the same check.
        return zlib.crc32(self.id.encode())

    def plan(self) -> Plan:
        plan = Plan()
        self.build(plan, np.random.default_rng(self.seed))
        return plan

    def static_checks(self) -> tuple[StaticCheck, ...]:
        return (forbid_reference_library(self.unit), *self.static)


def hidden_check(
    unit: str, static: tuple[StaticCheck, ...] = (), uses: tuple[str, ...] = (),
    needs: Callable[[], object] | None = None,
) -> Callable[[PlanBuilder], Check]:
    """Make the decorated plan builder the hidden check ``<assignment>.<function name>`` of unit.

    uses: the graded units the checked unit calls, named in its feedback when they fail too.
    needs: calls the grader values its plan and expectations use (see grader_values).
    """

    def make(build: PlanBuilder) -> Check:
        assignment = build.__module__.rpartition(".")[2]
        return Check(f"{assignment}.{build.__name__}", unit, build, tuple(static), tuple(uses), needs)

    return make


def checks_defined_in(module_globals: Mapping[str, Any]) -> tuple[Check, ...]:
    """The checks a module defines at top level, in the order it defines them (not those it imports)."""
    module = module_globals["__name__"]
    return tuple(value for value in module_globals.values()
                 if isinstance(value, Check) and value.build.__module__ == module)


def all_checks() -> dict[str, Check]:
    """Every assignment's checks by id, in release order."""
    from .course import assignments

    found: dict[str, Check] = {}
    for assignment in assignments():
        for check in assignment.checks:
            if check.id in found:
                raise ValueError(f"hidden check {check.id!r} is defined twice")
            found[check.id] = check
    return found


def get_check(check_id: str) -> Check:
    checks = all_checks()
    try:
        return checks[check_id]
    except KeyError:
        raise KeyError(f"unknown hidden check {check_id!r}; known: {sorted(checks)}") from None
