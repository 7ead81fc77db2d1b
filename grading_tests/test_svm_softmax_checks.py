"""The svm_softmax hidden checks grade each unit on its own, and say why they fail."""

import numpy as np
import pytest

from cs231n_lib.grading.checks import all_checks
from cs231n_lib.grading.course import get_assignment
from cs231n_lib.grading.judge import judge_in_process
from cs231n_lib.grading.student_code import StudentCode
from cs231n_lib.grading.sync import unit_source

ASSIGNMENT = get_assignment("svm_softmax")


def notebook(edits=None, **overrides):
    """The units' reference sources run as notebook cells, with text edits per unit and then overrides."""
    namespace, sources, ids = {"np": np, "__name__": "__main__"}, [], []
    for unit in ASSIGNMENT.units:
        source = unit_source(unit)
        for old, new in (edits or {}).get(unit.name, []):
            assert old in source, (unit.name, old)
            source = source.replace(old, new)
        exec(compile(source, f"<{unit.name}>", "exec"), namespace)
        sources.append(source)
        ids.append(unit.name)
    namespace.update(overrides)
    return namespace, StudentCode(tuple(sources), tuple(ids))


def verdict(check, namespace_and_code):
    namespace, code = namespace_and_code
    return judge_in_process(f"svm_softmax.{check}", namespace, code)


def doubled_gradient(loss_function):
    def wrong(W, X, y, reg):
        loss, dW = loss_function(W, X, y, reg)
        return loss, 2 * dW

    return wrong


def raises(W, X, y, reg):
    raise NotImplementedError()


def test_every_plan_stays_small():
    for check_id, check in all_checks().items():
        if check_id.startswith("svm_softmax."):
            assert len(check.plan().to_json()) < 2_000_000, check_id


def test_the_reference_passes_every_check():
    # The searches' checks (best_svm, best_softmax) grade what a whole notebook run leaves: tested below.
    reference = notebook()
    units = {unit.name for unit in ASSIGNMENT.units}
    for check_id, check in all_checks().items():
        if check_id.startswith("svm_softmax.") and check.unit in units:
            result = verdict(check_id.split(".", 1)[1], reference)
            assert result.passed, (check_id, result.lines)


@pytest.mark.parametrize("loss", ["svm_loss_vectorized", "softmax_loss_vectorized"])
def test_a_wrong_loss_costs_only_its_own_cell(loss):
    # Both classes dispatch to the notebook's global loss, so the override reaches them.
    reference = notebook()
    namespace, code = notebook()
    namespace[loss] = doubled_gradient(reference[0][loss])
    assert not verdict(loss, (namespace, code)).passed
    for check in ("linear_classifier_sgd", "linear_classifier_training", "linear_svm_loss",
                  "softmax_classifier_loss"):
        result = verdict(check, (namespace, code))
        assert result.passed, (check, result.lines)
    training = verdict("linear_classifier_training", (namespace, code))
    assert any("accuracy bound not applied" in line for line in training.lines), training.lines


def test_train_is_checked_with_the_other_classifier_when_one_loss_is_missing():
    namespace, code = notebook()
    namespace["svm_loss_vectorized"] = raises
    for check in ("linear_classifier_sgd", "linear_classifier_training"):
        result = verdict(check, (namespace, code))
        assert result.passed, result.lines
        assert any("LinearSVM.loss raised NotImplementedError" in line and "other classifier" in line
                   for line in result.lines), result.lines


def test_train_without_any_working_loss_fails_and_says_why():
    namespace, code = notebook(svm_loss_vectorized=raises, softmax_loss_vectorized=raises)
    result = verdict("linear_classifier_sgd", (namespace, code))
    assert not result.passed and "no loss runs" in result.lines[0] and "NotImplementedError" in result.lines[0]


def test_a_step_in_the_wrong_direction_fails_even_with_correct_losses():
    step = "self.W = self.W - learning_rate * grad"
    bad = notebook({"LinearClassifier": [(step, step.replace("-", "+"))]})
    result = verdict("linear_classifier_sgd", bad)
    assert not result.passed and "-learning_rate * dW of your loss" in result.lines[0], result.lines
    assert not verdict("linear_classifier_training", bad).passed


@pytest.mark.parametrize("draw", ["np.random.choice(num_train, batch_size, replace=False)",
                                  "np.random.permutation(num_train)[:batch_size]",
                                  "np.random.randint(0, num_train, size=batch_size)"])
def test_any_random_minibatch_passes_both_training_checks(draw):
    # The contract grades SGD, not one random stream: how the minibatch is drawn is the student's choice.
    other = notebook({"LinearClassifier": [("np.random.choice(num_train, batch_size)", draw)]})
    for check in ("linear_classifier_sgd", "linear_classifier_training"):
        result = verdict(check, other)
        assert result.passed, (check, result.lines)


def test_the_same_minibatch_in_every_iteration_fails():
    fixed = notebook({"LinearClassifier": [("np.random.choice(num_train, batch_size)", "np.arange(batch_size)")]})
    result = verdict("linear_classifier_sgd", fixed)
    assert not result.passed and "new random minibatch in every iteration" in result.lines[0], result.lines


def test_a_minibatch_of_the_wrong_size_fails():
    wrong = notebook({"LinearClassifier": [("np.random.choice(num_train, batch_size)",
                                            "np.random.choice(num_train, batch_size + 1)")]})
    result = verdict("linear_classifier_sgd", wrong)
    assert not result.passed and "minibatch of 8 training examples" in result.lines[0], result.lines


def test_a_history_that_is_not_the_minibatch_loss_fails():
    wrong = notebook({"LinearClassifier": [("loss_history.append(loss)", "loss_history.append(2 * loss)")]})
    result = verdict("linear_classifier_sgd", wrong)
    assert not result.passed and "loss_history holds" in result.lines[0], result.lines


def test_predict_may_return_integer_valued_float_labels():
    argmax = "y_pred = np.argmax(X @ self.W, axis=1)"
    floats = notebook({"LinearClassifier": [(argmax, argmax.replace("y_pred = ", "y_pred = 1.0 * "))]})
    result = verdict("linear_classifier_sgd", floats)
    assert result.passed, result.lines


def test_predict_with_the_wrong_class_fails():
    argmax = "y_pred = np.argmax(X @ self.W, axis=1)"
    wrong = notebook({"LinearClassifier": [(argmax, argmax.replace("argmax", "argmin"))]})
    result = verdict("linear_classifier_sgd", wrong)
    assert not result.passed and "not the class with the highest score" in result.lines[0], result.lines


def test_a_loop_free_but_slow_loss_fails_the_speed_check():
    def broadcast_svm(W, X, y, reg):
        # Right values through an (N, D, C) temporary: ~100x a matrix product.
        scores = np.sum(X[:, :, None] * W[None, :, :], axis=1)
        rows = np.arange(len(y))
        margins = np.maximum(0, scores - scores[rows, y][:, None] + 1)
        margins[rows, y] = 0
        counts = (margins > 0).astype(float)
        counts[rows, y] = -counts.sum(axis=1)
        dW = np.sum(X[:, :, None] * counts[:, None, :], axis=0) / len(y) + 2 * reg * W
        return margins.sum() / len(y) + reg * np.sum(W * W), dW

    namespace, code = notebook(svm_loss_vectorized=broadcast_svm)
    result = verdict("svm_loss_vectorized", (namespace, code))
    assert not result.passed and "vectorize it fully" in result.lines[0], result.lines


def test_a_loss_that_returns_the_wrong_kind_of_value_is_explained():
    namespace, code = notebook(softmax_loss_naive=lambda W, X, y, reg: {"loss": 1.0})
    result = verdict("softmax_loss_naive", (namespace, code))
    assert not result.passed and "expected a tuple (loss, dW)" in result.lines[0], result.lines


def test_an_unstable_softmax_fails_on_large_scores_only():
    shift = "logits -= np.max(logits, axis=1, keepdims=True)"
    unstable = notebook({"softmax_loss_vectorized": [(shift, "pass")]})
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = verdict("softmax_loss_vectorized", unstable)
    assert not result.passed and "scores up to" in result.lines[0], result.lines


def test_softmax_from_probabilities_passes_within_the_contracts_score_gap():
    # CS231n's -log(probs[y]) after the shift is exact while the gap to the correct class stays below
    # MAX_SCORE_GAP, which the contract states and every hidden input respects.
    def from_probabilities(W, X, y, reg):
        scores = X @ W
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(len(y)), y])) + reg * np.sum(W * W)
        probs[np.arange(len(y)), y] -= 1
        return loss, X.T @ probs / len(y) + 2 * reg * W

    namespace, code = notebook(softmax_loss_vectorized=from_probabilities)
    result = verdict("softmax_loss_vectorized", (namespace, code))
    assert result.passed, result.lines


def test_a_fast_loss_that_is_wrong_only_on_the_timed_input_fails():
    reference = notebook()[0]["svm_loss_vectorized"]

    def fast_when_large(W, X, y, reg):
        if len(X) >= 2000:
            return 0.0, np.zeros_like(W)
        return reference(W, X, y, reg)

    namespace, code = notebook(svm_loss_vectorized=fast_when_large)
    result = verdict("svm_loss_vectorized", (namespace, code))
    assert not result.passed and "timed call" in result.lines[0], result.lines


# ----------------------------------------------------------------------------------------------
# The searches of Part 4: the student's best classifiers, graded by outcome on the embedded data


class Trained:
    """What a notebook's best_svm / best_softmax is to the check: an object with weights W."""

    def __init__(self, W):
        self.W = W


def test_the_staff_choice_is_the_best_of_the_staff_grid_and_the_notebook_states_the_thresholds(repo_root):
    import nbformat

    from cs231n_lib.grading.assignments.svm_softmax import (
        SEARCH_LEARNING_RATES,
        SEARCH_MARGIN,
        SEARCH_REGULARIZATION_STRENGTHS,
        STAFF_CHOICE,
        embedded_validation_accuracy,
        search_threshold,
        staff_search_run,
    )

    stated = {"LinearSVM": (0.414, 0.354), "Softmax": (0.384, 0.324)}
    nb = nbformat.read(repo_root / "source" / "svm_softmax" / "svm_softmax.ipynb", as_version=4)
    part4 = next(cell.source for cell in nb.cells if cell.source.startswith("# Part 4"))
    for classifier, choice in STAFF_CHOICE.items():
        grid = {(lr, reg): embedded_validation_accuracy(staff_search_run(classifier, lr, reg))
                for lr in SEARCH_LEARNING_RATES for reg in SEARCH_REGULARIZATION_STRENGTHS}
        assert max(grid, key=grid.get) == choice, (classifier, grid)
        staff_accuracy, threshold = search_threshold(classifier)
        assert (round(staff_accuracy, 3), threshold) == stated[classifier]
        assert threshold == round(staff_accuracy - SEARCH_MARGIN, 3)
        assert f"**{staff_accuracy:.3f}**" in part4 and f"**{threshold:.3f}**" in part4
        test_cell = next(cell.source for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id")
                         == {"LinearSVM": "test_best_svm", "Softmax": "test_best_softmax"}[classifier])
        assert f">= {threshold:.3f}" in test_cell


@pytest.mark.parametrize("name, classifier", [("best_svm", "LinearSVM"), ("best_softmax", "Softmax")])
def test_a_search_is_graded_by_the_accuracy_of_the_weights_it_keeps(name, classifier):
    from cs231n_lib.grading.assignments.svm_softmax import STAFF_CHOICE, staff_search_run

    W = staff_search_run(classifier, *STAFF_CHOICE[classifier])
    result = judge_in_process(f"svm_softmax.{name}", {name: Trained(W.copy())})
    assert result.passed and "at least" in result.lines[0], result.lines
    # The last pair of the grid (0.238 and 0.292): keeping it instead of the best fails.
    result = judge_in_process(f"svm_softmax.{name}", {name: Trained(staff_search_run(classifier, 3e-6, 2.5e4))})
    assert not result.passed and "at least" in result.lines[0], result.lines
    for value, message in ((Trained(np.full(W.shape, np.nan)), "nan"), (Trained(W[:-1]), "shape"),
                           (None, "reading")):
        result = judge_in_process(f"svm_softmax.{name}", {name: value})
        assert not result.passed and message in result.lines[0], (value, result.lines)
    result = judge_in_process(f"svm_softmax.{name}", {})
    assert not result.passed and "is not defined" in result.lines[0], result.lines
