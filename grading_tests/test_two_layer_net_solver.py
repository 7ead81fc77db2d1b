"""Solver: CS231n's contract, callable update rules, best parameters, histories, decay, divergence."""

import numpy as np
import pytest

from cs231n_lib import optim
from cs231n_lib.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from cs231n_lib.data import get_CIFAR10_data
from cs231n_lib.solver import Solver


class LinearModel:
    """Scores x @ W with a softmax loss: small, fast, and trains reliably."""

    def __init__(self, dim, num_classes, seed=0):
        self.params = {"W": 0.01 * np.random.default_rng(seed).normal(size=(dim, num_classes))}

    def loss(self, X, y=None):
        scores = X.reshape(len(X), -1) @ self.params["W"]
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(len(y)), y]))
        probs[np.arange(len(y)), y] -= 1
        return loss, {"W": X.reshape(len(X), -1).T @ probs / len(y)}


def blobs(num_per_class=60, num_classes=3, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    centers = 3 * rng.normal(size=(num_classes, dim))
    y = np.repeat(np.arange(num_classes), num_per_class)
    X = centers[y] + rng.normal(size=(len(y), dim))
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    split = 2 * len(y) // 3  # 120 training and 60 validation examples by default
    return {"X_train": X[:split], "y_train": y[:split], "X_val": X[split:], "y_val": y[split:]}


@pytest.fixture
def data():
    return blobs()


def test_unknown_arguments_and_update_rules_raise_value_error(data):
    with pytest.raises(ValueError, match="Unrecognized arguments"):
        Solver(LinearModel(5, 3), data, learning_rate=1e-3)
    with pytest.raises(ValueError, match="Invalid update_rule"):
        Solver(LinearModel(5, 3), data, update_rule="adagrad")
    with pytest.raises(ValueError, match="update_rule"):
        Solver(LinearModel(5, 3), data, update_rule=42)


def test_update_rule_can_be_a_name_in_optim_or_a_function(data):
    assert Solver(LinearModel(5, 3), data, update_rule="adam").update_rule is optim.adam
    calls = []

    def my_rule(w, dw, config=None):
        calls.append(config)
        return w - 0.1 * dw, config

    np.random.seed(0)
    solver = Solver(LinearModel(5, 3), data, update_rule=my_rule, optim_config={"learning_rate": 0.5},
                    num_epochs=2, batch_size=30, verbose=False)
    solver.train()
    assert len(calls) == 2 * (120 // 30) and calls[0] == {"learning_rate": 0.5}
    assert solver.val_acc_history[-1] > 0.7  # chance is 1/3


def test_histories_have_one_loss_per_iteration_and_one_accuracy_per_epoch(data):
    np.random.seed(1)
    solver = Solver(LinearModel(5, 3), data, optim_config={"learning_rate": 0.5}, num_epochs=4, batch_size=20,
                    verbose=False)
    solver.train()
    iterations = 4 * (120 // 20)
    assert len(solver.loss_history) == iterations
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 4 + 1  # first iteration + each epoch
    assert solver.loss_history[-1] < solver.loss_history[0]
    assert solver.val_acc_history[-1] > 0.7


def test_training_ends_with_the_best_validation_parameters(data):
    snapshots = []

    class Recording(LinearModel):
        def loss(self, X, y=None):
            if y is None and len(X) == len(data["X_val"]):
                snapshots.append(self.params["W"].copy())  # the validation check of these parameters
            return super().loss(X, y)

    np.random.seed(2)
    model = Recording(5, 3)
    # A large learning rate makes the validation accuracy go up and down.
    solver = Solver(model, data, optim_config={"learning_rate": 30.0}, num_epochs=8, batch_size=10, verbose=False,
                    num_val_samples=None)
    solver.train()
    best = int(np.argmax(solver.val_acc_history))  # the first of the best, as the Solver keeps it
    assert solver.best_val_acc == solver.val_acc_history[best]
    np.testing.assert_array_equal(model.params["W"], snapshots[best])
    assert model.params is solver.best_params


def test_learning_rate_decays_after_every_epoch(data):
    np.random.seed(3)
    solver = Solver(LinearModel(5, 3), data, update_rule="sgd_momentum", optim_config={"learning_rate": 0.1},
                    lr_decay=0.5, num_epochs=3, batch_size=30, verbose=False)
    solver.train()
    assert solver.optim_configs["W"]["learning_rate"] == pytest.approx(0.1 * 0.5**3)
    assert solver.optim_config == {"learning_rate": 0.1}  # the caller's dict is left alone


def test_each_parameter_gets_its_own_optim_state(data):
    np.random.seed(4)
    model = TwoLayerNet(input_dim=5, hidden_dim=8, num_classes=3, weight_scale=0.1)
    solver = Solver(model, data, update_rule="adam", num_epochs=1, batch_size=30, verbose=False)
    solver.train()
    assert {name: solver.optim_configs[name]["m"].shape for name in model.params} == \
        {name: value.shape for name, value in model.params.items()}


def test_divergence_stops_training_with_a_message(data, capsys):
    np.random.seed(5)
    model = LinearModel(5, 3)
    solver = Solver(model, data, optim_config={"learning_rate": 1e300}, num_epochs=5, batch_size=10, verbose=False)
    with np.errstate(all="ignore"):
        solver.train()
    assert solver.diverged
    assert len(solver.loss_history) < 5 * 12 and not np.isfinite(solver.loss_history[-1])
    assert "diverged" in capsys.readouterr().out
    assert all(np.all(np.isfinite(v)) for v in model.params.values())  # the last finite best parameters


def test_progress_bar_replaces_the_printed_lines(data, capsys):
    np.random.seed(6)
    Solver(LinearModel(5, 3), data, num_epochs=2, batch_size=10, progress_bar=True).train()
    out = capsys.readouterr().out
    assert "training" in out and "24/24" in out and "(Iteration" not in out
    np.random.seed(6)
    Solver(LinearModel(5, 3), data, num_epochs=2, batch_size=10, print_every=5).train()
    out = capsys.readouterr().out
    assert "(Iteration 1 / 24)" in out and "(Epoch 2 / 2)" in out


def test_check_accuracy_in_batches_and_on_a_sample(data):
    solver = Solver(LinearModel(5, 3), data, verbose=False)
    X, y = data["X_val"], data["y_val"]
    exact = np.mean(np.argmax(solver.model.loss(X), axis=1) == y)
    assert solver.check_accuracy(X, y, batch_size=7) == exact
    np.random.seed(7)
    assert 0.0 <= solver.check_accuracy(X, y, num_samples=10) <= 1.0


def test_checkpoints_are_written_every_epoch(data, tmp_path):
    import pickle

    np.random.seed(8)
    solver = Solver(LinearModel(5, 3), data, num_epochs=2, batch_size=60, verbose=False,
                    checkpoint_name=str(tmp_path / "linear"), update_rule=optim.sgd_momentum)
    solver.train()
    with open(tmp_path / "linear_epoch_2.pkl", "rb") as f:
        checkpoint = pickle.load(f)
    assert checkpoint["epoch"] == 2 and checkpoint["update_rule"] == "sgd_momentum"


def test_two_layer_net_learns_the_embedded_data():
    data = get_CIFAR10_data(num_training=1000, num_validation=200, num_test=0)
    if not data["source"].startswith("embedded"):
        pytest.skip("measured on the embedded dataset")
    np.random.seed(0)
    model = TwoLayerNet(hidden_dim=50, reg=0.1)
    solver = Solver(model, data, optim_config={"learning_rate": 1e-3}, lr_decay=0.95, num_epochs=5,
                    batch_size=100, verbose=False)
    solver.train()
    assert solver.best_val_acc >= 0.25  # chance is 0.10


def test_fully_connected_net_overfits_fifty_embedded_images():
    data = get_CIFAR10_data(num_training=50, num_validation=50, num_test=0)
    np.random.seed(231)
    model = FullyConnectedNet([100, 100], weight_scale=3e-2, dtype=np.float64)
    solver = Solver(model, data, num_epochs=20, batch_size=25, optim_config={"learning_rate": 3e-3}, verbose=False)
    solver.train()
    assert max(solver.train_acc_history) == 1.0
