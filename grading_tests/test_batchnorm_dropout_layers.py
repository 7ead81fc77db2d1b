"""Normalization and dropout layers, and FullyConnectedNet with them, against independent computations."""

import numpy as np
import pytest

from cs231n_lib.classifiers.fc_net import FullyConnectedNet
from cs231n_lib.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from cs231n_lib.layers import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    layernorm_backward,
    layernorm_forward,
)


@pytest.fixture
def rng():
    return np.random.default_rng(2025)


def normalize_columns(x, eps):
    # One column at a time, in extended precision: a direct transcription of the definition.
    out = np.empty(x.shape)
    for j in range(x.shape[1]):
        column = x[:, j].astype(np.longdouble)
        mean = column.sum() / len(column)
        var = ((column - mean) ** 2).sum() / len(column)
        out[:, j] = ((column - mean) / np.sqrt(var + eps)).astype(np.float64)
    return out


def numerical_norm_grads(forward, x, gamma, beta, param, dout):
    return (eval_numerical_gradient_array(lambda v: forward(v, gamma, beta, dict(param))[0], x.copy(), dout),
            eval_numerical_gradient_array(lambda v: forward(x, v, beta, dict(param))[0], gamma.copy(), dout),
            eval_numerical_gradient_array(lambda v: forward(x, gamma, v, dict(param))[0], beta.copy(), dout))


# ---------------------------------------------------------------------------------------------- batch norm


def test_batchnorm_forward_reproduces_cs231n_statistics():
    np.random.seed(231)
    X, W1, W2 = np.random.randn(200, 50), np.random.randn(50, 60), np.random.randn(60, 3)
    a = np.maximum(0, X.dot(W1)).dot(W2)
    out, _ = batchnorm_forward(a, np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0]), {"mode": "train"})
    assert np.allclose(out.mean(axis=0), [11.0, 12.0, 13.0], atol=1e-10)
    assert np.allclose(out.std(axis=0), [0.99999999, 1.99999999, 2.99999999], atol=1e-8)


@pytest.mark.parametrize("shape, eps", [((7, 4), 1e-5), ((2, 9), 1e-1), ((30, 3), 1e-5)])
def test_batchnorm_forward_train_matches_the_definition(rng, shape, eps):
    x = 3 * rng.normal(size=shape) + 5
    gamma, beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": eps})
    assert rel_error(out, gamma * normalize_columns(x, eps) + beta) < 1e-12


def test_batchnorm_running_averages_follow_the_momentum_rule(rng):
    bn_param, mean, var = {"mode": "train", "momentum": 0.7}, np.zeros(3), np.zeros(3)
    for _ in range(4):
        x = rng.normal(size=(10, 3)) * [1.0, 2.0, 3.0] + [0.0, 1.0, -1.0]
        batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
        mean = 0.7 * mean + 0.3 * x.mean(axis=0)
        var = 0.7 * var + 0.3 * x.var(axis=0)  # biased, as in the forward pass
        assert rel_error(bn_param["running_mean"], mean) < 1e-12
        assert rel_error(bn_param["running_var"], var) < 1e-12
    bn_param["mode"] = "test"
    running_mean = bn_param["running_mean"].copy()
    x = rng.normal(size=(5, 3))
    out, _ = batchnorm_forward(x, 2 * np.ones(3), np.ones(3), bn_param)
    assert rel_error(out, 2 * (x - mean) / np.sqrt(var + 1e-5) + 1) < 1e-12
    assert np.array_equal(bn_param["running_mean"], running_mean)  # test mode leaves them alone


def test_batchnorm_test_mode_reproduces_cs231n_values():
    np.random.seed(231)
    W1, W2 = np.random.randn(50, 60), np.random.randn(60, 3)
    bn_param = {"mode": "train"}
    for _ in range(50):
        batchnorm_forward(np.maximum(0, np.random.randn(200, 50).dot(W1)).dot(W2), np.ones(3), np.zeros(3), bn_param)
    bn_param["mode"] = "test"
    a = np.maximum(0, np.random.randn(200, 50).dot(W1)).dot(W2)
    out, _ = batchnorm_forward(a, np.ones(3), np.zeros(3), bn_param)
    assert np.allclose(out.mean(axis=0), [-0.03927354, -0.04349152, -0.10452688], atol=1e-8)
    assert np.allclose(out.std(axis=0), [1.01531428, 1.01238373, 0.97819988], atol=1e-8)


def test_batchnorm_forward_rejects_an_unknown_mode(rng):
    with pytest.raises(ValueError, match="eval"):
        batchnorm_forward(rng.normal(size=(3, 2)), np.ones(2), np.zeros(2), {"mode": "eval"})


def test_batchnorm_forward_keeps_float32(rng):
    x = rng.normal(size=(6, 4)).astype(np.float32)
    bn_param = {"mode": "train"}
    out, _ = batchnorm_forward(x, np.ones(4, np.float32), np.zeros(4, np.float32), bn_param)
    assert out.dtype == np.float32 and bn_param["running_var"].dtype == np.float32


@pytest.mark.parametrize("backward", [batchnorm_backward, batchnorm_backward_alt])
@pytest.mark.parametrize("shape, scale, shift", [((4, 5), 5.0, 12.0), ((9, 3), 1.0, 0.0), ((2, 6), 0.1, -3.0)])
def test_batchnorm_backward_matches_numerical_gradients(rng, backward, shape, scale, shift):
    x = scale * rng.normal(size=shape) + shift
    gamma, beta, dout = rng.normal(size=shape[1]), rng.normal(size=shape[1]), rng.normal(size=shape)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    got = backward(dout, cache)
    expected = numerical_norm_grads(batchnorm_forward, x, gamma, beta, {"mode": "train"}, dout)
    # Batches of 2 with tiny spread: centered differences lose digits, hence 1e-6 there.
    for g, e in zip(got, expected, strict=True):
        assert rel_error(g, e) < (1e-6 if shape[0] == 2 else 1e-7)


def test_batchnorm_backward_reproduces_cs231n_gradient_check():
    np.random.seed(231)
    x = 5 * np.random.randn(4, 5) + 12
    gamma, beta, dout = np.random.randn(5), np.random.randn(5), np.random.randn(4, 5)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    dx_num, dgamma_num, dbeta_num = numerical_norm_grads(batchnorm_forward, x, gamma, beta, {"mode": "train"}, dout)
    assert rel_error(dx_num, dx) < 5e-9  # CS231n's: 1.7e-9
    assert rel_error(dgamma_num, dgamma) < 1e-11 and rel_error(dbeta_num, dbeta) < 1e-11


def test_batchnorm_backward_alt_equals_graph_backward(rng):
    x = 5 * rng.normal(size=(100, 50)) + 12
    gamma, beta, dout = rng.normal(size=50), rng.normal(size=50), rng.normal(size=(100, 50))
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    for a, b in zip(batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache), strict=True):
        assert rel_error(a, b) < 1e-10


# ---------------------------------------------------------------------------------------------- layer norm


@pytest.mark.parametrize("shape", [(5, 8), (1, 6), (4, 3)])
def test_layernorm_forward_normalizes_each_example(rng, shape):
    x = 2 * rng.normal(size=shape) + rng.normal(size=(shape[0], 1))
    gamma, beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    out, _ = layernorm_forward(x, gamma, beta, {"eps": 1e-3})
    assert rel_error(out, gamma * normalize_columns(x.T, 1e-3).T + beta) < 1e-12


def test_layernorm_forward_reproduces_cs231n_statistics():
    np.random.seed(231)
    X, W1, W2 = np.random.randn(4, 50), np.random.randn(50, 60), np.random.randn(60, 3)
    a = np.maximum(0, X.dot(W1)).dot(W2)
    out, _ = layernorm_forward(a, 3 * np.ones(3), 5 * np.ones(3), {})
    assert np.allclose(out.mean(axis=1), 5.0, atol=1e-12)
    assert np.allclose(out.std(axis=1), [2.99999985, 2.99999998, 2.99999999, 2.99999907], atol=1e-8)


@pytest.mark.parametrize("shape, scale, shift", [((4, 5), 5.0, 12.0), ((1, 6), 1.0, 0.0), ((7, 3), 0.3, -2.0)])
def test_layernorm_backward_matches_numerical_gradients(rng, shape, scale, shift):
    x = scale * rng.normal(size=shape) + shift
    gamma, beta, dout = rng.normal(size=shape[1]), rng.normal(size=shape[1]), rng.normal(size=shape)
    _, cache = layernorm_forward(x, gamma, beta, {})
    for g, e in zip(layernorm_backward(dout, cache), numerical_norm_grads(layernorm_forward, x, gamma, beta, {}, dout),
                    strict=True):
        assert rel_error(g, e) < 1e-7


# ---------------------------------------------------------------------------------------------- dropout


def test_seeded_dropout_uses_the_cs231n_mask_recipe(rng):
    x = rng.normal(size=(5, 6))
    out, (_, mask) = dropout_forward(x, {"mode": "train", "p": 0.3, "seed": 42})
    state = np.random.RandomState(42)
    expected_mask = (state.rand(5, 6) < 0.3) / 0.3
    assert np.array_equal(mask, expected_mask) and np.array_equal(out, x * expected_mask)
    np.random.seed(0)  # another global state: the seed is applied at every call
    assert np.array_equal(dropout_forward(x, {"mode": "train", "p": 0.3, "seed": 42})[0], out)


@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_dropout_keeps_a_fraction_p_scaled_by_one_over_p(p):
    np.random.seed(231)
    x = np.random.randn(500, 500) + 10
    out, _ = dropout_forward(x, {"mode": "train", "p": p})
    kept = out != 0
    assert abs(kept.mean() - p) < 0.01
    assert np.allclose(out[kept], x[kept] / p)
    assert abs(out.mean() - x.mean()) < 0.05


def test_dropout_test_mode_is_the_identity_and_keeps_dtype(rng):
    x = rng.normal(size=(3, 4)).astype(np.float32)
    assert np.array_equal(dropout_forward(x, {"mode": "test", "p": 0.5})[0], x)
    out, cache = dropout_forward(x, {"mode": "train", "p": 0.5})
    assert out.dtype == np.float32
    assert dropout_backward(np.ones_like(x), cache).dtype == np.float32


def test_dropout_backward_matches_numerical_gradient(rng):
    x, dout = rng.normal(size=(10, 10)) + 10, rng.normal(size=(10, 10))
    param = {"mode": "train", "p": 0.2, "seed": 123}
    _, cache = dropout_forward(x, param)
    dx_num = eval_numerical_gradient_array(lambda v: dropout_forward(v, param)[0], x, dout)
    assert rel_error(dropout_backward(dout, cache), dx_num) < 1e-9
    _, cache = dropout_forward(x, {"mode": "test", "p": 0.2})
    assert np.array_equal(dropout_backward(dout, cache), dout)


# ---------------------------------------------------------------------------------------------- networks


def cs231n_batch():
    np.random.seed(231)
    return np.random.randn(2, 15), np.random.randint(10, size=(2,))


def test_normalized_loss_is_the_classs_own_method_in_the_library():
    # The library reads like CS231n's: the batchnorm_dropout unit is a method of the class, not a
    # function installed on it.
    assert FullyConnectedNet.normalized_loss.__qualname__ == "FullyConnectedNet.normalized_loss"


def test_batchnorm_net_reproduces_cs231n_initial_losses():
    X, y = cs231n_batch()
    for reg, expected in ((0, 2.2611955101340957), (3.14, 6.996533220108303)):
        model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, reg=reg, weight_scale=5e-2,
                                  dtype=np.float64, normalization="batchnorm")
        assert model.loss(X, y)[0] == pytest.approx(expected, abs=1e-12)


def test_dropout_net_reproduces_cs231n_initial_losses():
    X, y = cs231n_batch()
    for keep, expected in ((1, 2.300479089768492), (0.75, 2.302371489704412), (0.5, 2.30427592207859)):
        model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, weight_scale=5e-2, dtype=np.float64,
                                  dropout_keep_ratio=keep, seed=123)
        assert model.loss(X, y)[0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("kwargs", [{"normalization": "batchnorm"}, {"normalization": "layernorm"},
                                    {"dropout_keep_ratio": 0.6, "seed": 3},
                                    {"normalization": "batchnorm", "dropout_keep_ratio": 0.5, "seed": 4}])
def test_normalized_net_gradients_match_numerical_gradients(rng, kwargs):
    np.random.seed(5)
    model = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, reg=0.4, weight_scale=0.5, dtype=np.float64, **kwargs)
    for i in (1, 2, 3):  # zero biases put a fully dropped example exactly on a ReLU kink
        model.params[f"b{i}"] = 0.1 * rng.normal(size=model.params[f"b{i}"].shape)
    X, y = rng.normal(size=(8, 2, 2)), rng.integers(0, 3, size=8)
    loss, grads = model.loss(X, y)
    assert sorted(grads) == sorted(model.params)
    for name in grads:
        numerical = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False)
        # A bias before batch norm has zero gradient: there only the absolute difference means anything.
        assert rel_error(numerical, grads[name]) < 1e-6 or np.max(np.abs(numerical - grads[name])) < 1e-9, name


def test_gammas_and_betas_are_not_regularized(rng):
    np.random.seed(6)
    model = FullyConnectedNet([5], input_dim=4, num_classes=3, reg=0.0, dtype=np.float64, normalization="layernorm")
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    model.params["gamma1"] *= 3.0
    loss0, grads0 = model.loss(X, y)
    model.reg = 2.0
    loss2, grads2 = model.loss(X, y)
    weights = sum(np.sum(model.params[f"W{i}"] ** 2) for i in (1, 2))
    assert loss2 - loss0 == pytest.approx(0.5 * 2.0 * weights, rel=1e-12)
    assert np.array_equal(grads0["gamma1"], grads2["gamma1"]) and np.array_equal(grads0["beta1"], grads2["beta1"])


def test_test_mode_uses_running_averages_and_no_dropout(rng):
    np.random.seed(7)
    model = FullyConnectedNet([5], input_dim=4, num_classes=3, dtype=np.float64, normalization="batchnorm",
                              dropout_keep_ratio=0.5)
    X = rng.normal(size=(6, 4))
    model.loss(X, rng.integers(0, 3, size=6))
    scores = model.loss(X)
    W1, b1, W2, b2 = (model.params[k] for k in ("W1", "b1", "W2", "b2"))
    bn = model.bn_params[0]
    hidden = np.maximum(0, (X @ W1 + b1 - bn["running_mean"]) / np.sqrt(bn["running_var"] + 1e-5))
    assert rel_error(scores, hidden @ W2 + b2) < 1e-12
    assert model.bn_params[0]["mode"] == "test" and model.dropout_param["mode"] == "test"


def test_float32_net_stays_float32(rng):
    model = FullyConnectedNet([5, 4], input_dim=6, num_classes=3, normalization="batchnorm", dropout_keep_ratio=0.5)
    loss, grads = model.loss(rng.normal(size=(4, 6)), rng.integers(0, 3, size=4))
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}
