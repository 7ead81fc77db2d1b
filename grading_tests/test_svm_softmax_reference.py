"""The reference linear classifiers: SVM and softmax losses, LinearClassifier, LinearSVM and Softmax."""

import inspect

import numpy as np
import pytest

from cs231n_lib.classifiers.linear_classifier import LinearClassifier, LinearSVM, Softmax
from cs231n_lib.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from cs231n_lib.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized
from cs231n_lib.gradient_check import eval_numerical_gradient, rel_error
from cs231n_lib.grading.student_code import StudentCode, forbid_loops

SVM_LOSSES = [svm_loss_naive, svm_loss_vectorized]
SOFTMAX_LOSSES = [softmax_loss_naive, softmax_loss_vectorized]
ALL_LOSSES = SVM_LOSSES + SOFTMAX_LOSSES


def independent_svm_loss(W, X, y, reg):
    # Straight from the definition, one (example, class) pair at a time.
    total = 0.0
    for i in range(X.shape[0]):
        scores = [float(X[i] @ W[:, j]) for j in range(W.shape[1])]
        total += sum(max(0.0, s - scores[y[i]] + 1.0) for j, s in enumerate(scores) if j != y[i])
    return total / X.shape[0] + reg * float(np.sum(W**2))


def independent_softmax_loss(W, X, y, reg):
    scores = X @ W
    log_probabilities = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    return -np.mean(log_probabilities[np.arange(len(y)), y]) + reg * float(np.sum(W**2))


def problem(seed, num_train=9, dim=6, num_classes=4, x_scale=1.0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(dim, num_classes)), x_scale * rng.normal(size=(num_train, dim)),
            rng.integers(0, num_classes, size=num_train))


@pytest.mark.parametrize("loss_function", SVM_LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("reg", [0.0, 0.37])
def test_svm_loss_matches_the_definition(loss_function, reg):
    W, X, y = problem(1)
    loss, dW = loss_function(W, X, y, reg)
    assert dW.shape == W.shape and np.ndim(loss) == 0
    assert rel_error(loss, independent_svm_loss(W, X, y, reg)) < 1e-12


@pytest.mark.parametrize("loss_function", SOFTMAX_LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("reg", [0.0, 0.37])
def test_softmax_loss_matches_log_sum_exp(loss_function, reg):
    W, X, y = problem(2)
    loss, dW = loss_function(W, X, y, reg)
    assert dW.shape == W.shape and np.ndim(loss) == 0
    assert rel_error(loss, independent_softmax_loss(W, X, y, reg)) < 1e-12


@pytest.mark.parametrize("loss_function", ALL_LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_gradient_matches_the_numerical_gradient(loss_function, reg):
    # The SVM loss has kinks where a margin is 0; with these random inputs none is within h of 0
    # (asserted), so the centred difference is exact up to rounding.
    W, X, y = problem(3)
    scores = X @ W
    margins = scores - scores[np.arange(len(y)), y][:, None] + 1.0
    assert np.min(np.abs(margins)) > 1e-3
    _, dW = loss_function(W, X, y, reg)
    numerical = eval_numerical_gradient(lambda w: loss_function(w, X, y, reg)[0], W.copy(), verbose=False)
    assert rel_error(dW, numerical) < 1e-7


@pytest.mark.parametrize("naive, vectorized", [(svm_loss_naive, svm_loss_vectorized),
                                               (softmax_loss_naive, softmax_loss_vectorized)],
                         ids=["svm", "softmax"])
def test_naive_and_vectorized_versions_agree(naive, vectorized):
    W, X, y = problem(4, num_train=50, dim=30, num_classes=10)
    loss_naive, dW_naive = naive(W, X, y, 0.1)
    loss_vectorized, dW_vectorized = vectorized(W, X, y, 0.1)
    assert rel_error(loss_naive, loss_vectorized) < 1e-12
    assert rel_error(dW_naive, dW_vectorized) < 1e-10


@pytest.mark.parametrize("loss_function", SOFTMAX_LOSSES, ids=lambda f: f.__name__)
def test_softmax_is_stable_for_scores_in_the_thousands(loss_function):
    W = np.array([[1000.0, 0.0, -1000.0]])
    loss, dW = loss_function(W, np.array([[1.0], [1.0]]), np.array([0, 1]), 0.0)
    assert loss == pytest.approx(500.0) and np.allclose(dW, [[0.5, -0.5, 0.0]])
    W, X, y = problem(5, x_scale=500.0)
    loss, dW = loss_function(W, X, y, 0.0)
    assert np.isfinite(loss) and np.all(np.isfinite(dW))
    assert rel_error(loss, independent_softmax_loss(W, X, y, 0.0)) < 1e-12


@pytest.mark.parametrize("loss_function", ALL_LOSSES, ids=lambda f: f.__name__)
def test_losses_leave_their_inputs_unchanged(loss_function):
    W, X, y = problem(6)
    copies = W.copy(), X.copy(), y.copy()
    loss_function(W, X, y, 0.3)
    for before, after in zip(copies, (W, X, y), strict=True):
        np.testing.assert_array_equal(before, after)


def test_cs231n_sanity_values_with_small_weights():
    # CS231n: with W ~ 1e-4 the SVM loss is close to C - 1 = 9 and the softmax loss to -log(0.1).
    rng = np.random.default_rng(7)
    X, y, W = rng.normal(size=(200, 3073)) * 60, rng.integers(0, 10, size=200), rng.normal(size=(3073, 10)) * 1e-4
    assert svm_loss_vectorized(W, X, y, 0.0)[0] == pytest.approx(9.0, abs=0.5)
    assert softmax_loss_vectorized(W, X, y, 0.0)[0] == pytest.approx(-np.log(0.1), abs=0.1)


def test_svm_loss_with_equal_scores_counts_every_margin():
    X, y = np.random.default_rng(8).normal(size=(5, 4)), np.array([0, 1, 2, 2, 1])
    loss, _ = svm_loss_vectorized(np.zeros((4, 3)), X, y, 1.0)
    assert loss == pytest.approx(2.0)  # C - 1 margins of exactly 1 per example


@pytest.mark.parametrize("name", ["svm_loss_vectorized", "softmax_loss_vectorized"])
def test_vectorized_losses_have_no_python_loop(name):
    module = inspect.getmodule(svm_loss_vectorized if name.startswith("svm") else softmax_loss_vectorized)
    assert forbid_loops(name)(StudentCode((inspect.getsource(module),))) == [f"{name}: no Python loops"]


def test_train_creates_W_lazily_and_keeps_it_across_calls():
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(30, 5)), np.arange(30) % 3
    np.random.seed(12)
    model = LinearSVM()
    assert model.W is None
    assert model.train(X, y, num_iters=0) == []
    np.testing.assert_array_equal(model.W, 0.001 * np.random.RandomState(12).randn(5, 3))
    W = model.W.copy()
    model.train(X, y, learning_rate=0.1, num_iters=2, batch_size=4)
    assert model.W.shape == (5, 3) and not np.array_equal(model.W, W)


@pytest.mark.parametrize("classifier_class, loss_function", [(LinearSVM, svm_loss_vectorized),
                                                             (Softmax, softmax_loss_vectorized)])
def test_train_takes_sgd_steps_on_minibatches_drawn_with_random_choice(classifier_class, loss_function):
    rng = np.random.default_rng(10)
    X, y = rng.normal(size=(25, 4)), np.arange(25) % 3
    learning_rate, reg, batch_size = 0.2, 0.01, 6
    np.random.seed(3)
    model = classifier_class()
    history = model.train(X, y, learning_rate=learning_rate, reg=reg, num_iters=3, batch_size=batch_size)

    replay = np.random.RandomState(3)
    W = 0.001 * replay.randn(4, 3)
    expected_history = []
    for _ in range(3):
        batch = replay.choice(25, batch_size)
        loss, dW = loss_function(W, X[batch], y[batch], reg)
        expected_history.append(loss)
        W = W - learning_rate * dW
    np.testing.assert_allclose(history, expected_history, rtol=1e-12)
    np.testing.assert_allclose(model.W, W, rtol=1e-12)


def test_predict_returns_integer_argmax_labels():
    model = LinearClassifier()
    model.W = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 1.0]])
    labels = model.predict(np.array([[2.0, 1.0], [1.0, 2.0], [-1.0, 0.5]]))
    assert labels.shape == (3,) and np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_array_equal(labels, [0, 1, 2])


def test_the_base_class_has_no_loss_of_its_own():
    model = LinearClassifier()
    model.W = np.zeros((2, 2))
    with pytest.raises(NotImplementedError, match="subclass"):
        model.loss(np.zeros((1, 2)), np.array([0]), 0.0)


@pytest.mark.parametrize("classifier_class, loss_function", [(LinearSVM, svm_loss_vectorized),
                                                             (Softmax, softmax_loss_vectorized)])
def test_subclasses_return_their_vectorized_loss(classifier_class, loss_function):
    W, X, y = problem(11)
    model = classifier_class()
    model.W = W
    loss, dW = model.loss(X, y, 2.0)
    expected_loss, expected_dW = loss_function(W, X, y, 2.0)
    assert loss == expected_loss and np.array_equal(dW, expected_dW)


@pytest.mark.parametrize("classifier_class", [LinearSVM, Softmax])
def test_training_on_embedded_features_lowers_the_loss_and_beats_chance(classifier_class):
    # The data and hyperparameters of the hidden check svm_softmax.linear_classifier_training: its
    # accuracy bound (reference - 0.08) must stay far above chance (0.1) to mean anything.
    from cs231n_lib.grading.assignments.svm_softmax import TRAINING, embedded_features

    X_train, y_train, X_val, y_val = embedded_features()
    learning_rate, reg, num_iters, batch_size = TRAINING[classifier_class.__name__]
    np.random.seed(0)
    model = classifier_class()
    history = model.train(X_train, y_train, learning_rate=learning_rate, reg=reg, num_iters=num_iters,
                          batch_size=batch_size)
    assert np.mean(history[-30:]) < 0.7 * np.mean(history[:30])
    assert np.mean(model.predict(X_val) == y_val) > 0.25
