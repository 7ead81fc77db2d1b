"""The convnet reference library: naive and fast convolution and pooling, spatial normalization,
conv sandwiches and ThreeLayerConvNet, against independent computations and numerical gradients."""

import numpy as np
import pytest

from cs231n_lib import fast_layers, layer_utils, layers
from cs231n_lib.classifiers.cnn import ThreeLayerConvNet
from cs231n_lib.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error

# (x shape, w shape, stride, pad): including 1x1 filters, a stride equal to the filter, a stride
# that does not tile the padded input (the last partial window is dropped), a filter as large as
# the padded input, and padding wider than the filter.
CONV_CASES = [
    ((2, 3, 6, 5), (4, 3, 3, 3), 1, 1),
    ((3, 2, 7, 7), (2, 2, 3, 3), 2, 0),
    ((2, 4, 5, 6), (3, 4, 1, 1), 1, 0),
    ((2, 2, 6, 6), (3, 2, 2, 2), 2, 0),
    ((1, 3, 5, 8), (2, 3, 3, 2), 1, 2),
    ((2, 2, 8, 7), (2, 2, 3, 3), 3, 1),
    ((2, 1, 4, 4), (2, 1, 6, 6), 1, 1),
    ((1, 2, 3, 3), (2, 2, 2, 2), 1, 3),
]
POOL_CASES = [
    ((2, 3, 6, 6), 2, 2, 2),
    ((2, 2, 7, 5), 3, 2, 1),
    ((1, 3, 4, 4), 1, 1, 1),
    ((2, 2, 6, 9), 3, 3, 3),
    ((3, 1, 5, 8), 2, 4, 2),
    ((1, 2, 7, 7), 2, 2, 2),  # the last row and column belong to no window
]


def conv_by_definition(x, w, b, stride, pad):
    """out[n, f, i, j] = b[f] + sum over c, k, l of w[f, c, k, l] * x_pad[n, c, i*s + k, j*s + l], one by one."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    x_pad[:, :, pad:pad + H, pad:pad + W] = x
    H_out, W_out = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    total = b[f]
                    for c in range(C):
                        for k in range(HH):
                            for l in range(WW):
                                total += w[f, c, k, l] * x_pad[n, c, i * stride + k, j * stride + l]
                    out[n, f, i, j] = total
    return out


def pool_by_definition(x, height, width, stride):
    N, C, H, W = x.shape
    H_out, W_out = 1 + (H - height) // stride, 1 + (W - width) // stride
    out = np.empty((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + height, j * stride:j * stride + width].max(axis=(2, 3))
    return out


def random_conv(case, seed=0, dtype=np.float64):
    x_shape, w_shape, stride, pad = case
    rng = np.random.default_rng(seed)
    x, w, b = (rng.normal(size=s).astype(dtype) for s in (x_shape, w_shape, w_shape[:1]))
    return x, w, b, {"stride": stride, "pad": pad}


# ----------------------------------------------------------------------------------------------
# Convolution


def test_conv_forward_naive_reproduces_cs231n_check_values():
    x_shape, w_shape = (2, 3, 4, 4), (3, 3, 4, 4)
    x = np.linspace(-0.1, 0.5, num=np.prod(x_shape)).reshape(x_shape)
    w = np.linspace(-0.2, 0.3, num=np.prod(w_shape)).reshape(w_shape)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = layers.conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    correct_out = np.array([[[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                             [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                             [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
                            [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
                             [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
                             [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]])
    assert rel_error(out, correct_out) < 1e-7


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_forward_naive_matches_the_definition_and_keeps_x(case):
    x, w, b, conv_param = random_conv(case)
    x_before = x.copy()
    out, cache = layers.conv_forward_naive(x, w, b, conv_param)
    assert rel_error(out, conv_by_definition(x, w, b, conv_param["stride"], conv_param["pad"])) < 1e-12
    assert np.array_equal(x, x_before)
    assert cache[0] is x and cache[1] is w and cache[2] is b and cache[3] is conv_param


@pytest.mark.parametrize("case", CONV_CASES[:6], ids=str)
def test_conv_backward_naive_matches_numerical_gradients(case):
    x, w, b, conv_param = random_conv(case, seed=1)
    out, cache = layers.conv_forward_naive(x, w, b, conv_param)
    dout = np.random.default_rng(2).normal(size=out.shape)
    dx, dw, db = layers.conv_backward_naive(dout, cache)
    forward = layers.conv_forward_naive
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: forward(v, w, b, conv_param)[0], x, dout)) < 1e-7
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: forward(x, v, b, conv_param)[0], w, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(lambda v: forward(x, w, v, conv_param)[0], b, dout)) < 1e-7


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_fast_conv_equals_naive_conv(case):
    x, w, b, conv_param = random_conv(case, seed=3)
    out_naive, cache_naive = layers.conv_forward_naive(x, w, b, conv_param)
    out_fast, cache_fast = fast_layers.conv_forward_fast(x, w, b, conv_param)
    assert out_fast.shape == out_naive.shape and out_fast.flags.c_contiguous
    assert rel_error(out_fast, out_naive) < 1e-9
    dout = np.random.default_rng(4).normal(size=out_naive.shape)
    for fast, naive in zip(fast_layers.conv_backward_fast(dout, cache_fast),
                           layers.conv_backward_naive(dout, cache_naive), strict=True):
        assert fast.shape == naive.shape
        assert rel_error(fast, naive) < 1e-9


def test_fast_conv_keeps_float32():
    x, w, b, conv_param = random_conv(CONV_CASES[0], seed=5, dtype=np.float32)
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    grads = fast_layers.conv_backward_fast(np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    assert rel_error(out, layers.conv_forward_naive(x, w, b, conv_param)[0]) < 1e-5


def test_fast_conv_rejects_a_filter_larger_than_the_padded_input():
    x, w, b, _ = random_conv(((1, 1, 3, 3), (1, 1, 5, 5), 1, 0))
    with pytest.raises(ValueError, match="does not fit"):
        fast_layers.conv_forward_fast(x, w, b, {"stride": 1, "pad": 0})


# ----------------------------------------------------------------------------------------------
# Max pooling


def test_max_pool_forward_naive_reproduces_cs231n_check_values():
    x_shape = (2, 3, 4, 4)
    x = np.linspace(-0.3, 0.4, num=np.prod(x_shape)).reshape(x_shape)
    out, _ = layers.max_pool_forward_naive(x, {"pool_width": 2, "pool_height": 2, "stride": 2})
    correct_out = np.array([[[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
                             [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
                             [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
                            [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
                             [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
                             [[0.32631579, 0.34105263], [0.38526316, 0.4]]]])
    assert rel_error(out, correct_out) < 1e-7


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_max_pool_naive_forward_by_definition_and_backward_numerically(case):
    x_shape, height, width, stride = case
    pool_param = {"pool_height": height, "pool_width": width, "stride": stride}
    x = np.random.default_rng(6).normal(size=x_shape)
    out, cache = layers.max_pool_forward_naive(x, pool_param)
    assert np.array_equal(out, pool_by_definition(x, height, width, stride))
    dout = np.random.default_rng(7).normal(size=out.shape)
    dx = layers.max_pool_backward_naive(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda v: layers.max_pool_forward_naive(v, pool_param)[0], x, dout)
    assert rel_error(dx, dx_num) < 1e-9


def test_max_pool_backward_gives_a_tied_window_to_its_first_maximum():
    x = np.array([[[[1.0, 3.0, 0.0], [3.0, 2.0, 3.0], [0.0, 3.0, 1.0]]]])
    dout = np.array([[[[10.0, 20.0], [30.0, 40.0]]]])  # 2x2 windows, stride 1: every window holds a 3
    cache = (x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    dx = layers.max_pool_backward_naive(dout, cache)
    # Window (0, 0) and (0, 1) pick x[0, 1] (their first 3 in row-major order); (1, 0) picks x[1, 0];
    # (1, 1) picks x[1, 2].
    assert np.array_equal(dx[0, 0], [[0.0, 30.0, 0.0], [30.0, 0.0, 40.0], [0.0, 0.0, 0.0]])
    _, fast_cache = fast_layers.max_pool_forward_fast(x, cache[1])
    assert np.array_equal(fast_layers.max_pool_backward_fast(dout, fast_cache), dx)


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
@pytest.mark.parametrize("values", ["normal", "tied"])
def test_fast_pool_equals_naive_pool(case, values):
    x_shape, height, width, stride = case
    pool_param = {"pool_height": height, "pool_width": width, "stride": stride}
    rng = np.random.default_rng(8)
    x = rng.normal(size=x_shape) if values == "normal" else rng.integers(0, 2, size=x_shape).astype(float)
    out_naive, cache_naive = layers.max_pool_forward_naive(x, pool_param)
    out_fast, cache_fast = fast_layers.max_pool_forward_fast(x, pool_param)
    assert np.array_equal(out_fast, out_naive)
    dout = rng.normal(size=out_naive.shape)
    dx_fast = fast_layers.max_pool_backward_fast(dout, cache_fast)
    assert rel_error(dx_fast, layers.max_pool_backward_naive(dout, cache_naive)) < 1e-12


# ----------------------------------------------------------------------------------------------
# Spatial batch norm and group norm


def test_spatial_batchnorm_forward_normalizes_each_channel_over_batch_and_space():
    rng = np.random.default_rng(9)
    x = 3 * rng.normal(size=(4, 3, 5, 2)) + np.array([1.0, -2.0, 5.0])[None, :, None, None]
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    bn_param = {"mode": "train", "momentum": 0.8}
    out, _ = layers.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    expected = (gamma[None, :, None, None] * (x - mean[None, :, None, None]) / np.sqrt(var + 1e-5)[None, :, None, None]
                + beta[None, :, None, None])
    assert out.shape == x.shape and rel_error(out, expected) < 1e-12
    assert rel_error(bn_param["running_mean"], 0.2 * mean) < 1e-12
    assert rel_error(bn_param["running_var"], 0.2 * var) < 1e-12
    bn_param["mode"] = "test"
    out_test, _ = layers.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    expected_test = (gamma[None, :, None, None] * (x - 0.2 * mean[None, :, None, None])
                     / np.sqrt(0.2 * var + 1e-5)[None, :, None, None] + beta[None, :, None, None])
    assert rel_error(out_test, expected_test) < 1e-12


def test_spatial_batchnorm_backward_matches_numerical_gradients():
    rng = np.random.default_rng(10)
    x, gamma, beta = 2 * rng.normal(size=(2, 3, 4, 5)) + 1, rng.normal(size=3), rng.normal(size=3)
    dout = rng.normal(size=x.shape)
    bn_param = {"mode": "train"}

    def forward(x, gamma, beta):
        return layers.spatial_batchnorm_forward(x, gamma, beta, bn_param)[0]

    _, cache = layers.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = layers.spatial_batchnorm_backward(dout, cache)
    # dx sums many terms that cancel; the centered difference has ~1e-8 relative error there.
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: forward(v, gamma, beta), x, dout)) < 1e-6
    assert rel_error(dgamma, eval_numerical_gradient_array(lambda v: forward(x, v, beta), gamma, dout)) < 1e-8
    assert rel_error(dbeta, eval_numerical_gradient_array(lambda v: forward(x, gamma, v), beta, dout)) < 1e-8


@pytest.mark.parametrize("G", [1, 2, 3, 6])
def test_spatial_groupnorm_forward_normalizes_each_group_of_each_example(G):
    rng = np.random.default_rng(11)
    N, C, H, W = 2, 6, 3, 4
    x = 4 * rng.normal(size=(N, C, H, W)) + 10 * rng.normal(size=(N, C, 1, 1))
    gamma, beta = rng.normal(size=(1, C, 1, 1)), rng.normal(size=(1, C, 1, 1))
    out, _ = layers.spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-3})
    expected = np.empty_like(x)
    size = C // G
    for n in range(N):
        for g in range(G):
            values = x[n, g * size:(g + 1) * size]
            expected[n, g * size:(g + 1) * size] = (values - values.mean()) / np.sqrt(values.var() + 1e-3)
    assert rel_error(out, gamma * expected + beta) < 1e-10


@pytest.mark.parametrize("G", [1, 2, 4])
def test_spatial_groupnorm_backward_matches_numerical_gradients(G):
    rng = np.random.default_rng(12)
    x = 3 * rng.normal(size=(2, 4, 3, 3)) + 2
    gamma, beta, dout = rng.normal(size=(1, 4, 1, 1)), rng.normal(size=(1, 4, 1, 1)), rng.normal(size=x.shape)

    def forward(x, gamma, beta):
        return layers.spatial_groupnorm_forward(x, gamma, beta, G, {})[0]

    _, cache = layers.spatial_groupnorm_forward(x, gamma, beta, G, {})
    dx, dgamma, dbeta = layers.spatial_groupnorm_backward(dout, cache)
    assert dgamma.shape == dbeta.shape == (1, 4, 1, 1)
    # As for batch norm: dx sums terms that cancel within each group, so some entries are tiny (6e-5 here)
    # and the centered difference's ~1e-10 absolute error is 2e-8..9e-8 of them; gamma and beta meet 1e-8.
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: forward(v, gamma, beta), x, dout)) < 1e-6
    assert rel_error(dgamma, eval_numerical_gradient_array(lambda v: forward(x, v, beta), gamma, dout)) < 1e-8
    assert rel_error(dbeta, eval_numerical_gradient_array(lambda v: forward(x, gamma, v), beta, dout)) < 1e-8


# ----------------------------------------------------------------------------------------------
# Sandwiches and ThreeLayerConvNet


@pytest.mark.parametrize("sandwich", ["conv_relu", "conv_relu_pool", "conv_bn_relu"])
def test_conv_sandwich_backward_matches_numerical_gradients(sandwich):
    rng = np.random.default_rng(13)
    x, w, b = rng.normal(size=(2, 3, 6, 6)), rng.normal(size=(3, 3, 3, 3)), rng.normal(size=3)
    conv_param, pool_param = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
    extra = {"conv_relu": (conv_param,), "conv_relu_pool": (conv_param, pool_param),
             "conv_bn_relu": (rng.normal(size=3), rng.normal(size=3), conv_param, {"mode": "train"})}[sandwich]
    forward = getattr(layer_utils, f"{sandwich}_forward")
    backward = getattr(layer_utils, f"{sandwich}_backward")
    out, cache = forward(x, w, b, *extra)
    dout = rng.normal(size=out.shape)
    dx, dw, db = backward(dout, cache)[:3]
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: forward(v, w, b, *extra)[0], x, dout)) < 1e-6
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: forward(x, v, b, *extra)[0], w, dout)) < 1e-6
    db_num = eval_numerical_gradient_array(lambda v: forward(x, w, v, *extra)[0], b, dout)
    if sandwich == "conv_bn_relu":
        # Batch norm subtracts each channel's mean, bias included: the loss does not depend on b.
        assert np.max(np.abs(db)) < 1e-12 and np.max(np.abs(db_num)) < 1e-9
    else:
        assert rel_error(db, db_num) < 1e-6


def test_three_layer_convnet_draws_its_weights_in_layer_order():
    np.random.seed(3)
    model = ThreeLayerConvNet(input_dim=(2, 6, 4), num_filters=3, filter_size=5, hidden_dim=7, num_classes=4,
                              weight_scale=0.1, dtype=np.float64)
    np.random.seed(3)
    expected = {"W1": 0.1 * np.random.randn(3, 2, 5, 5), "W2": 0.1 * np.random.randn(3 * 3 * 2, 7),
                "W3": 0.1 * np.random.randn(7, 4)}
    for name, value in expected.items():
        assert np.array_equal(model.params[name], value)
    for name, size in (("b1", 3), ("b2", 7), ("b3", 4)):
        assert np.array_equal(model.params[name], np.zeros(size))
    float32_model = ThreeLayerConvNet(input_dim=(2, 6, 4), num_filters=3, filter_size=3, hidden_dim=5)
    assert all(value.dtype == np.float32 for value in float32_model.params.values())


def test_three_layer_convnet_loss_matches_an_independent_forward_pass():
    rng = np.random.default_rng(14)
    model = ThreeLayerConvNet(input_dim=(3, 6, 6), num_filters=4, filter_size=3, hidden_dim=5, num_classes=3,
                              weight_scale=0.3, reg=0.7, dtype=np.float64)
    X, y = rng.normal(size=(5, 3, 6, 6)), rng.integers(0, 3, size=5)
    p = model.params
    conv = np.maximum(conv_by_definition(X, p["W1"], p["b1"], 1, 1), 0)
    pooled = pool_by_definition(conv, 2, 2, 2).reshape(5, -1)
    scores = np.maximum(pooled @ p["W2"] + p["b2"], 0) @ p["W3"] + p["b3"]
    assert rel_error(model.loss(X), scores) < 1e-12
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(5), y].mean() + 0.35 * sum(np.sum(p[k] ** 2) for k in ("W1", "W2", "W3"))
    assert abs(model.loss(X, y)[0] - expected) < 1e-12


def test_three_layer_convnet_gradients_match_numerical_gradients():
    # Larger weights than CS231n's check keep the ReLU and pool inputs away from their kinks.
    np.random.seed(15)
    model = ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=3, filter_size=3, hidden_dim=6, num_classes=4,
                              weight_scale=0.5, reg=0.3, dtype=np.float64)
    X, y = np.random.randn(3, 2, 6, 6), np.random.randint(4, size=3)
    _, grads = model.loss(X, y)
    for name in sorted(model.params):
        numerical = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False, h=1e-6)
        assert rel_error(grads[name], numerical) < 1e-6, name


def test_three_layer_convnet_reproduces_cs231n_gradient_check_errors():
    np.random.seed(231)
    X, y = np.random.randn(2, 3, 16, 16), np.random.randint(10, size=2)
    model = ThreeLayerConvNet(num_filters=3, filter_size=3, input_dim=(3, 16, 16), hidden_dim=7, dtype=np.float64)
    _, grads = model.loss(X, y)
    published = {"W1": 1.380104e-04, "W2": 1.822723e-02, "W3": 3.064049e-04, "b1": 3.477652e-05,
                 "b2": 2.516375e-03, "b3": 7.945660e-10}
    for name, error in published.items():
        numerical = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False, h=1e-6)
        assert rel_error(grads[name], numerical) == pytest.approx(error, rel=1e-3), name


def test_three_layer_convnet_keeps_float32_through_training():
    np.random.seed(16)
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=2, filter_size=3, hidden_dim=4, reg=0.1)
    X = np.random.randn(3, 3, 8, 8).astype(np.float32)
    loss, grads = model.loss(X, np.array([0, 1, 2]))
    assert np.isfinite(loss) and all(g.dtype == np.float32 for g in grads.values())
    assert model.loss(X).dtype == np.float32
