"""Hidden checks as plans: the calls to make, and what to expect of their results.

A check builds a ``Plan`` from its own seeded generator. The plan travels to
the student's kernel as JSON (inputs only, never expected values); the
grader runs the same plan against the reference and applies the plan's
expectations to both result sets.

Plan.item, hold, method, multiply, subtract and set_item spell common calls
readably; each adds the same step that the equivalent plan.call would. The
vocabulary checks share on top of Plan lives in check_helpers.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import compare
from .probe import decode_value, encode_array

Results = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class StepRef:
    """An earlier step's result, usable as a call target prefix or as an argument."""

    id: str

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class Builtin:
    """An object the probe provides in the kernel (see probe.BUILTINS)."""

    name: str


@dataclass(frozen=True)
class RandomNormal:
    """A large standard-normal array made in the kernel, so the plan stays small."""

    seed: int
    shape: tuple[int, ...]


Expectation = Callable[[Results, Results], list[str]]


@dataclass
class Plan:
    steps: list[dict[str, Any]] = field(default_factory=list)
    arrays: dict[str, dict[str, Any]] = field(default_factory=dict)
    expectations: list[Expectation] = field(default_factory=list)

    def _argument(self, value: Any) -> Any:
        if isinstance(value, StepRef):
            return {"$ref": value.id}
        if isinstance(value, Builtin):
            return {"$builtin": value.name}
        if isinstance(value, RandomNormal):
            return {"$random": {"seed": value.seed, "shape": list(value.shape)}}
        if isinstance(value, np.ndarray):
            name = f"a{len(self.arrays)}"
            self.arrays[name] = encode_array(value)
            return {"$array": name}
        if isinstance(value, (list, tuple)):
            return [self._argument(v) for v in value]
        if isinstance(value, dict):
            return {str(k): self._argument(v) for k, v in value.items()}
        if isinstance(value, (np.integer, np.floating)):
            return value.item()
        return value

    def call(
        self,
        target: str,
        *args: Any,
        record: bool = False,
        record_args: bool = False,
        timed_only: bool = False,
        repeat: int = 1,
        **kwargs: Any,
    ) -> StepRef:
        """Add a call of target (a dotted name; may start with a StepRef's id)."""
        ref = StepRef(f"s{len(self.steps)}")
        step = {
            "id": ref.id,
            "target": target,
            "args": [self._argument(a) for a in args],
            "kwargs": {k: self._argument(v) for k, v in kwargs.items()},
            "record": record or timed_only or record_args,
        }
        if record_args:
            step["record_args"] = True
        if timed_only:
            step["timed_only"] = True
        if repeat > 1:
            step["repeat"] = repeat
        self.steps.append(step)
        return ref

    # Readable forms of common calls. Each is one plan.call of a target the probe already knows, so
    # the plan that reaches the kernel is exactly the one the spelled-out call would make.

    def item(self, container: StepRef, key: Any, record: bool = False) -> StepRef:
        """container[key] in the kernel (e.g. one of the values a call returned)."""
        return self.call("item", container, key, record=record)

    def hold(self, value: Any, record: bool = False) -> StepRef:
        """value as a step result, so that the following calls share one object (e.g. an array or a
        bn_param they may modify in place); with record, the value as it is at this point comes back
        (e.g. an argument after a call that must not modify it)."""
        return self.call("item", [value], 0, record=record)

    def method(self, ref: StepRef, name: str, *args: Any, record: bool = False, **kwargs: Any) -> StepRef:
        """ref.name(*args, **kwargs) in the kernel."""
        return self.call(f"{ref}.{name}", *args, record=record, **kwargs)

    def multiply(self, ref: StepRef, factor: Any) -> StepRef:
        """ref * factor in the kernel (ref's own __mul__)."""
        return self.method(ref, "__mul__", factor)

    def subtract(self, ref: StepRef, other: Any) -> StepRef:
        """ref - other in the kernel (ref's own __sub__)."""
        return self.method(ref, "__sub__", other)

    def set_item(self, container: StepRef, key: Any, value: Any) -> StepRef:
        """container[key] = value in the kernel."""
        return self.method(container, "__setitem__", key, value)

    def wire(self) -> dict[str, Any]:
        return {"steps": self.steps, "arrays": self.arrays}

    def to_json(self) -> str:
        return json.dumps(self.wire(), separators=(",", ":"))

    # Expectations: each compares the student's results with the reference's.

    def expect_close(self, ref: StepRef, name: str, tol: float, by_value: bool = False) -> None:
        """The result matches the reference's to relative error tol, leaf by leaf.

        Entries far below the largest expected one are judged on its scale (compare.SCALE_FLOOR).
        by_value: every entry is judged on the scale of the largest expected entry, for results of
        float32 inputs, whose rounding (~1e-7 of the largest entry) cancels in small entries so that
        their own relative error says nothing; the result's dtype is not graded.
        """

        def expectation(student: Results, reference: Results) -> list[str]:
            got, expected = result_value(student, ref, name), result_value(reference, ref, name, trusted=True)
            # rel_error's denominator adds both sides, hence 2x the largest entry.
            floor = 2 * compare.largest_magnitude(expected) if by_value else None
            return compare.expect_same_structure_close(name, got, expected, tol, floor)

        self.expectations.append(expectation)

    def expect_equal(self, ref: StepRef, name: str) -> None:
        def expectation(student: Results, reference: Results) -> list[str]:
            got, expected = result_value(student, ref, name), result_value(reference, ref, name, trusted=True)
            return [compare.expect_equal(name, got, expected)]

        self.expectations.append(expectation)

    def expect_inputs_unchanged(self, ref: StepRef, name: str) -> None:
        def expectation(student: Results, reference: Results) -> list[str]:
            result_value(student, ref, name)
            got = decode_value(student[ref.id]["args_after"])
            expected = decode_value(reference[ref.id]["args_after"])
            for position, (after, before) in enumerate(zip(got, expected, strict=True)):
                if isinstance(before, np.ndarray) and not np.array_equal(np.asarray(after), before):
                    raise compare.CheckFailure(
                        f"{name}: argument {position} was modified in place; make a copy instead"
                    )
            return [f"{name}: inputs unchanged"]

        self.expectations.append(expectation)

    def expect(self, ref: StepRef, name: str, check: Callable[[Any, Any], list[str]]) -> None:
        """A custom expectation: check(student's value, reference's value) returns report lines or raises
        compare.CheckFailure."""

        def expectation(student: Results, reference: Results) -> list[str]:
            return check(result_value(student, ref, name), result_value(reference, ref, name, trusted=True))

        self.expectations.append(expectation)

    def expect_fast(self, ref: StepRef, baseline: StepRef, name: str, factor: float, slack: float) -> None:
        """The student's call takes at most factor x the baseline's time (+ slack seconds)."""

        def expectation(student: Results, reference: Results) -> list[str]:
            result_value(student, ref, name)
            seconds = float(student[ref.id]["seconds"])
            baseline_seconds = float(_result(student, baseline, "baseline")["seconds"])
            bound = factor * baseline_seconds + slack
            if not seconds <= bound:
                raise compare.CheckFailure(
                    f"{name}: took {seconds * 1e3:.0f} ms, more than the {bound * 1e3:.0f} ms allowed "
                    f"({factor:g}x a matrix product of the same size + {slack * 1e3:.0f} ms); "
                    "vectorize it fully"
                )
            return [f"{name}: {seconds * 1e3:.1f} ms (bound {bound * 1e3:.0f} ms)"]

        self.expectations.append(expectation)


def step_problem(results: Results, ref: StepRef) -> str | None:
    """Why step ref gave no usable value (its error, or that nothing came back), or None."""
    if ref.id not in results:
        return "no result came back"
    result = results[ref.id]
    if "error" in result:
        return str(result["error"])
    if "value" not in result:
        return "no value came back"
    return None


def _result(results: Results, ref: StepRef, name: str) -> dict[str, Any]:
    if ref.id not in results:
        raise compare.CheckFailure(f"{name}: no result came back")
    return results[ref.id]


def result_value(results: Results, ref: StepRef, name: str, trusted: bool = False) -> Any:
    """The decoded value a step returned; a CheckFailure (or, for the reference, an error) if it did not."""
    result = _result(results, ref, name)
    if "error" in result:
        if trusted:
            raise RuntimeError(f"the reference failed on check step {name}: {result['error']}")
        raise compare.CheckFailure(f"{name}: raised {result['error']}")
    if "value" not in result:
        raise compare.CheckFailure(f"{name}: no value came back")
    try:
        return decode_value(result["value"])
    except (ValueError, KeyError, TypeError) as error:
        raise compare.CheckFailure(f"{name}: returned something that could not be read ({error})") from error


def call_expecting_success(plan: Plan, name: str, target: str, *args, **kwargs) -> StepRef:
    """plan.call(target, ...), recorded and expected not to raise: a failure names this call, not a later step."""
    ref = plan.call(target, *args, record=True, **kwargs)

    def expectation(student, reference):
        result_value(student, ref, name)
        return []

    plan.expectations.append(expectation)
    return ref
