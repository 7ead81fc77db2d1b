"""The knn assignment: its notebook and units, hidden checks, planted bugs and planted alternatives.

Each check grades a sentence of the contract written above the unit's solution cell in
source/knn/knn.ipynb; the comments below name it.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from ..checks import hidden_check
from ..compare import CheckFailure, expect_close
from ..course import assignment_defined_in, units_in
from ..grader_values import grader_value
from ..plan import Builtin, Plan, RandomNormal, Results, StepRef, result_value, step_problem
from ..samples import planted_alternative, planted_bug
from ..student_code import forbid_loops

# Distances are one well-conditioned formula per entry on float64 inputs: two loops, one loop
# and the expansion ||x||^2 - 2 x.t + ||t||^2 differ by ~1e-15 on these inputs (no two points
# coincide), so 1e-9 leaves room for any summation order and still catches every real mistake.
# The notebook's visible checks print and use the same tolerance.
DISTANCE_TOL = 1e-9
# Accuracies are ratios of small integers: any correct bookkeeping gives the same float.
ACCURACY_TOL = 1e-12

# Speed check of compute_distances_no_loops (contract: "about as fast as one matrix product of
# the same size"): the best of SPEED_ROUNDS interleaved measurements of the student's call against
# the best of as many measurements of that product, both in the student's kernel, so that load
# slows both alike. Measured (2026-12-05, load average 15-23 on 2 cores, with and without two
# extra CPU-bound processes): the staff's version and the planted alternatives take 0.7-1.8x the
# product; one loop over test points takes ~110x.
SPEED_ROUNDS = 3
SPEED_FACTOR = 6.0
SPEED_SLACK = 0.15  # seconds: timer and allocation noise on a tiny machine


def _trained_model(plan: Plan, X_train: np.ndarray, y_train: np.ndarray):
    model = plan.call("KNearestNeighbor")
    plan.call(f"{model}.train", X_train, y_train)
    return model


def _distances(plan: Plan, rng: np.random.Generator, method: str, sizes) -> None:
    # Contract: dists[i, j] is the L2 distance, shape (num_test, num_train), any float dtype;
    # X and self.X_train are not modified.
    for num_test, num_train, dim in sizes:
        X_train = rng.normal(size=(num_train, dim))
        X_test = rng.normal(size=(num_test, dim))
        model = _trained_model(plan, X_train, rng.integers(0, 10, size=num_train))
        dists = plan.call(f"{model}.{method}", X_test, record_args=True)
        name = f"{method} on {num_test} test x {num_train} train points in {dim}-D"
        plan.expect_close(dists, name, tol=DISTANCE_TOL)
        plan.expect_inputs_unchanged(dists, name)


@hidden_check(unit="KNearestNeighbor")
def compute_distances_two_loops(plan: Plan, rng: np.random.Generator) -> None:
    _distances(plan, rng, "compute_distances_two_loops", [(7, 13, 5), (1, 4, 33)])


@hidden_check(unit="KNearestNeighbor")
def compute_distances_one_loop(plan: Plan, rng: np.random.Generator) -> None:
    _distances(plan, rng, "compute_distances_one_loop", [(9, 6, 11), (3, 21, 2)])


def _seconds(results: Results, ref: StepRef, name: str) -> float:
    result = results.get(ref.id)
    if result is None or "error" in result:
        raise CheckFailure(f"{name}: raised {result['error']}" if result else f"{name}: no result came back")
    return float(result["seconds"])


def interleaved_speed_check(plan: Plan, name: str, baseline: tuple, timed: tuple, rounds: int, factor: float,
                            slack: float, what: str) -> list[StepRef]:
    """Time timed = (target, *args) against baseline = (target, *args), alternating rounds times.

    Each side's best time counts (as many calls as the old best-of-3 of each, but a burst of load
    during one of them is no longer charged to one side only).

    The bound is factor x the best baseline + slack: a ratio to work measured in the same kernel
    right before and after, so a busy machine slows both sides. Returns the timed steps, whose
    results the caller must still check for correctness.
    """
    baselines, timings = [], []
    for _ in range(rounds):
        baselines.append(plan.call(baseline[0], *baseline[1:], timed_only=True))
        timings.append(plan.call(timed[0], *timed[1:], timed_only=True))

    def expectation(student: Results, reference: Results) -> list[str]:
        seconds = min(_seconds(student, step, name) for step in timings)
        baseline_seconds = min(_seconds(student, step, f"{name} (baseline)") for step in baselines)
        bound = factor * baseline_seconds + slack
        if not seconds <= bound:
            raise CheckFailure(
                f"{name}: took {seconds * 1e3:.0f} ms at best, more than the {bound * 1e3:.0f} ms allowed "
                f"({factor:g}x {what}, measured alongside it in your kernel, + {slack * 1e3:.0f} ms); "
                "vectorize it fully"
            )
        return [f"{name}: {seconds * 1e3:.1f} ms, {seconds / max(baseline_seconds, 1e-9):.1f}x {what} "
                f"(bound {bound * 1e3:.0f} ms)"]

    plan.expectations.append(expectation)
    return timings


def _checksums(plan: Plan, dists: str) -> tuple[StepRef, StepRef]:
    """Row sums and column sums of an earlier step's distance matrix: a few kB instead of MB."""
    return (plan.call(f"{dists}.sum", axis=1, record=True), plan.call(f"{dists}.sum", axis=0, record=True))


@hidden_check(unit="KNearestNeighbor", static=(forbid_loops("KNearestNeighbor.compute_distances_no_loops"),))
def compute_distances_no_loops(plan: Plan, rng: np.random.Generator) -> None:
    _distances(plan, rng, "compute_distances_no_loops", [(17, 29, 31), (40, 8, 3), (1, 1, 7)])
    num_test, num_train, dim = 200, 2000, 3072
    model = plan.call("KNearestNeighbor")
    plan.call(f"{model}.train", RandomNormal(1, (num_train, dim)), np.zeros(num_train, dtype=np.int64))
    X_test = RandomNormal(2, (num_test, dim))
    name = f"compute_distances_no_loops on {num_test} x {num_train} x {dim}"
    timed = interleaved_speed_check(
        plan, name, ("matmul", X_test, RandomNormal(3, (dim, num_train))),
        (f"{model}.compute_distances_no_loops", X_test), SPEED_ROUNDS, SPEED_FACTOR, SPEED_SLACK,
        "a matrix product of the same size")
    # The timed calls' results count too: a fast wrong answer must not earn the speed points.
    # The reference never runs timed steps, so it computes the same distances in an untimed call,
    # and both sides send checksums and a few rows rather than the 3 MB matrix.
    untimed = plan.call(f"{model}.compute_distances_no_loops", X_test)
    expected_sums = _checksums(plan, untimed)
    rows = [0, 117, num_test - 1]
    expected_rows = plan.call(f"{untimed}.__getitem__", rows, record=True)
    timed_sums = [_checksums(plan, step) for step in timed]
    timed_rows = plan.call(f"{timed[-1]}.__getitem__", rows, record=True)

    def expectation(student: Results, reference: Results) -> list[str]:
        lines = []
        for round_index, sums in enumerate(timed_sums):
            for axis, (got, expected) in enumerate(zip(sums, expected_sums, strict=True)):
                what = f"{name}, timed call {round_index + 1}: dists.sum(axis={axis})"
                lines.append(expect_close(what, result_value(student, got, what),
                                          result_value(reference, expected, what, trusted=True), DISTANCE_TOL))
        what = f"{name}, timed call: rows {rows}"
        lines.append(expect_close(what, result_value(student, timed_rows, what),
                                  result_value(reference, expected_rows, what, trusted=True), DISTANCE_TOL))
        return lines

    plan.expectations.append(expectation)


def _distances_without_ties(rng: np.random.Generator, num_test: int, num_train: int) -> np.ndarray:
    # Distinct distances, so which k points are nearest never depends on how a sort breaks ties.
    return np.stack([rng.permutation(num_train) + rng.random() for _ in range(num_test)]).astype(float)


@hidden_check(unit="KNearestNeighbor")
def predict_labels(plan: Plan, rng: np.random.Generator) -> None:
    # Contract: the k nearest labels vote, ties go to the smaller label, 1 <= k <= num_train;
    # labels compared by value (an integer-valued float array is fine).
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


@hidden_check(unit="knn_cross_validation")
def cross_validation(plan: Plan, rng: np.random.Generator) -> None:
    # The stand-in classifier's predictions depend on the exact training folds, so this grades
    # the fold bookkeeping alone, whatever the student's kNN does. Contract: N is a multiple of
    # num_folds (as CS231n's 5000 / 5), so np.array_split, np.split and reshaping agree.
    for num_examples, num_folds, k_choices in ((25, 5, [1, 3, 8]), (12, 3, [2, 5]), (32, 4, [1])):
        X = np.column_stack([np.arange(num_examples), rng.normal(size=(num_examples, 3))])
        y = rng.integers(0, 10, size=num_examples)
        accuracies = plan.call(
            "knn_cross_validation", X, y, k_choices, num_folds=num_folds,
            classifier_class=Builtin("LabelsFromRowIds"), record=True,
        )
        plan.expect_close(accuracies, f"knn_cross_validation with {num_folds} folds of {num_examples}",
                          tol=ACCURACY_TOL)


# ----------------------------------------------------------------------------------------------
# The student's choice of k, graded by outcome

# The notebook's data: 5000 training and 500 test images, cross-validation on the first 1000 training
# images with these values of k and 5 folds (source/knn/knn.ipynb).
NUM_TRAINING, NUM_TEST, NUM_CROSS_VALIDATION, NUM_FOLDS = 5000, 500, 1000, 5
K_CHOICES = (1, 3, 5, 8, 10, 12, 15, 20, 50, 100)
# The threshold is the test accuracy of the staff's choice (the k with the best mean cross-validation
# accuracy: k = 1, 0.362 on the embedded data) minus this margin: about three standard errors of an
# accuracy measured on 500 test images (sqrt(0.36 * 0.64 / 500) = 0.021). Cross-validation on 1000
# images cannot tell the k tried apart (each k's fold accuracies spread by 0.013-0.038 around means
# that differ by at most 0.035), so every k in K_CHOICES is a defensible choice and must pass: the
# lowest, k = 3, scores 0.314 (measured 2026-12-05, one BLAS thread). Every k up to 177 passes; no k
# above 235 does (the votes of far-away images drown the near ones; k = 5000 is a majority vote, 0.100).
# The notebook states these numbers; grading_tests/test_knn_checks.py recomputes them.
BEST_K_MARGIN = 0.06


@cache
def _embedded_neighbours() -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The staff's kNN on the notebook's embedded data: (distances from the 500 test images to the 5000
    training images, training labels, test labels, the k the staff's cross-validation picks)."""
    from ...classifiers.k_nearest_neighbor import KNearestNeighbor, knn_cross_validation
    from ...data import load_embedded_CIFAR10
    from ..judge import kernel_numerics

    with kernel_numerics():  # the numbers of a grading kernel, whatever this process's BLAS
        X_train, y_train, X_test, y_test = load_embedded_CIFAR10(NUM_TRAINING, NUM_TEST)
        X_train, X_test = X_train.reshape(NUM_TRAINING, -1), X_test.reshape(NUM_TEST, -1)
        k_to_accuracies = knn_cross_validation(X_train[:NUM_CROSS_VALIDATION], y_train[:NUM_CROSS_VALIDATION],
                                               list(K_CHOICES), num_folds=NUM_FOLDS)
        classifier = KNearestNeighbor()
        classifier.train(X_train, y_train)
        dists = classifier.compute_distances_no_loops(X_test)
    staff_k = K_CHOICES[int(np.argmax([np.mean(k_to_accuracies[k]) for k in K_CHOICES]))]
    return dists, y_train, y_test, staff_k


@grader_value
def _embedded_neighbour_ranks() -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """_embedded_neighbours with each test image's distances replaced by their ranks: ranks[i, j] is
    the place of training image j among test image i's neighbours, nearest first, ties in training
    order. A stable sort orders both alike, so predict_labels votes alike on either; the ranks take a
    quarter of the bytes, and the grader computes them once per run instead of once per submission."""
    dists, y_train, y_test, staff_k = _embedded_neighbours()
    order = np.argsort(dists, axis=1, kind="stable")
    ranks = np.empty(order.shape, dtype=np.int16)  # NUM_TRAINING places fit in int16
    np.put_along_axis(ranks, order, np.arange(NUM_TRAINING, dtype=np.int16)[None, :], axis=1)
    return ranks, y_train, y_test, staff_k


def embedded_test_accuracy(k: int) -> float:
    """Test accuracy of the staff's kNN with k neighbours, trained on the notebook's embedded data."""
    from ...classifiers.k_nearest_neighbor import KNearestNeighbor

    ranks, y_train, y_test, _ = _embedded_neighbour_ranks()
    classifier = KNearestNeighbor()
    classifier.train(np.empty((len(y_train), 0)), y_train)  # predict_labels needs the labels only
    return float(np.mean(classifier.predict_labels(ranks, k=k) == y_test))


def best_k_threshold() -> tuple[int, float, float]:
    """(the staff's k, its test accuracy, the accuracy a student's best_k must reach) on the embedded data."""
    staff_k = _embedded_neighbour_ranks()[3]
    staff_accuracy = embedded_test_accuracy(staff_k)
    return staff_k, staff_accuracy, round(staff_accuracy - BEST_K_MARGIN, 3)


# unit= names the notebook global this check grades: best_k, set by the student's own solution cell
# (a choice, not a unit of the library). The kernel sends back only the integer; the grader measures it.
@hidden_check(unit="best_k", needs=_embedded_neighbour_ranks)
def best_k(plan: Plan, rng: np.random.Generator) -> None:
    chosen = plan.call("best_k.__index__", record=True)

    def expectation(student: Results, reference: Results) -> list[str]:
        problem = step_problem(student, chosen)
        if problem is not None:
            raise CheckFailure(f"best_k: expected an integer, the number of neighbours you chose; reading it "
                               f"as one failed: {problem}")
        k = result_value(student, chosen, "best_k")
        if not isinstance(k, int) or not 1 <= k <= NUM_TRAINING:
            raise CheckFailure(f"best_k: expected an integer from 1 to {NUM_TRAINING} (the number of training "
                               f"images), got {k!r}")
        staff_k, staff_accuracy, threshold = best_k_threshold()
        accuracy = embedded_test_accuracy(k)
        summary = (f"the staff's kNN with k = {k}, trained on the {NUM_TRAINING} embedded training images, "
                   f"classifies {accuracy:.3f} of the {NUM_TEST} embedded test images correctly (at least "
                   f"{threshold:.3f} needed; the staff's choice, k = {staff_k}, scores {staff_accuracy:.3f})")
        if not accuracy >= threshold:
            raise CheckFailure(f"best_k: {summary}. Choose a k that the cross-validation results support.")
        return [f"best_k: {summary}"]

    plan.expectations.append(expectation)


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
        "no_loops_fast_zeros_when_large", "KNearestNeighbor",
        "        np.sqrt(dists, out=dists)\n",
        "        np.sqrt(dists, out=dists)\n"
        "        if dists.size > 100000:\n            dists = np.zeros_like(dists)\n",
        {"test_compute_distances_no_loops"},
        "right on small inputs, zeros (fast) on the large timed input: the speed points need right answers",
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
        "best_k_is_an_index", "best_k",
        "best_k = 1",
        "best_k = 0  # the position of the best mean in k_choices",
        {"test_best_k"}, "best_k is the position of the best k in k_choices, not the k (0 neighbours)",
    ),
    planted_bug(
        "best_k_all_training_images", "best_k",
        "best_k = 1",
        "best_k = 5000  # every training image votes",
        {"test_best_k"}, "every training image votes: a majority vote, 0.100 on the embedded test images",
    ),
    planted_bug(
        "no_loops_warns", "KNearestNeighbor",
        "np.sqrt(dists, out=dists)",
        "np.sqrt(dists, out=dists)\n        import warnings\n        warnings.warn('correct, but noisy')",
        set(), "correct code that writes a warning to stderr (must keep its points)",
    ),
)


# Correct solution cells written from the contracts alone, the way students who did CS231n write them.
_CLASS_HEADER = '''
class KNearestNeighbor:
    """A kNN classifier with L2 distance."""

    def __init__(self):
        pass

    def train(self, X, y):
        self.X_train = X
        self.y_train = y

    def predict(self, X, k=1, num_loops=0):
        if num_loops == 0:
            dists = self.compute_distances_no_loops(X)
        elif num_loops == 1:
            dists = self.compute_distances_one_loop(X)
        elif num_loops == 2:
            dists = self.compute_distances_two_loops(X)
        else:
            raise ValueError("Invalid value %d for num_loops" % num_loops)
        return self.predict_labels(dists, k=k)
'''

KNN_CS231N_STYLE = _CLASS_HEADER + '''
    def compute_distances_two_loops(self, X):
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            for j in range(num_train):
                dists[i, j] = np.sqrt(np.sum(np.square(self.X_train[j, :] - X[i, :])))
        return dists

    def compute_distances_one_loop(self, X):
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            dists[i, :] = np.sqrt(np.sum(np.square(self.X_train - X[i, :]), axis=1))
        return dists

    def compute_distances_no_loops(self, X):
        # No clamp at zero: sqrt of a rounding-level negative would be nan, as in many CS231n solutions.
        dists = np.sqrt(-2 * np.dot(X, self.X_train.T) + np.sum(np.square(self.X_train), axis=1)
                        + np.transpose([np.sum(np.square(X), axis=1)]))
        return dists

    def predict_labels(self, dists, k=1):
        num_test = dists.shape[0]
        y_pred = np.zeros(num_test)  # float labels, as CS231n's starter code allocates them
        for i in range(num_test):
            closest_y = self.y_train[np.argsort(dists[i])[:k]]
            y_pred[i] = np.argmax(np.bincount(closest_y))
        return y_pred
'''

KNN_DOT_PRODUCTS_AND_UNIQUE = _CLASS_HEADER + '''
    def compute_distances_two_loops(self, X):
        dists = np.zeros((X.shape[0], self.X_train.shape[0]))
        for j in range(self.X_train.shape[0]):  # the other loop order
            for i in range(X.shape[0]):
                difference = X[i] - self.X_train[j]
                dists[i, j] = np.sqrt(difference @ difference)
        return dists

    def compute_distances_one_loop(self, X):
        dists = np.zeros((X.shape[0], self.X_train.shape[0]))
        for i, x in enumerate(X):
            difference = self.X_train - x
            dists[i] = np.sqrt(np.einsum("jd,jd->j", difference, difference))
        return dists

    def compute_distances_no_loops(self, X):
        test_norms = (X**2).sum(axis=1).reshape(-1, 1)
        train_norms = (self.X_train**2).sum(axis=1).reshape(1, -1)
        squared = test_norms + train_norms - 2.0 * np.matmul(X, self.X_train.T)
        return np.sqrt(np.clip(squared, 0.0, None))

    def predict_labels(self, dists, k=1):
        y_pred = []
        for row in dists:
            nearest = np.argpartition(row, k - 1)[:k] if k < len(row) else np.arange(len(row))
            labels, counts = np.unique(self.y_train[nearest], return_counts=True)
            y_pred.append(labels[np.argmax(counts)])  # unique sorts labels: the first maximum is the smallest
        return np.array(y_pred)
'''

CROSS_VALIDATION_CS231N_STYLE = '''
def knn_cross_validation(X_train, y_train, k_choices, num_folds=5, classifier_class=None):
    if classifier_class is None:
        classifier_class = KNearestNeighbor
    k_to_accuracies = {}
    X_train_folds = np.array(np.array_split(X_train, num_folds))  # equal folds: a 3-D array
    y_train_folds = np.array(np.array_split(y_train, num_folds))
    for k in k_choices:
        k_to_accuracies[k] = []
        for fold in range(num_folds):
            others = [f for f in range(num_folds) if f != fold]
            X_tr = np.vstack(X_train_folds[others])
            y_tr = np.hstack(y_train_folds[others])
            classifier = classifier_class()
            classifier.train(X_tr, y_tr)
            y_val_pred = classifier.predict(X_train_folds[fold], k=k)
            num_correct = np.sum(y_val_pred == y_train_folds[fold])
            k_to_accuracies[k].append(num_correct / len(y_train_folds[fold]))
    return k_to_accuracies
'''

CROSS_VALIDATION_MASKS = '''
def knn_cross_validation(X_train, y_train, k_choices, num_folds=5, classifier_class=None):
    if classifier_class is None:
        classifier_class = KNearestNeighbor
    k_to_accuracies = {k: [] for k in k_choices}
    fold_size = len(X_train) // num_folds
    for fold in range(num_folds):
        held_out = np.zeros(len(X_train), dtype=bool)
        held_out[fold * fold_size:(fold + 1) * fold_size] = True
        classifier = classifier_class()
        classifier.train(X_train[~held_out], y_train[~held_out])
        dists = classifier.compute_distances_no_loops(X_train[held_out])
        for k in k_choices:
            predicted = classifier.predict_labels(dists, k=k)
            k_to_accuracies[k].append(np.mean(predicted == y_train[held_out]))
    return k_to_accuracies
'''

PLANTED_ALTERNATIVES = (
    planted_alternative("best_k_ten", "best_k", "best_k: int\nbest_k = 10\n",
                        "k = 10, another k the cross-validation cannot tell from k = 1 (0.370 on the test images)"),
    planted_alternative("best_k_largest_tried_numpy_int", "best_k", "best_k: int\nbest_k = np.int64(100)\n",
                        "the largest k tried, as a numpy integer: the lowest mean but within the folds' spread "
                        "(0.328 on the test images)"),
    planted_alternative("knn_cs231n_style", "KNearestNeighbor", KNN_CS231N_STYLE,
                        "CS231n-style: np.square sums, no clamp before sqrt, float y_pred, argmax of bincount"),
    planted_alternative("knn_dot_products_and_unique", "KNearestNeighbor", KNN_DOT_PRODUCTS_AND_UNIQUE,
                        "j-outer two loops with a dot product, einsum one loop, clip, argpartition and np.unique"),
    planted_alternative("cross_validation_cs231n_style", "knn_cross_validation", CROSS_VALIDATION_CS231N_STYLE,
                        "k outer, folds inner, folds stacked into one array, classifier.predict per k"),
    planted_alternative("cross_validation_masks", "knn_cross_validation", CROSS_VALIDATION_MASKS,
                        "boolean masks of equal folds, distances once per fold, np.mean accuracies"),
)

ASSIGNMENT = assignment_defined_in(
    globals(),
    units=units_in("classifiers.k_nearest_neighbor", "KNearestNeighbor", "knn_cross_validation"),
    demo_bugs=("two_loops_l1", "no_loops_comprehension", "imports_reference"),
)
