"""The probe's wire format: what a kernel can send the grader, and what it cannot."""

import json

import numpy as np
import pytest

from cs231n_lib.grading.probe import Unsupported, decode_array, decode_value, encode_value, run_plan


def roundtrip(value):
    return decode_value(json.loads(json.dumps(encode_value(value, [10**8]))))


@pytest.mark.parametrize("value", [np.arange(6, dtype=np.int32).reshape(2, 3), np.float32(1.5),
                                   np.array([[1.0, np.nan]]), np.array([True, False])])
def test_arrays_travel_bit_for_bit(value):
    back = roundtrip(value)
    assert np.asarray(back).dtype == np.asarray(value).dtype
    np.testing.assert_array_equal(back, value)


def test_containers_keep_their_structure():
    back = roundtrip({1: [0.5, 0.25], 3: (np.zeros(2), "x")})
    assert list(back) == [1, 3] and back[1] == [0.5, 0.25]
    assert isinstance(back[3], tuple) and back[3][1] == "x"


def test_objects_are_reported_not_pickled():
    assert isinstance(roundtrip(object()), Unsupported)
    assert isinstance(roundtrip(np.array([object()])), Unsupported)


def test_object_dtype_arrays_are_refused_on_decoding():
    with pytest.raises(ValueError):
        decode_array({"dtype": "|O", "shape": [1], "b64": ""})


def test_results_larger_than_the_budget_are_refused():
    encoded = encode_value(np.zeros(1000), [100])
    assert "too large" in encoded["$unsupported"]


def test_a_failing_step_is_recorded_and_its_dependents_are_skipped():
    def broken():
        raise ZeroDivisionError("division by zero")

    plan = {"steps": [{"id": "a", "target": "broken", "args": [], "kwargs": {}, "record": True},
                      {"id": "b", "target": "a.method", "args": [], "kwargs": {}, "record": True}]}
    results = run_plan(plan, {"broken": broken})
    assert results["a"]["error"].startswith("ZeroDivisionError")
    assert "depends on failed" in results["b"]["error"]


def test_an_undefined_name_says_which_cell_to_run():
    plan = {"steps": [{"id": "a", "target": "KNearestNeighbor", "args": [], "kwargs": {}, "record": True}]}
    assert "not defined" in run_plan(plan, {})["a"]["error"]
