"""Layers of the two_layer_net assignment against independent computations and numerical gradients."""

import numpy as np
import pytest

from cs231n_lib.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from cs231n_lib.layer_utils import affine_relu_backward, affine_relu_forward
from cs231n_lib.layers import affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss, svm_loss


@pytest.fixture
def rng():
    return np.random.default_rng(2024)


def naive_svm_loss(x, y):
    # One example and one class at a time: slow, but a direct transcription of the formula.
    N, C = x.shape
    loss, dx = 0.0, np.zeros_like(x, dtype=np.float64)
    for i in range(N):
        for j in range(C):
            if j == y[i]:
                continue
            margin = x[i, j] - x[i, y[i]] + 1
            if margin > 0:
                loss += margin
                dx[i, j] += 1
                dx[i, y[i]] -= 1
    return loss / N, dx / N


def naive_softmax_loss(x, y):
    # log-sum-exp in extended precision, one example at a time.
    N = x.shape[0]
    loss, dx = 0.0, np.zeros(x.shape)
    for i in range(N):
        row = x[i].astype(np.longdouble)
        shifted = row - row.max()
        log_sum = np.log(np.sum(np.exp(shifted)))
        loss += float(log_sum - shifted[y[i]])
        dx[i] = np.exp(shifted - log_sum).astype(np.float64)
        dx[i, y[i]] -= 1
    return loss / N, dx / N


# ---------------------------------------------------------------------------------------------- affine


def test_affine_forward_reproduces_cs231n_check_values():
    x = np.linspace(-0.1, 0.5, num=240).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=360).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    out, _ = affine_forward(x, w, b)
    correct = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    assert rel_error(out, correct) < 1e-8


@pytest.mark.parametrize("x_shape", [(7, 5), (4, 3, 2, 5), (1, 2, 3, 4, 2)])
def test_affine_forward_flattens_each_example(rng, x_shape):
    D = int(np.prod(x_shape[1:]))
    x, w, b = rng.normal(size=x_shape), rng.normal(size=(D, 6)), rng.normal(size=6)
    expected = np.einsum("nd,dm->nm", x.reshape(x_shape[0], D), w) + b
    out, cache = affine_forward(x, w, b)
    assert out.shape == (x_shape[0], 6)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert cache[0] is x and cache[1] is w and cache[2] is b


def test_affine_forward_keeps_float32_and_does_not_touch_its_inputs(rng):
    x = rng.normal(size=(3, 2, 2)).astype(np.float32)
    w, b = rng.normal(size=(4, 5)).astype(np.float32), rng.normal(size=5).astype(np.float32)
    before = [a.copy() for a in (x, w, b)]
    out, _ = affine_forward(x, w, b)
    assert out.dtype == np.float32
    assert all(np.array_equal(a, c) for a, c in zip((x, w, b), before, strict=True))


@pytest.mark.parametrize("x_shape", [(10, 6), (5, 2, 3, 2)])
def test_affine_backward_matches_numerical_gradients(rng, x_shape):
    D = int(np.prod(x_shape[1:]))
    x, w, b = rng.normal(size=x_shape), rng.normal(size=(D, 5)), rng.normal(size=5)
    dout = rng.normal(size=(x_shape[0], 5))
    dx, dw, db = affine_backward(dout, affine_forward(x, w, b)[1])
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: affine_forward(v, w, b)[0], x, dout)) < 1e-7
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: affine_forward(x, v, b)[0], w, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(lambda v: affine_forward(x, w, v)[0], b, dout)) < 1e-7


def test_affine_backward_keeps_float32(rng):
    x = rng.normal(size=(4, 3, 2)).astype(np.float32)
    w, b = rng.normal(size=(6, 5)).astype(np.float32), rng.normal(size=5).astype(np.float32)
    grads = affine_backward(rng.normal(size=(4, 5)).astype(np.float32), affine_forward(x, w, b)[1])
    assert [g.dtype for g in grads] == [np.float32] * 3


# ---------------------------------------------------------------------------------------------- relu


def test_relu_forward_reproduces_cs231n_check_values_without_changing_x():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    x_before = x.copy()
    out, cache = relu_forward(x)
    correct = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.04545455, 0.13636364],
                        [0.22727273, 0.31818182, 0.40909091, 0.5]])
    assert rel_error(out, correct) < 1e-7
    assert np.array_equal(x, x_before) and cache is x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_backward_matches_numerical_gradient_and_keeps_dtype(rng, dtype):
    x = rng.normal(size=(3, 4, 5))
    dout = rng.normal(size=x.shape)
    dx_num = eval_numerical_gradient_array(lambda v: relu_forward(v)[0], x, dout)
    dx = relu_backward(dout.astype(dtype), relu_forward(x.astype(dtype))[1])
    assert dx.dtype == dtype
    assert rel_error(dx, dx_num) < (1e-6 if dtype == np.float32 else 1e-9)


def test_relu_backward_passes_no_gradient_at_zero():
    dx = relu_backward(np.ones(3), np.array([-1.0, 0.0, 2.0]))
    assert dx.tolist() == [0.0, 0.0, 1.0]


# ---------------------------------------------------------------------------------------------- sandwich


def test_affine_relu_is_the_composition_of_its_layers(rng):
    x, w, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(12, 10)), rng.normal(size=10)
    dout = rng.normal(size=(2, 10))
    out, cache = affine_relu_forward(x, w, b)
    np.testing.assert_array_equal(out, np.maximum(0, x.reshape(2, 12) @ w + b))
    dx, dw, db = affine_relu_backward(dout, cache)
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: affine_relu_forward(v, w, b)[0], x, dout)) < 1e-7
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: affine_relu_forward(x, v, b)[0], w, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(lambda v: affine_relu_forward(x, w, v)[0], b, dout)) < 1e-7


# ---------------------------------------------------------------------------------------------- losses


def cs231n_loss_inputs():
    np.random.seed(231)
    x = 0.001 * np.random.randn(50, 10)
    y = np.random.randint(10, size=50)
    return x, y


@pytest.mark.parametrize("loss_layer, expected_loss", [(svm_loss, 8.999602749096233),
                                                        (softmax_loss, 2.302545844500738)])
def test_losses_reproduce_cs231n_check_values(loss_layer, expected_loss):
    x, y = cs231n_loss_inputs()
    loss, dx = loss_layer(x, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    dx_num = eval_numerical_gradient(lambda v: loss_layer(v, y)[0], x, verbose=False)
    assert rel_error(dx, dx_num) < 2e-8  # CS231n: about 1e-9 (SVM) and 1e-8 (softmax)


@pytest.mark.parametrize("loss_layer, naive", [(svm_loss, naive_svm_loss), (softmax_loss, naive_softmax_loss)])
@pytest.mark.parametrize("shape", [(9, 4), (1, 6), (30, 10)])
def test_losses_match_a_naive_computation(rng, loss_layer, naive, shape):
    x, y = rng.normal(size=shape), rng.integers(0, shape[1], size=shape[0])
    x_before = x.copy()
    loss, dx = loss_layer(x, y)
    expected_loss, expected_dx = naive(x, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-10, atol=1e-15)
    assert np.array_equal(x, x_before)


@pytest.mark.parametrize("loss_layer, naive", [(svm_loss, naive_svm_loss), (softmax_loss, naive_softmax_loss)])
def test_losses_are_finite_and_right_for_large_scores(rng, loss_layer, naive):
    x, y = 1000 * rng.normal(size=(6, 5)), rng.integers(0, 5, size=6)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        loss, dx = loss_layer(x, y)
    expected_loss, expected_dx = naive(x, y)
    assert np.isfinite(loss) and loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("loss_layer", [svm_loss, softmax_loss])
def test_losses_keep_float32(rng, loss_layer):
    x = rng.normal(size=(8, 3)).astype(np.float32)
    loss, dx = loss_layer(x, rng.integers(0, 3, size=8))
    assert dx.dtype == np.float32 and np.isfinite(loss)


def test_softmax_loss_of_uniform_scores_is_log_c():
    loss, dx = softmax_loss(np.zeros((4, 10)), np.array([0, 3, 9, 2]))
    assert loss == pytest.approx(np.log(10), rel=1e-14)
    np.testing.assert_allclose(dx.sum(axis=1), 0, atol=1e-16)
