"""The knn assignment: its notebook and units, hidden checks and planted bugs."""

import numpy as np

from ..checks import hidden_check
from ..course import Assignment, Unit
from ..plan import Builtin, Plan, RandomNormal
from ..samples import planted_bug
from ..student_code import forbid_loops


def _trained_model(plan: Plan, X_train: np.ndarray, y_train: np.ndarray):
    model = plan.call("KNearestNeighbor")
    plan.call(f"{model}.train", X_train, y_train)
    return model


def _distances(plan: Plan, rng: np.random.Generator, method: str, sizes) -> None:
    for num_test, num_train, dim in sizes:
        X_train = rng.normal(size=(num_train, dim))
        X_test = rng.normal(size=(num_test, dim))
        model = _trained_model(plan, X_train, rng.integers(0, 10, size=num_train))
        dists = plan.call(f"{model}.{method}", X_test, record_args=True)
        name = f"{method} on {num_test} test x {num_train} train points in {dim}-D"
        plan.expect_close(dists, name, tol=1e-9)
        plan.expect_inputs_unchanged(dists, name)


@hidden_check("knn.compute_distances_two_loops", unit="KNearestNeighbor",
              cell="test_compute_distances_two_loops", seed=3101)
def compute_distances_two_loops(plan: Plan, rng: np.random.Generator) -> None:
    _distances(plan, rng, "compute_distances_two_loops", [(7, 13, 5), (1, 4, 33)])


@hidden_check("knn.compute_distances_one_loop", unit="KNearestNeighbor",
              cell="test_compute_distances_one_loop", seed=3102)
def compute_distances_one_loop(plan: Plan, rng: np.random.Generator) -> None:
    _distances(plan, rng, "compute_distances_one_loop", [(9, 6, 11), (3, 21, 2)])


@hidden_check(
    "knn.compute_distances_no_loops",
    unit="KNearestNeighbor", cell="test_compute_distances_no_loops",
    seed=3103,
    static=(forbid_loops("KNearestNeighbor.compute_distances_no_loops"),),
)
def compute_distances_no_loops(plan: Plan, rng: np.random.Generator) -> None:
    _distances(plan, rng, "compute_distances_no_loops", [(17, 29, 31), (40, 8, 3), (1, 1, 7)])
    # Speed relative to a matrix product of the same size measured in the same kernel, so the
    # bound holds on any machine; a one-loop version is ~30x over it.
    num_test, num_train, dim = 200, 2000, 3072
    model = plan.call("KNearestNeighbor")
    plan.call(f"{model}.train", RandomNormal(1, (num_train, dim)), np.zeros(num_train, dtype=np.int64))
    X_test = RandomNormal(2, (num_test, dim))
    baseline = plan.call("matmul", X_test, RandomNormal(3, (dim, num_train)), timed_only=True, repeat=3)
    timed = plan.call(f"{model}.compute_distances_no_loops", X_test, timed_only=True, repeat=3)
    plan.expect_fast(timed, baseline, f"compute_distances_no_loops on {num_test} x {num_train} x {dim}",
                     factor=6.0, slack=0.15)


def _distances_without_ties(rng: np.random.Generator, num_test: int, num_train: int) -> np.ndarray:
    # Distinct distances, so which k points are nearest never depends on how a sort breaks ties.
    return np.stack([rng.permutation(num_train) + rng.random() for _ in range(num_test)]).astype(float)


@hidden_check("knn.predict_labels", unit="KNearestNeighbor", cell="test_predict_labels", seed=3104)
def predict_labels(plan: Plan, rng: np.random.Generator) -> None:
    num_train = 30
    y_train = rng.integers(0, 6, size=num_train)
    model = _trained_model(plan, rng.normal(size=(num_train, 4)), y_train)
    dists = _distances_without_ties(rng, 25, num_train)
    for k in (1, 2, 4, 7, num_train):
        labels = plan.call(f"{model}.predict_labels", dists, k=k, record=True)
        plan.expect_equal(labels, f"predict_labels with k={k} on 25 test points")

    # Every vote below is a tie between two labels; the smaller label must win.
    tie_y = np.array([5, 2, 2, 5, 9, 1, 1, 9])
    tie_model = _trained_model(plan, rng.normal(size=(8, 3)), tie_y)
    tie_dists = np.array([[0.1, 0.4, 0.2, 0.3, 9, 9, 9, 9], [9, 9, 9, 9, 0.4, 0.2, 0.1, 0.3]])
    tied = plan.call(f"{tie_model}.predict_labels", tie_dists, k=4, record=True)
    plan.expect_equal(tied, "predict_labels with tied votes (k=4)")


@hidden_check("knn.cross_validation", unit="knn_cross_validation", cell="test_knn_cross_validation", seed=3105)
def cross_validation(plan: Plan, rng: np.random.Generator) -> None:
    # The stand-in classifier's predictions depend on the exact training folds, so this grades
    # the fold bookkeeping alone, whatever the student's kNN does.
    for num_examples, num_folds, k_choices in ((23, 5, [1, 3, 8]), (12, 3, [2, 5]), (31, 4, [1])):
        X = np.column_stack([np.arange(num_examples), rng.normal(size=(num_examples, 3))])
        y = rng.integers(0, 10, size=num_examples)
        accuracies = plan.call(
            "knn_cross_validation", X, y, k_choices, num_folds=num_folds,
            classifier_class=Builtin("LabelsFromRowIds"), record=True,
        )
        plan.expect_close(accuracies, f"knn_cross_validation with {num_folds} folds of {num_examples}",
                          tol=1e-12)


PLANTED_BUGS = (
    planted_bug(
        "two_loops_l1", "KNearestNeighbor",
        "dists[i, j] = np.sqrt(np.sum((X[i] - self.X_train[j]) ** 2))",
        "dists[i, j] = np.sum(np.abs(X[i] - self.X_train[j]))",
        {"test_compute_distances_two_loops"}, "L1 instead of L2 distance in the two-loop version",
    ),
    planted_bug(
        "one_loop_wrong_axis", "KNearestNeighbor",
        "dists[i, :] = np.sqrt(np.sum((self.X_train - X[i]) ** 2, axis=1))",
        "dists[i, :] = np.sqrt(np.sum((self.X_train - X[i]) ** 2, axis=0))",
        {"test_compute_distances_one_loop"}, "sums over the wrong axis (raises a broadcasting error)",
    ),
    planted_bug(
        "no_loops_comprehension", "KNearestNeighbor",
        "dists = X @ self.X_train.T  # (num_test, num_train)",
        "dists = np.array([x @ self.X_train.T for x in X])  # (num_test, num_train)",
        {"test_compute_distances_no_loops"}, "right values, but a hidden Python loop",
    ),
    planted_bug(
        "ties_to_larger_label", "KNearestNeighbor",
        "y_pred[i] = np.bincount(closest_y).argmax()",
        "y_pred[i] = len(np.bincount(closest_y)) - 1 - np.bincount(closest_y)[::-1].argmax()",
        {"test_predict_labels"}, "breaks vote ties towards the larger label",
    ),
    planted_bug(
        "validation_fold_in_training", "knn_cross_validation",
        "np.concatenate(X_folds[:i] + X_folds[i + 1 :])",
        "np.concatenate(X_folds)",
        {"test_knn_cross_validation"}, "trains on the validation fold too",
    ),
    planted_bug(
        "imports_reference", "knn_cross_validation",
        "def knn_cross_validation(",
        "from cs231n_lib.classifiers.k_nearest_neighbor import knn_cross_validation\n\n\n"
        "def _unused_knn_cross_validation(",
        {"test_knn_cross_validation"}, "imports the staff reference instead of implementing it",
    ),
    planted_bug(
        "cross_validation_loops_forever", "knn_cross_validation",
        "    k_to_accuracies = {k: [] for k in k_choices}\n",
        "    k_to_accuracies = {k: [] for k in k_choices}\n    while True:\n        pass\n",
        {"test_knn_cross_validation"}, "an infinite loop (interrupted by the cell time limit)", hangs=True,
    ),
    planted_bug(
        "no_loops_warns", "KNearestNeighbor",
        "np.sqrt(dists, out=dists)",
        "np.sqrt(dists, out=dists)\n        import warnings\n        warnings.warn('correct, but noisy')",
        set(), "correct code that writes a warning to stderr (must keep its points)",
    ),
)

ASSIGNMENT = Assignment(
    "knn",
    notebooks=("knn",),
    units=(
        Unit("KNearestNeighbor", "classifiers.k_nearest_neighbor"),
        Unit("knn_cross_validation", "classifiers.k_nearest_neighbor"),
    ),
    planted_bugs=PLANTED_BUGS,
    demo_bugs=("two_loops_l1", "no_loops_comprehension", "imports_reference"),
)
