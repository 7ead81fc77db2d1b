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


# ----------------------------------------------------------------------------------------------
# best_k: the student's choice, graded by the outcome on the embedded data


def judge_best_k(*value):
    """The verdict of knn.best_k on a notebook whose best_k is value (no value: never set)."""
    return judge_in_process("knn.best_k", {"best_k": value[0]} if value else {})


def test_every_k_the_cross_validation_tries_passes_and_the_staff_choice_is_reported():
    from cs231n_lib.grading.assignments.knn import K_CHOICES, best_k_threshold

    staff_k, staff_accuracy, threshold = best_k_threshold()
    for k in K_CHOICES:
        verdict = judge_best_k(k)
        assert verdict.passed, (k, verdict.lines)
    assert f"the staff's choice, k = {staff_k}, scores {staff_accuracy:.3f}" in verdict.lines[0]
    assert judge_best_k(np.int64(10)).passed  # a numpy integer is an integer


def test_a_k_where_far_images_outvote_near_ones_fails():
    for k in (236, 1000, 5000):
        verdict = judge_best_k(k)
        assert not verdict.passed and "at least 0.302 needed" in verdict.lines[0], (k, verdict.lines)


def test_a_best_k_that_is_no_number_of_neighbours_fails_with_what_was_expected():
    for value, said in [(0, "got 0"), (5001, "got 5001"), (-3, "got -3")]:
        verdict = judge_best_k(value)
        assert not verdict.passed and "expected an integer from 1 to 5000" in verdict.lines[0] and said in \
            verdict.lines[0], verdict.lines
    for value in (None, 10.0, "10"):
        verdict = judge_best_k(value)
        assert not verdict.passed and "best_k: expected an integer" in verdict.lines[0], (value, verdict.lines)
    verdict = judge_best_k()
    assert not verdict.passed and "name 'best_k' is not defined; run the cell" in verdict.lines[0], verdict.lines


def test_the_notebook_states_the_threshold_the_check_applies(repo_root):
    import nbformat

    from cs231n_lib.grading.assignments.knn import BEST_K_MARGIN, best_k_threshold

    staff_k, staff_accuracy, threshold = best_k_threshold()
    assert (staff_k, round(staff_accuracy, 3), threshold) == (1, 0.362, 0.302)
    assert round(staff_accuracy - BEST_K_MARGIN, 3) == threshold
    nb = nbformat.read(repo_root / "source" / "knn" / "knn.ipynb", as_version=4)
    task = next(cell.source for cell in nb.cells if cell.source.startswith("### Task 6: choose `best_k`"))
    for stated in (f"at least **{threshold}**", f"($k = {staff_k}$ on the embedded data), scores {staff_accuracy:.3f}",
                   f"margin of {BEST_K_MARGIN}", "every one of them passes (the lowest, $k = 3$, scores 0.314)",
                   "as does every $k$ up to 177, and no $k$ above 235 does"):
        assert stated in task, stated
    test_cell = next(cell.source for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id")
                     == "test_best_k")
    assert f"requires at least {threshold} for the staff's kNN" in test_cell


def test_the_passing_range_the_notebook_states_is_true():
    """Every k from 1 to 177 reaches the threshold, none above 235 does: the accuracies of all 5000 k
    at once from cumulative votes, checked against the staff's predict_labels at a few k."""
    from cs231n_lib.grading.assignments.knn import _embedded_neighbours, best_k_threshold, embedded_test_accuracy

    dists, y_train, y_test, _ = _embedded_neighbours()
    threshold = best_k_threshold()[2]
    nearest_labels = y_train[np.argsort(dists, axis=1, kind="stable")]  # (500, 5000), nearest first
    votes = np.cumsum(np.eye(10, dtype=np.int16)[nearest_labels], axis=1)  # votes[i, k - 1, c]
    accuracies = np.mean(votes.argmax(axis=2) == y_test[:, None], axis=0)  # first maximum: smaller label
    for k in (1, 3, 8, 100, 177, 178, 230, 235, 236, 5000):
        assert accuracies[k - 1] == embedded_test_accuracy(k), k
    passing = np.flatnonzero(accuracies >= threshold) + 1
    assert np.all(accuracies[:177] >= threshold) and accuracies[177] < threshold
    assert passing.max() == 235
    assert round(accuracies[2], 3) == 0.314 == round(accuracies[:100].min(), 3)


def test_the_shared_neighbour_ranks_vote_as_the_distances_do():
    """The grader hands each nbgrader process the ranks of the staff's distances, not the distances:
    the staff's predict_labels must pick the same labels from either, ties included, at every k."""
    import json

    from cs231n_lib.classifiers.k_nearest_neighbor import KNearestNeighbor
    from cs231n_lib.grading.assignments.knn import _embedded_neighbour_ranks, _embedded_neighbours
    from cs231n_lib.grading.grader_values import KEY_PREFIX
    from cs231n_lib.grading.judge import shared_references

    dists, y_train, y_test, staff_k = _embedded_neighbours()
    ranks, rank_y_train, rank_y_test, rank_staff_k = _embedded_neighbour_ranks()
    assert (rank_staff_k, ranks.shape) == (staff_k, dists.shape)
    assert np.array_equal(rank_y_train, y_train) and np.array_equal(rank_y_test, y_test)
    classifier = KNearestNeighbor()
    classifier.train(np.empty((len(y_train), 0)), y_train)
    for k in (1, 2, 3, 10, 100, 236, 4999, 5000):
        assert np.array_equal(classifier.predict_labels(ranks, k=k), classifier.predict_labels(dists, k=k)), k
    shared = json.loads(shared_references("knn"))
    assert f"{KEY_PREFIX}cs231n_lib.grading.assignments.knn._embedded_neighbour_ranks()" in shared
