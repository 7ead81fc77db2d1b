"""The knn hidden checks grade the notebook's contract: the timed call's answer counts, folds are equal."""

import numpy as np

from cs231n_lib.grading.course import get_assignment
from cs231n_lib.grading.judge import judge_in_process
from cs231n_lib.grading.student_code import StudentCode
from cs231n_lib.grading.sync import unit_source

ASSIGNMENT = get_assignment("knn")


def notebook(edits=None):
    """The units' reference sources run as notebook cells, with text edits per unit."""
    namespace, sources, ids = {"np": np, "__name__": "__main__"}, [], []
    for unit in ASSIGNMENT.units:
        source = unit_source(unit)
        for old, new in (edits or {}).get(unit.name, []):
            assert old in source, (unit.name, old)
            source = source.replace(old, new)
        exec(compile(source, f"<{unit.name}>", "exec"), namespace)
        sources.append(source)
        ids.append(unit.name)
    return namespace, StudentCode(tuple(sources), tuple(ids))


def test_a_fast_answer_that_is_wrong_only_on_the_timed_input_fails():
    sqrt = "        np.sqrt(dists, out=dists)\n"
    namespace, code = notebook({"KNearestNeighbor": [
        (sqrt, sqrt + "        if dists.shape[0] >= 200:\n            dists[:, 5:] = 0.0\n")]})
    result = judge_in_process("knn.compute_distances_no_loops", namespace, code)
    assert not result.passed and "timed call" in result.lines[0], result.lines


def test_the_speed_check_reports_the_ratio_to_the_matrix_product():
    result = judge_in_process("knn.compute_distances_no_loops", *notebook())
    assert result.passed, result.lines
    assert any("x a matrix product of the same size" in line for line in result.lines), result.lines


def test_stacking_equal_folds_into_one_array_passes():
    # CS231n's folds are equal (5000 / 5) and many solutions stack them: the contract keeps N a
    # multiple of num_folds, so this must not cost points.
    split = "X_folds = np.array_split(X_train, num_folds)"
    namespace, code = notebook({"knn_cross_validation": [(split, "X_folds = list(np.array(np.array_split(X_train, "
                                                                 "num_folds)))")]})
    result = judge_in_process("knn.cross_validation", namespace, code)
    assert result.passed, result.lines
