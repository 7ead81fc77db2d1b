"""Values a check's expectations compute on the grader's side, computed once per instructor process.

Some expectations need work of their own besides the reference results: the staff's search run that
sets a validation-accuracy threshold, the embedded validation images a student's weights are measured
on. Each nbgrader process is new, so a plain cache would redo that work for every submission. A
function decorated with ``@grader_value`` is computed in the instructor's process instead (a check
names what it needs with ``hidden_check(needs=...)``) and handed to every nbgrader process in the
shared references file (see judge.share_references), on the same machine, under the same numerics.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import numpy as np

from .probe import decode_array, encode_array

Value = TypeVar("Value")

# A key of the shared references file that no check id can be (check ids have no spaces).
KEY_PREFIX = "grader value "

_lock = threading.RLock()
_computed: dict[str, Any] = {}  # key -> encoded value, of every value computed in this process


def grader_value(function: Callable[..., Value]) -> Callable[..., Value]:
    """Cache function's results in this process, and take them from the shared references file when
    this nbgrader process was handed one. Its arguments must be plain values (their repr is the key);
    its results tuples, dicts by string, floats, ints, strings or numpy arrays (arrays come back read-only)."""
    values: dict[str, Value] = {}

    @wraps(function)
    def cached(*arguments: Any) -> Value:
        key = f"{KEY_PREFIX}{function.__module__}.{function.__qualname__}{arguments!r}"
        with _lock:
            if key not in values:
                shared = _shared_entry(key)
                if shared is not None:
                    values[key] = _decode(shared)
                else:
                    values[key] = function(*arguments)
                    _computed[key] = _encode(values[key])
            return values[key]

    return cached


def computed_values(module: str) -> dict[str, Any]:
    """The encoded values computed in this process by functions of module (and its submodules)."""
    prefix = f"{KEY_PREFIX}{module}."
    with _lock:
        return {key: value for key, value in _computed.items() if key.startswith(prefix)}


def _shared_entry(key: str) -> Any:
    from .judge import shared_entry

    return shared_entry(key)


def _encode(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"tuple": [_encode(item) for item in value]}
    if isinstance(value, np.ndarray):
        return {"array": encode_array(value)}
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"dict": {key: _encode(item) for key, item in value.items()}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value  # JSON keeps a float's every bit (repr round-trips)
    raise TypeError(f"a grader value must be a tuple, dict, number, string or array, not {type(value).__name__}")


def _decode(encoded: Any) -> Any:
    if isinstance(encoded, dict) and "tuple" in encoded:
        return tuple(_decode(item) for item in encoded["tuple"])
    if isinstance(encoded, dict) and "dict" in encoded:
        return {key: _decode(item) for key, item in encoded["dict"].items()}
    if isinstance(encoded, dict) and "array" in encoded:
        array = decode_array(encoded["array"])
        array.flags.writeable = False
        return array
    return encoded
