"""The vocabulary hidden checks share, on top of Plan: calls expected to succeed, inputs that must
stay unchanged, returned tuples compared item by item, dtypes, and composites explained by their layers.

Tolerances stay with each assignment (its notebook prints them); these helpers take them as arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .checks import get_check
from .compare import CheckFailure
from .plan import Plan, Results, StepRef, call_expecting_success, result_value

# plan.call(target, ...), recorded and expected not to raise: a failure names this call, not a later step.
run = call_expecting_success


def run_keeping_inputs(plan: Plan, name: str, target: str, *arrays: Any, extra: tuple = ()) -> StepRef:
    """run() on arrays (then the extra arguments), and expect each array to be unchanged after the call.

    The arrays are passed as step results, which the call receives as they are, and recorded
    again afterwards, so an in-place change shows (as with plan.expect_inputs_unchanged, which
    records a call's own arguments); each failure names the argument's position.
    """
    held = [plan.hold(array) for array in arrays]
    result = run(plan, name, target, *held, *extra)
    for position, array in enumerate(held):
        after = plan.hold(array, record=True)
        plan.expect_equal(after, f"{name}: argument {position} after the call (it must not be modified)")
    return result


def expect_items_close(plan: Plan, result: StepRef, names: tuple[str, ...], label: str, tol: float,
                       by_value: bool = False) -> None:
    """Compare each element of a returned tuple (e.g. a backward pass's gradients), named "label: name"."""
    for index, name in enumerate(names):
        plan.expect_close(plan.item(result, index, record=True), f"{label}: {name}", tol, by_value=by_value)


def expect_loss_and_grads(plan: Plan, result: StepRef, name: str, tol: float, by_value: bool = False) -> None:
    """Compare the (loss, grads) a model's loss(X, y) returned; by_value applies to the grads only."""
    plan.expect_close(plan.item(result, 0, record=True), f"{name}: loss", tol)
    plan.expect_close(plan.item(result, 1, record=True), f"{name}: grads", tol, by_value=by_value)


def validation_accuracy_verdict(name: str, accuracy: float, staff_accuracy: float, threshold: float,
                                num_images: int, kept: str, advice: str) -> list[str]:
    """The verdict on a model a student trained (``name``, e.g. best_svm): it passes when it classifies at
    least threshold of the num_images embedded validation images. The message gives its accuracy, the
    threshold and the accuracy of the model (``kept``: a classifier, a network) the staff's search keeps;
    a failure adds advice on how to search."""
    summary = (f"your {name} classifies {accuracy:.3f} of the {num_images} embedded validation images correctly "
               f"(at least {threshold:.3f} needed; the staff's search keeps a {kept} that scores {staff_accuracy:.3f})")
    if not accuracy >= threshold:
        raise CheckFailure(f"{name}: {summary}. {advice}")
    return [f"{name}: {summary}"]


def _array_pairs(got: Any, expected: Any, path: str = "") -> Iterator[tuple[str, Any, np.ndarray]]:
    """(path, got, expected) for every array of ndim >= 1 in a nested structure of results."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in expected:
            if key in got:
                yield from _array_pairs(got[key], expected[key], f"{path}[{key!r}]")
    elif isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        for index, (g, e) in enumerate(zip(got, expected, strict=False)):
            yield from _array_pairs(g, e, f"{path}[{index}]")
    elif isinstance(expected, np.ndarray) and expected.ndim >= 1:
        yield path, got, expected


def expect_dtypes(plan: Plan, ref: StepRef, name: str, why: str) -> None:
    """Every array in the result has the reference's dtype; the message names the array and both dtypes.

    Only for results whose dtype a contract states (a model's dtype option): elsewhere float32
    inputs' results are graded by value, whatever their dtype.
    """

    def expectation(student: Results, reference: Results) -> list[str]:
        got, expected = result_value(student, ref, name), result_value(reference, ref, name, trusted=True)
        for path, g, e in _array_pairs(got, expected):
            g_dtype = getattr(g, "dtype", type(g).__name__)
            if g_dtype != e.dtype:
                raise CheckFailure(f"{name}{path}: dtype {g_dtype}, expected {e.dtype} ({why})")
        return [f"{name}: dtypes match"]

    plan.expectations.append(expectation)


def explain_with_layers(plan: Plan, start: int, composite: str, layer_checks: tuple[str, ...]) -> None:
    """Make a failure of the expectations added since start name the student's layers that fail too.

    A composite (a network, a training run) calls the student's own layers, so a layer bug shows up
    there as well. The layers' hidden checks are added to the plan (their steps run in the kernel;
    their verdicts decide nothing here): when the composite fails, its message says which of the
    layers it uses fail their own checks, so the student fixes those first.
    """
    composite_expectations = plan.expectations[start:]
    del plan.expectations[start:]
    layers = []
    for check_id in layer_checks:
        check = get_check(check_id)
        before = len(plan.expectations)
        check.build(plan, np.random.default_rng(check.seed))
        layers.append((check.unit, plan.expectations[before:]))
        del plan.expectations[before:]

    def expectation(student: Results, reference: Results) -> list[str]:
        lines = []
        try:
            for expect in composite_expectations:
                lines += expect(student, reference)
        except CheckFailure as failure:
            failing = []
            for unit, expectations in layers:
                try:
                    for expect in expectations:
                        expect(student, reference)
                except CheckFailure:
                    if unit not in failing:
                        failing.append(unit)
            if not failing:
                raise
            names = ", ".join(f"`{unit}`" for unit in failing)
            verb = "fails its own check: fix it" if len(failing) == 1 else "fail their own checks: fix them"
            raise CheckFailure(f"{failure}\n{composite} uses your {names}, which {verb} first "
                               "(see the feedback of their cells).") from failure
        return lines

    plan.expectations.append(expectation)
