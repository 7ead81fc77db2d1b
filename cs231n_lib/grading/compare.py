"""Comparisons that explain themselves: what was expected, what came back, how far apart."""

from __future__ import annotations

from typing import Any

import numpy as np

from .probe import Unsupported


class CheckFailure(Exception):
    """A check found a wrong answer; the message is shown to the student."""


# Entries this far below the largest of the values compared are judged on the scale of that
# largest value, not their own: a quantity that is mathematically zero (the bias gradient of a layer
# feeding a batch norm) comes back as rounding noise of ~1e-16, and its relative error says nothing.
SCALE_FLOOR = 1e-4


def relative_error(x: np.ndarray, y: np.ndarray, floor: float = 0.0) -> tuple[float, tuple[int, ...]]:
    """CS231n's rel_error and the index where it is largest (computed here, never in the kernel).

    With floor > 0 the denominator is at least floor: entries smaller than that are compared
    absolutely, on the scale of floor.
    """
    x = np.asarray(x, dtype=np.complex128 if np.iscomplexobj(x) else np.float64)
    y = np.asarray(y, dtype=np.complex128 if np.iscomplexobj(y) else np.float64)
    if x.size == 0:
        return 0.0, ()
    errors = np.abs(x - y) / np.maximum(max(1e-8, floor), np.abs(x) + np.abs(y))
    index = np.unravel_index(int(np.argmax(errors)), errors.shape)
    return float(errors[index]), tuple(int(i) for i in index)


def largest_magnitude(values: Any) -> float:
    """The largest absolute entry of a number, an array, or nested dicts / lists / tuples of them."""
    if isinstance(values, dict):
        return max((largest_magnitude(v) for v in values.values()), default=0.0)
    if isinstance(values, (list, tuple)):
        return max((largest_magnitude(v) for v in values), default=0.0)
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return 0.0
    finite = np.abs(array[np.isfinite(array)])
    return float(finite.max()) if finite.size else 0.0


def scale_floor(expected: Any) -> float:
    """The denominator floor for comparing against expected: SCALE_FLOOR of its largest entry (x2,
    as rel_error's denominator adds both sides)."""
    return 2 * SCALE_FLOOR * largest_magnitude(expected)


def _format_number(value: Any) -> str:
    return f"{value:.9e}" if isinstance(value, (float, np.floating)) else repr(value)


def expect_shape(name: str, got: Any, shape: tuple[int, ...]) -> None:
    if isinstance(got, Unsupported):
        raise CheckFailure(f"{name}: expected an array of shape {shape}, got {got!r}")
    got_shape = np.shape(got)
    if tuple(got_shape) != tuple(shape):
        raise CheckFailure(f"{name}: expected shape {tuple(shape)}, got {tuple(got_shape)}")


def _expect_numeric(name: str, got: Any) -> np.ndarray:
    if isinstance(got, Unsupported):
        raise CheckFailure(f"{name}: expected numbers, got {got!r}")
    try:
        array = np.asarray(got)
    except Exception as error:  # noqa: BLE001 - any failure here means "not numbers"
        raise CheckFailure(f"{name}: expected numbers, got {type(got).__name__}") from error
    if array.dtype.kind not in "biufc":
        raise CheckFailure(f"{name}: expected numbers, got {type(got).__name__} ({array.dtype})")
    return array


def expect_close(name: str, got: Any, expected: Any, tol: float, floor: float | None = None) -> str:
    """Raise CheckFailure unless got matches expected to relative error tol; return a report line.

    floor: entries whose |got| + |expected| is below it are compared on its scale (default:
    scale_floor(expected), i.e. relative to the largest expected entry).
    """
    floor = scale_floor(expected) if floor is None else floor
    expected = np.asarray(expected)
    expect_shape(name, got, expected.shape)
    got = _expect_numeric(name, got)
    if not np.all(np.isfinite(got)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0]) if got.ndim else ()
        raise CheckFailure(f"{name}: contains {got[bad]} at index {bad}; expected finite values")
    error, index = relative_error(got, expected, floor)
    if not error <= tol:
        where = f" at index {index}" if index else ""
        got_value, expected_value = got[index], expected[index]
        small = abs(complex(got_value)) + abs(complex(expected_value)) < floor
        scale = f", measured against {floor:.1e} as both values are that small" if small else ""
        raise CheckFailure(
            f"{name}: relative error {error:.6e} (tolerance {tol:.0e}{scale}); largest difference{where}: "
            f"got {_format_number(got_value)}, expected {_format_number(expected_value)}"
        )
    return f"{name}: shape {tuple(expected.shape)}, relative error {error:.1e} <= {tol:.0e}"


def expect_equal(name: str, got: Any, expected: Any) -> str:
    """Exact equality of values (dtype aside), e.g. for labels."""
    expected = np.asarray(expected)
    expect_shape(name, got, expected.shape)
    got = _expect_numeric(name, got)
    mismatches = np.argwhere(np.asarray(got != expected).reshape(expected.shape))
    if mismatches.size:
        index = tuple(int(i) for i in mismatches[0])
        raise CheckFailure(
            f"{name}: {len(mismatches)} of {expected.size} entries differ; first at index {index}: "
            f"got {_format_number(got[index])}, expected {_format_number(expected[index])}"
        )
    return f"{name}: all {expected.size} entries equal"


def expect_same_structure_close(name: str, got: Any, expected: Any, tol: float,
                                floor: float | None = None) -> list[str]:
    """Compare nested dicts / lists / tuples of numbers leaf by leaf.

    Every leaf is compared on the scale of the largest expected entry of the whole structure (see
    expect_close), e.g. a zero bias gradient on the scale of the weight gradients beside it.
    """
    floor = scale_floor(expected) if floor is None else floor
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise CheckFailure(f"{name}: expected a dict, got {type(got).__name__}")
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            raise CheckFailure(f"{name}: expected keys {sorted(expected)}, got {sorted(got, key=repr)}")
        lines = []
        for key in expected:
            lines += expect_same_structure_close(f"{name}[{key!r}]", got[key], expected[key], tol, floor)
        return lines
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple, np.ndarray)) or len(got) != len(expected):
            length = len(got) if hasattr(got, "__len__") else "no"
            raise CheckFailure(f"{name}: expected {len(expected)} values, got {length}")
        if all(np.ndim(item) == 0 and not isinstance(item, (dict, list, tuple)) for item in expected):
            try:
                values = np.asarray(got, dtype=float)
            except (TypeError, ValueError) as error:
                raise CheckFailure(f"{name}: expected {len(expected)} numbers, got {got!r:.200}") from error
            return [expect_close(name, values, np.asarray(expected, dtype=float), tol, floor)]
        lines = []
        for index, (got_item, expected_item) in enumerate(zip(got, expected, strict=True)):
            lines += expect_same_structure_close(f"{name}[{index}]", got_item, expected_item, tol, floor)
        return lines
    return [expect_close(name, got, expected, tol, floor)]
