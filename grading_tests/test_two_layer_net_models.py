"""TwoLayerNet and FullyConnectedNet: CS231n's seeded values, gradients, dtypes, hooks, save/load."""

import numpy as np
import pytest

from cs231n_lib.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from cs231n_lib.gradient_check import eval_numerical_gradient, rel_error


def numerical_grads(model, X, y):
    return {name: eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False)
            for name in model.params}


def linspace_two_layer_net():
    """CS231n's fixed TwoLayerNet check: 3 examples, D=5, H=50, C=7."""
    N, D, H, C = 3, 5, 50, 7
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C)
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    return model, X, np.array([0, 5, 1])


# ---------------------------------------------------------------------------------------------- TwoLayerNet


def test_two_layer_net_reproduces_cs231n_scores_and_losses():
    model, X, y = linspace_two_layer_net()
    correct_scores = np.asarray(
        [[11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
         [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
         [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
    assert np.abs(model.loss(X) - correct_scores).sum() < 1e-6
    assert model.loss(X, y)[0] == pytest.approx(3.4702243556, abs=1e-10)
    model.reg = 1.0
    assert model.loss(X, y)[0] == pytest.approx(26.5948426952, abs=1e-10)


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_net_gradients_match_numerical_ones(reg):
    model, X, y = linspace_two_layer_net()
    model.reg = reg
    _, grads = model.loss(X, y)
    numerical = numerical_grads(model, X, y)
    assert sorted(grads) == ["W1", "W2", "b1", "b2"]
    for name in grads:
        assert rel_error(grads[name], numerical[name]) < 1e-6, name  # measured <= 2.6e-7


def test_two_layer_net_draws_w1_then_w2_from_the_global_rng():
    np.random.seed(7)
    model = TwoLayerNet(input_dim=4, hidden_dim=3, num_classes=2, weight_scale=0.5)
    np.random.seed(7)
    W1, W2 = 0.5 * np.random.randn(4, 3), 0.5 * np.random.randn(3, 2)
    np.testing.assert_array_equal(model.params["W1"], W1)
    np.testing.assert_array_equal(model.params["W2"], W2)
    assert not model.params["b1"].any() and not model.params["b2"].any()


def test_two_layer_net_default_shapes_and_scale():
    np.random.seed(0)
    model = TwoLayerNet()
    assert model.params["W1"].shape == (3072, 100) and model.params["W2"].shape == (100, 10)
    assert model.params["W1"].std() == pytest.approx(1e-3, rel=0.02)


def test_two_layer_net_takes_image_shaped_inputs():
    rng = np.random.default_rng(3)
    np.random.seed(3)
    model = TwoLayerNet(input_dim=12, hidden_dim=6, num_classes=4, weight_scale=0.3)
    X, y = rng.normal(size=(5, 3, 2, 2)), rng.integers(0, 4, size=5)
    X_before = X.copy()
    np.testing.assert_array_equal(model.loss(X), model.loss(X.reshape(5, 12)))
    loss_4d, grads_4d = model.loss(X, y)
    loss_2d, grads_2d = model.loss(X.reshape(5, 12), y)
    assert loss_4d == loss_2d and all(np.array_equal(grads_4d[k], grads_2d[k]) for k in grads_2d)
    assert np.array_equal(X, X_before)


def test_initial_loss_of_small_weights_is_near_log_c():
    rng = np.random.default_rng(4)
    np.random.seed(4)
    loss, _ = TwoLayerNet(input_dim=50, weight_scale=1e-3).loss(rng.normal(size=(100, 50)), rng.integers(0, 10, 100))
    assert loss == pytest.approx(np.log(10), abs=1e-3)


@pytest.mark.parametrize("model_class", [TwoLayerNet, FullyConnectedNet])
def test_save_and_load_round_trip_the_parameters(tmp_path, model_class):
    np.random.seed(5)
    model = TwoLayerNet(input_dim=6, hidden_dim=4) if model_class is TwoLayerNet else \
        FullyConnectedNet([4, 3], input_dim=6)
    model.save(tmp_path / "params.npz")
    np.random.seed(6)
    other = TwoLayerNet(input_dim=6, hidden_dim=4) if model_class is TwoLayerNet else \
        FullyConnectedNet([4, 3], input_dim=6)
    other.load(tmp_path / "params.npz")
    assert sorted(other.params) == sorted(model.params)
    for name, value in model.params.items():
        np.testing.assert_array_equal(other.params[name], value)
        assert other.params[name].dtype == value.dtype


# ---------------------------------------------------------------------------------------------- FullyConnectedNet


def test_fully_connected_net_reproduces_cs231n_initial_losses():
    # As in CS231n's notebook: one seed, then the two networks drawn one after the other.
    np.random.seed(231)
    X = np.random.randn(2, 15)
    y = np.random.randint(10, size=(2,))
    for reg, expected_loss in [(0, 2.3004790897684924), (3.14, 7.052114776533016)]:
        model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, reg=reg, weight_scale=5e-2,
                                  dtype=np.float64)
        loss, grads = model.loss(X, y)
        assert loss == pytest.approx(expected_loss, abs=1e-12)
        numerical = numerical_grads(model, X, y)
        for name in grads:
            assert rel_error(grads[name], numerical[name]) < 1e-4, name  # CS231n: W2 about 2e-5 (a ReLU kink)


@pytest.mark.parametrize("hidden_dims", [[], [7], [6, 5, 4]])
def test_fully_connected_net_gradients_match_numerical_ones(hidden_dims):
    rng = np.random.default_rng(len(hidden_dims))
    np.random.seed(len(hidden_dims))
    model = FullyConnectedNet(hidden_dims, input_dim=6, num_classes=4, reg=0.4, weight_scale=0.5, dtype=np.float64)
    for i in range(1, model.num_layers + 1):
        # Zero biases put a dead unit's pre-activation exactly on ReLU's kink, where a numerical
        # gradient is one-sided; random biases keep the check away from it.
        model.params[f"b{i}"] = rng.normal(size=model.params[f"b{i}"].shape)
    X, y = rng.normal(size=(5, 2, 3)), rng.integers(0, 4, size=5)
    _, grads = model.loss(X, y)
    assert sorted(grads) == sorted(model.params)
    numerical = numerical_grads(model, X, y)
    for name in grads:
        assert rel_error(grads[name], numerical[name]) < 1e-7, name


def test_fully_connected_net_with_one_hidden_layer_is_a_two_layer_net():
    rng = np.random.default_rng(8)
    np.random.seed(8)
    fcn = FullyConnectedNet([9], input_dim=12, num_classes=5, reg=0.3, weight_scale=0.2, dtype=np.float64)
    np.random.seed(8)
    two = TwoLayerNet(input_dim=12, hidden_dim=9, num_classes=5, weight_scale=0.2, reg=0.3)
    X, y = rng.normal(size=(6, 12)), rng.integers(0, 5, size=6)
    (loss_f, grads_f), (loss_t, grads_t) = fcn.loss(X, y), two.loss(X, y)
    assert loss_f == pytest.approx(loss_t, rel=1e-14)
    for name in grads_t:
        np.testing.assert_allclose(grads_f[name], grads_t[name], rtol=1e-13, atol=1e-16)


def test_fully_connected_net_draws_weights_in_layer_order():
    np.random.seed(9)
    model = FullyConnectedNet([3, 4], input_dim=2, num_classes=5, weight_scale=0.1, dtype=np.float64)
    np.random.seed(9)
    for name, shape in (("W1", (2, 3)), ("W2", (3, 4)), ("W3", (4, 5))):
        np.testing.assert_array_equal(model.params[name], 0.1 * np.random.randn(*shape))
    assert not any(model.params[f"b{i}"].any() for i in (1, 2, 3))


def test_fully_connected_net_computes_in_its_dtype():
    rng = np.random.default_rng(10)
    model = FullyConnectedNet([5, 4], input_dim=6, num_classes=3)  # float32 by default
    assert {v.dtype for v in model.params.values()} == {np.dtype(np.float32)}
    X, y = rng.normal(size=(4, 6)), rng.integers(0, 3, size=4)
    loss, grads = model.loss(X, y)
    assert model.loss(X).dtype == np.float32
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}
    assert X.dtype == np.float64  # the caller's array is not converted in place


def test_normalization_and_dropout_come_from_the_batchnorm_dropout_unit():
    # normalized_loss is the unit graded in batchnorm_dropout (tested there).
    model = FullyConnectedNet([5, 4], input_dim=6, num_classes=3, normalization="batchnorm", dropout_keep_ratio=0.5,
                              seed=3)
    assert model.params["gamma2"].tolist() == [1.0] * 4 and not model.params["beta1"].any()
    assert model.bn_params == [{"mode": "train"}, {"mode": "train"}]
    assert model.dropout_param == {"mode": "train", "p": 0.5, "seed": 3}
    with pytest.raises(ValueError, match="normalization"):
        FullyConnectedNet([5], normalization="groupnorm")
