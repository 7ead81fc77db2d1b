"""Hidden checks: a seeded plan of calls plus static checks, registered by id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .plan import Plan
from .student_code import StudentCode, forbid_reference_library

StaticCheck = Callable[[StudentCode], list[str]]


@dataclass(frozen=True)
class Check:
    """One hidden check: a seeded plan plus static checks of the student's code."""

    id: str
    unit: str  # the graded unit (solution cell) it exercises
    cell: str  # the graded test cell whose points it decides
    seed: int
    build: Callable[[Plan, np.random.Generator], None]
    static: tuple[StaticCheck, ...] = field(default=())
    # Graded units this one calls (e.g. TwoLayerNet uses affine_forward): when one of them fails its
    # own check too, the feedback says to fix that first. The grader also infers uses from the code.
    uses: tuple[str, ...] = field(default=())

    def plan(self) -> Plan:
        plan = Plan()
        self.build(plan, np.random.default_rng(self.seed))
        return plan

    def static_checks(self) -> tuple[StaticCheck, ...]:
        return (forbid_reference_library(self.unit), *self.static)


CHECKS: dict[str, Check] = {}


def hidden_check(
    check_id: str, unit: str, cell: str, seed: int, static: tuple[StaticCheck, ...] = (), uses: tuple[str, ...] = ()
) -> Callable[[Callable[[Plan, np.random.Generator], None]], Callable[[Plan, np.random.Generator], None]]:
    """Register the decorated plan builder as the hidden check check_id.

    uses: the graded units the checked unit calls, named in its feedback when they fail too.
    """

    def register(build: Callable[[Plan, np.random.Generator], None]):
        if check_id in CHECKS:
            raise ValueError(f"hidden check {check_id!r} is defined twice")
        CHECKS[check_id] = Check(check_id, unit, cell, seed, build, tuple(static), tuple(uses))
        return build

    return register


def get_check(check_id: str) -> Check:
    _load_all()
    try:
        return CHECKS[check_id]
    except KeyError:
        raise KeyError(f"unknown hidden check {check_id!r}; known: {sorted(CHECKS)}") from None


def all_checks() -> dict[str, Check]:
    _load_all()
    return dict(CHECKS)


def _load_all() -> None:
    from .course import assignments

    assignments()  # importing each assignment's module registers its checks
