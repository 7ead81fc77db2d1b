"""The network_visualization reference library: input gradients against numerical gradients (float64), the
methods built on them against their definitions, and the shipped pretrained model against what its notebook states."""

import numpy as np
import pytest

from cs231n_lib import network_visualization as nv
from cs231n_lib.classifiers.cnn import ThreeLayerConvNet
from cs231n_lib.data import load_embedded_CIFAR10
from cs231n_lib.gradient_check import eval_numerical_gradient, rel_error
from cs231n_lib.grading import pretrained


def small_model(seed, input_dim=(3, 8, 8), num_filters=3, filter_size=3, hidden_dim=7, num_classes=4):
    np.random.seed(seed)
    model = ThreeLayerConvNet(input_dim=input_dim, num_filters=num_filters, filter_size=filter_size,
                              hidden_dim=hidden_dim, num_classes=num_classes, weight_scale=0.5, dtype=np.float64)
    for key in ("b1", "b2", "b3"):
        model.params[key] = 0.1 * np.random.randn(*model.params[key].shape)
    return model


def softmax_loss_sum(model, X, y):
    scores = model.loss(X)
    return np.sum(np.logaddexp.reduce(scores, axis=1) - scores[np.arange(len(y)), y])


@pytest.mark.parametrize("N, input_dim, filter_size", [(2, (3, 8, 8), 3), (1, (3, 6, 10), 5), (3, (1, 4, 4), 1)])
def test_input_gradient_matches_the_numerical_gradient_of_the_weighted_scores(N, input_dim, filter_size):
    model = small_model(N, input_dim=input_dim, filter_size=filter_size)
    rng = np.random.default_rng(N)
    X, dscores = rng.normal(size=(N, *input_dim)), rng.normal(size=(N, 4))
    numeric = eval_numerical_gradient(lambda v: np.sum(model.loss(v) * dscores), X.copy(), verbose=False)
    assert rel_error(nv.input_gradient(X, model, dscores), numeric) < 1e-7


def test_input_gradient_leaves_the_weights_and_its_inputs_alone():
    model = small_model(0)
    before = {k: v.copy() for k, v in model.params.items()}
    X, dscores = np.random.default_rng(1).normal(size=(2, 3, 8, 8)), np.ones((2, 4))
    X_copy, dscores_copy = X.copy(), dscores.copy()
    nv.input_gradient(X, model, dscores)
    assert all(np.array_equal(model.params[k], v) for k, v in before.items())
    assert np.array_equal(X, X_copy) and np.array_equal(dscores, dscores_copy)


def test_saliency_is_the_channel_max_of_the_absolute_score_gradient():
    model, y = small_model(3), np.array([0, 3, 1])
    X = np.random.default_rng(3).normal(size=(3, 3, 8, 8))
    numeric = eval_numerical_gradient(lambda v: np.sum(model.loss(v)[np.arange(3), y]), X.copy(), verbose=False)
    saliency = nv.compute_saliency_maps(X, y, model)
    assert saliency.shape == (3, 8, 8) and saliency.min() >= 0
    assert rel_error(saliency, np.abs(numeric).max(axis=1)) < 1e-7


def test_fooling_image_is_classified_as_the_target_after_steps_of_length_learning_rate():
    model = small_model(231)
    X = np.random.default_rng(231).normal(size=(1, 3, 8, 8))
    target = int(np.argsort(model.loss(X)[0])[-2])  # the runner-up class
    X_fooling, steps = nv.make_fooling_image(X, target, model, learning_rate=0.05, max_iters=500)
    assert np.argmax(model.loss(X_fooling)[0]) == target
    assert 1 <= steps <= 500 and np.linalg.norm(X_fooling - X) <= 0.05 * steps * (1 + 1e-12)


def test_fgsm_moves_every_entry_by_epsilon_up_the_numerical_loss_gradient():
    model, y = small_model(5), np.array([1, 2])
    X = np.random.default_rng(5).normal(size=(2, 3, 8, 8))
    numeric = eval_numerical_gradient(lambda v: softmax_loss_sum(model, v, y), X.copy(), verbose=False)
    X_adv = nv.fgsm(X, y, model, 0.01)
    moved = np.abs(X_adv - X)
    assert np.all(np.isclose(moved, 0.01) | (moved == 0))
    clear = np.abs(numeric) > 1e-6  # elsewhere the gradient is 0 (dead units) up to the numerical noise
    assert clear.sum() >= 100 and np.array_equal(np.sign(X_adv - X)[clear], np.sign(numeric)[clear])
    assert softmax_loss_sum(model, X_adv, y) > softmax_loss_sum(model, X, y)


def test_class_visualization_update_is_a_normalized_step_along_the_regularized_score_gradient():
    model = small_model(7)
    img = np.random.default_rng(7).normal(size=(1, 3, 8, 8))
    objective = lambda v: model.loss(v)[0, 2] - 0.3 * np.sum(v * v)  # noqa: E731
    g = eval_numerical_gradient(objective, img.copy(), verbose=False)
    assert rel_error(nv.class_visualization_update(img, 2, model, 0.3, 0.5), img + 0.5 * g / np.linalg.norm(g)) < 1e-7


def test_blur_keeps_a_constant_image_and_jitter_is_undone_by_the_opposite_shift():
    img = np.random.default_rng(0).normal(size=(1, 3, 6, 5))
    assert np.allclose(nv.blur_image(np.full((1, 3, 6, 5), 4.0)), 4.0)
    assert np.array_equal(nv.jitter(nv.jitter(img, 2, -1), -2, 1), img)


def test_the_shipped_model_has_the_accuracy_its_notebook_states():
    model, mean_image, info = nv.load_pretrained_model()
    _, _, X_test, y_test = load_embedded_CIFAR10(num_training=0, num_test=pretrained.NUM_TEST)
    scores = model.loss(X_test.transpose(0, 3, 1, 2) - mean_image)
    accuracy = np.mean(np.argmax(scores, axis=1) == y_test)
    assert accuracy == pytest.approx(info["test_acc"]) and accuracy == pytest.approx(0.786)
    assert (pretrained.LIBRARY_ROOT / "data" / nv.PRETRAINED_FILE).stat().st_size < 300_000


@pytest.mark.paths  # trains for ~40 s: with the slow tests
def test_the_training_script_rebuilds_the_shipped_file_byte_for_byte(tmp_path):
    pretrained.main(["--output", str(tmp_path / "model.npz")])
    shipped = (pretrained.LIBRARY_ROOT / "data" / nv.PRETRAINED_FILE).read_bytes()
    assert (tmp_path / "model.npz").read_bytes() == shipped
