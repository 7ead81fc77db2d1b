"""The network_visualization reference library: input gradients against numerical gradients (float64), the
methods built on them against their definitions, the shipped pretrained models against what their notebook
states, and the CIFAR-10 path (training script and the notebook's choice of models) on a small fake CIFAR-10."""

import pickle
import shutil

import numpy as np
import pytest

from cs231n_lib import network_visualization as nv
from cs231n_lib.classifiers.cnn import ThreeLayerConvNet
from cs231n_lib.classifiers.fc_net import FullyConnectedNet
from cs231n_lib.data import CLASSES, EMBEDDED_CLASSES, load_embedded_CIFAR10
from cs231n_lib.data.cifar10 import BATCH_FILES
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


def small_fc_net(seed, hidden_dims, input_dim=(3, 4, 5), num_classes=4):
    np.random.seed(seed)
    model = FullyConnectedNet(hidden_dims, input_dim=int(np.prod(input_dim)), num_classes=num_classes,
                              weight_scale=0.5, dtype=np.float64)
    for i in range(1, model.num_layers + 1):
        model.params[f"b{i}"] = 0.1 * np.random.randn(*model.params[f"b{i}"].shape)
    return model


@pytest.mark.parametrize("N, input_dim, hidden_dims", [(2, (3, 4, 5), [6, 5]), (1, (1, 6, 6), [7]), (3, (2, 3, 3), [])])
def test_fc_input_gradient_matches_the_numerical_gradient_of_the_weighted_scores(N, input_dim, hidden_dims):
    model = small_fc_net(10 + N, hidden_dims, input_dim=input_dim)
    rng = np.random.default_rng(10 + N)
    X, dscores = rng.normal(size=(N, *input_dim)), rng.normal(size=(N, 4))
    numeric = eval_numerical_gradient(lambda v: np.sum(model.loss(v) * dscores), X.copy(), verbose=False)
    dX = nv.fc_input_gradient(X, model, dscores)
    assert dX.shape == X.shape and rel_error(dX, numeric) < 1e-7


def test_fc_input_gradient_leaves_the_weights_and_its_inputs_alone():
    model = small_fc_net(0, [5, 5])
    before = {k: v.copy() for k, v in model.params.items()}
    X, dscores = np.random.default_rng(1).normal(size=(2, 3, 4, 5)), np.ones((2, 4))
    X_copy, dscores_copy = X.copy(), dscores.copy()
    nv.fc_input_gradient(X, model, dscores)
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


def test_the_shipped_fully_connected_net_has_the_accuracy_its_notebook_states():
    model, mean_image, info = nv.load_pretrained_model(pretrained.LIBRARY_ROOT / "data" / nv.PRETRAINED_FC_FILE)
    assert isinstance(model, FullyConnectedNet) and model.num_layers == 1 + len(pretrained.FC_HIDDEN_DIMS)
    assert np.array_equal(mean_image, nv.load_pretrained_model()[1])  # the ConvNet's: one X_test serves both
    _, _, X_test, y_test = load_embedded_CIFAR10(num_training=0, num_test=pretrained.NUM_TEST)
    accuracy = np.mean(np.argmax(model.loss(X_test.transpose(0, 3, 1, 2) - mean_image), axis=1) == y_test)
    assert accuracy == pytest.approx(info["test_acc"]) and accuracy == pytest.approx(0.55)
    assert (pretrained.LIBRARY_ROOT / "data" / nv.PRETRAINED_FC_FILE).stat().st_size < 300_000


@pytest.mark.paths  # trains for ~45 s: with the slow tests
def test_the_training_script_rebuilds_the_shipped_files_byte_for_byte(tmp_path):
    pretrained.main(["--output-dir", str(tmp_path)])
    for name in (nv.PRETRAINED_FILE, nv.PRETRAINED_FC_FILE):
        assert (tmp_path / name).read_bytes() == (pretrained.LIBRARY_ROOT / "data" / name).read_bytes(), name


# ----------------------------------------------------------------------------------------------
# CIFAR-10, when it is on disk: a fake one in the real format (uint8 rows of 3072, channel-major)


@pytest.fixture
def fake_cifar10(tmp_path):
    """cifar-10-batches-py with 4 random images per batch file; returns (folder, test images, test labels)."""
    rng = np.random.default_rng(10)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in BATCH_FILES:
        images = rng.integers(0, 256, size=(4, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, size=4)
        rows = images.transpose(0, 3, 1, 2).reshape(4, -1)
        with open(folder / name, "wb") as f:
            pickle.dump({"data": rows, "labels": [int(v) for v in labels], "batch_label": "fake"}, f, protocol=2)
    return folder, images.astype(np.float64), labels  # the last batch file is test_batch


@pytest.fixture
def cifar10_models(tmp_path, fake_cifar10):
    """Both models trained for one epoch on the fake CIFAR-10 by the training script, in their own folder."""
    out = tmp_path / "models"
    out.mkdir()
    pretrained.main(["--dataset", "cifar10", "--cifar10-dir", str(fake_cifar10[0]), "--output-dir", str(out),
                     "--epochs", "1", "--num-training", "16", "--num-validation", "4", "--num-test", "4"])
    return out


def test_the_training_script_writes_both_cifar10_models_under_their_own_names(cifar10_models):
    assert sorted(p.name for p in cifar10_models.iterdir()) == [nv.pretrained_file("convnet", "cifar10"),
                                                                nv.pretrained_file("fc_net", "cifar10")]
    convnet, mean_image, info = nv.load_pretrained_model(cifar10_models / nv.pretrained_file("convnet", "cifar10"))
    fc_net, _, fc_info = nv.load_pretrained_model(cifar10_models / nv.pretrained_file("fc_net", "cifar10"))
    assert isinstance(convnet, ThreeLayerConvNet) and isinstance(fc_net, FullyConnectedNet)
    assert mean_image.shape == (3, 32, 32) and info["num_training"] == fc_info["num_training"] == 16
    assert info["num_epochs"] == 1


def test_the_notebook_uses_the_cifar10_models_when_cifar10_and_both_files_are_there(fake_cifar10, cifar10_models):
    folder, test_images, test_labels = fake_cifar10
    vis = nv.load_visualization_data(cifar10_dir=folder, model_dir=cifar10_models, num_test=3)
    assert vis["dataset"] == "cifar10" and vis["classes"] == CLASSES and "CIFAR-10" in vis["message"]
    stored, mean_image, _ = nv.load_pretrained_model(cifar10_models / nv.pretrained_file("convnet", "cifar10"))
    assert all(np.array_equal(vis["convnet"].params[k], v) for k, v in stored.params.items())
    assert isinstance(vis["fc_net"], FullyConnectedNet)
    np.testing.assert_array_equal(vis["X_test"], test_images[:3].transpose(0, 3, 1, 2) - mean_image)
    np.testing.assert_array_equal(vis["y_test"], test_labels[:3])


def test_the_notebook_falls_back_to_the_embedded_models_with_a_message(tmp_path, fake_cifar10, cifar10_models):
    folder = fake_cifar10[0]
    only_embedded = tmp_path / "embedded_models"
    only_embedded.mkdir()
    for name in (nv.PRETRAINED_FILE, nv.PRETRAINED_FC_FILE):
        shutil.copy(pretrained.LIBRARY_ROOT / "data" / name, only_embedded / name)
    shutil.copy(cifar10_models / nv.pretrained_file("convnet", "cifar10"), only_embedded)  # one of the two
    vis = nv.load_visualization_data(cifar10_dir=folder, model_dir=only_embedded, num_test=5)
    assert vis["dataset"] == "embedded" and vis["classes"] == EMBEDDED_CLASSES
    assert nv.pretrained_file("fc_net", "cifar10") in vis["message"] and "\n" not in vis["message"]
    assert vis["convnet_info"]["test_acc"] == pytest.approx(0.786) and vis["X_test"].shape == (5, 3, 32, 32)
    for name in (nv.PRETRAINED_FC_FILE.replace(".npz", "_cifar10.npz"),):
        shutil.copy(cifar10_models / name, only_embedded)
    no_data = nv.load_visualization_data(cifar10_dir=tmp_path / "nowhere", model_dir=only_embedded, num_test=5)
    assert no_data["dataset"] == "embedded" and "no CIFAR-10" in no_data["message"]
