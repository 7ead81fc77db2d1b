"""The Winograd path of the fast convolution (float32, 3x3, stride 1, C and F >= 16): run in float64
it must equal the naive layers to rounding, its gradients must be the numerical ones, and in
float32 its error must stay within what the transforms' rounding explains."""

import numpy as np
import pytest

from cs231n_lib import fast_layers, layers
from cs231n_lib.gradient_check import eval_numerical_gradient_array, rel_error

# (x shape, F, pad): odd and even heights and widths (the output grid is padded to whole tiles),
# a batch of 1, no padding, padding of 2 and 3 (wider than the filter's half), an output of 1x1.
WINOGRAD_CASES = [
    ((2, 3, 6, 5), 4, 1),
    ((1, 2, 7, 7), 3, 0),
    ((3, 2, 5, 8), 2, 2),
    ((2, 3, 4, 4), 2, 3),
    ((1, 1, 3, 3), 1, 0),
    ((2, 5, 9, 11), 6, 1),
]
TILE_SIZES = (2, 4)  # F(2x2, 3x3) and F(4x4, 3x3)


def random_conv(x_shape, F, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=x_shape).astype(dtype)
    w = rng.normal(size=(F, x_shape[1], 3, 3)).astype(dtype)
    return x, w, rng.normal(size=F).astype(dtype)


def error_for_size(got, expected):
    """Largest difference relative to the largest value of expected: how far off, for the array's scale."""
    return float(np.max(np.abs(got - expected)) / np.max(np.abs(expected)))


@pytest.mark.parametrize("m", TILE_SIZES)
@pytest.mark.parametrize("case", WINOGRAD_CASES, ids=str)
def test_winograd_in_float64_equals_the_naive_conv(case, m):
    x_shape, F, pad = case
    x, w, b = random_conv(x_shape, F, seed=1)
    conv_param = {"stride": 1, "pad": pad}
    out_naive, cache_naive = layers.conv_forward_naive(x, w, b, conv_param)
    out, cache = fast_layers._conv_forward_winograd(x, w, b, conv_param, m)
    assert out.shape == out_naive.shape and out.dtype == np.float64 and out.flags.c_contiguous
    assert error_for_size(out, out_naive) < 1e-12
    dout = np.random.default_rng(2).normal(size=out.shape)
    grads = fast_layers.conv_backward_fast(dout, cache)  # the public backward recognises the Winograd cache
    for name, got, expected in zip(("dx", "dw", "db"), grads, layers.conv_backward_naive(dout, cache_naive),
                                   strict=True):
        assert got.shape == expected.shape and got.flags.c_contiguous, name
        assert error_for_size(got, expected) < 1e-12, name


@pytest.mark.parametrize("m", TILE_SIZES)
@pytest.mark.parametrize("case", [WINOGRAD_CASES[0], WINOGRAD_CASES[2]], ids=str)
def test_winograd_backward_matches_numerical_gradients(case, m):
    x_shape, F, pad = case
    x, w, b = random_conv(x_shape, F, seed=3)
    conv_param = {"stride": 1, "pad": pad}
    out, cache = fast_layers._conv_forward_winograd(x, w, b, conv_param, m)
    dout = np.random.default_rng(4).normal(size=out.shape)
    dx, dw, db = fast_layers._conv_backward_winograd(dout, cache)

    def forward(x, w, b):
        return fast_layers._conv_forward_winograd(x, w, b, conv_param, m)[0]

    assert rel_error(dx, eval_numerical_gradient_array(lambda v: forward(v, w, b), x, dout)) < 1e-7
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: forward(x, v, b), w, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(lambda v: forward(x, w, v), b, dout)) < 1e-7


# float32 error relative to the output's size. Each output sums 9 * C products; im2col's float32 result is
# off by about eps * sqrt(9 * C) ~ 6e-8 * 24 ~ 1e-6 at C = 64 (measured 2e-7 to 7e-7). F(2x2, 3x3)'s transforms
# only add and subtract (and halve the filters), a few more roundings: measured 1e-7 to 8e-7. F(4x4, 3x3)'s
# transforms have coefficients up to 8 (A^T) and 5 (B^T) and sum terms of mixed signs, which amplify the same
# rounding by ~10-20x: measured 1.4e-6 to 9.6e-6 (dw, C = 64). The bounds leave a margin of 4-5x over those.
FLOAT32_TOLERANCE = {2: 3e-6, 4: 5e-5}


@pytest.mark.parametrize("m", TILE_SIZES)
def test_winograd_in_float32_stays_within_its_rounding(m):
    x64, w64, b64 = random_conv((8, 64, 9, 10), 32, seed=5)
    conv_param = {"stride": 1, "pad": 1}
    out64, cache64 = layers.conv_forward_naive(x64, w64, b64, conv_param)
    dout64 = np.random.default_rng(6).normal(size=out64.shape)
    expected = (out64, *layers.conv_backward_naive(dout64, cache64))

    out, cache = fast_layers._conv_forward_winograd(*(a.astype(np.float32) for a in (x64, w64, b64)), conv_param, m)
    got = (out, *fast_layers.conv_backward_fast(dout64.astype(np.float32), cache))
    for name, g, e in zip(("out", "dx", "dw", "db"), got, expected, strict=True):
        assert g.dtype == np.float32, name
        assert error_for_size(g, e) < FLOAT32_TOLERANCE[m], name


@pytest.mark.parametrize("dtype, x_shape, w_shape, stride, winograd", [
    (np.float32, (2, 16, 6, 7), (16, 16, 3, 3), 1, True),
    (np.float64, (2, 16, 6, 7), (16, 16, 3, 3), 1, False),  # float64 keeps im2col: the reference's rounding
    (np.float32, (2, 3, 6, 7), (16, 3, 3, 3), 1, False),    # a first layer: too few channels to pay
    (np.float32, (2, 16, 6, 7), (8, 16, 3, 3), 1, False),
    (np.float32, (2, 16, 7, 7), (16, 16, 3, 3), 2, False),
    (np.float32, (2, 16, 7, 7), (16, 16, 5, 5), 1, False),
])
def test_conv_forward_fast_takes_the_winograd_path_only_where_it_pays(dtype, x_shape, w_shape, stride, winograd):
    rng = np.random.default_rng(7)
    x, w = rng.normal(size=x_shape).astype(dtype), rng.normal(size=w_shape).astype(dtype)
    b = rng.normal(size=w_shape[0]).astype(dtype)
    conv_param = {"stride": stride, "pad": 1}
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    assert isinstance(cache[4], tuple) == winograd
    out_naive, cache_naive = layers.conv_forward_naive(x, w, b, conv_param)
    dout = rng.normal(size=out.shape).astype(dtype)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for got, expected in zip((out, *fast_layers.conv_backward_fast(dout, cache)),
                             (out_naive, *layers.conv_backward_naive(dout, cache_naive)), strict=True):
        assert got.dtype == dtype and got.shape == expected.shape
        assert error_for_size(got, expected) < tolerance
