"""The convnet assignment: naive convolution and max pooling, ThreeLayerConvNet, spatial batch and group norm.

One notebook (CS231n's ConvolutionalNetworks.ipynb). The fast layers (fast_layers.py) and the
conv sandwiches (layer_utils.py) are given code, as in CS231n: they ship in the student package,
and ThreeLayerConvNet trains with them. Batch norm was graded in batchnorm_dropout and ships
solved, so spatial batch norm reuses it.

One cache policy for every backward check: the student's backward gets the cache of the student's
own forward (its content is the student's choice, as in CS231n), so a different CS231n-valid cache
layout passes, and a wrong forward costs its backward's cell too.

Each check grades the contract stated in the notebook's markdown cell above the unit (what is
compared, at which tolerance, what is not graded); the visible checks print the same tolerances.
"""

from __future__ import annotations

import numpy as np

from ..check_helpers import expect_dtypes, expect_items_close, expect_loss_and_grads, run, run_keeping_inputs
from ..checks import hidden_check
from ..course import assignment_defined_in, units_in
from ..plan import Plan
from ..samples import planted_bug
from ..student_code import forbid_loops
from .convnet_alternatives import PLANTED_ALTERNATIVES as PLANTED_ALTERNATIVES

# Every check here is well conditioned (one forward or backward pass, one loss on fixed inputs), so
# results are compared with the reference's. Float64 results at 1e-7 (TOL), the bound the visible
# checks print: the same sums in another order differ by ~1e-14, a wrong index or a missing term by
# more than 1e-3. Backward passes of the normalizations at 1e-6 (TOL_NORM_BACKWARD), the bound of
# their visible numerical-gradient checks. Float32 inputs: compared by value at 1e-5 (TOL32; the
# inputs are positive, so there is no cancellation), whatever dtype a naive layer returns: the
# contract grades the dtype only where CS231n does, through ThreeLayerConvNet's dtype option.
TOL = 1e-7
TOL_NORM_BACKWARD = 1e-6
TOL32 = 1e-5

# (x shape, w shape, stride, pad): padding 0 to 2, strides 1 to 3, 1x1 filters, a stride equal
# to the filter size, non-square inputs and filters.
CONV_CASES = (
    ((2, 3, 6, 5), (4, 3, 3, 3), 1, 1),
    ((3, 2, 7, 7), (2, 2, 3, 3), 2, 0),
    ((2, 4, 5, 6), (3, 4, 1, 1), 1, 0),
    ((2, 2, 6, 6), (3, 2, 2, 2), 2, 0),
    ((1, 3, 5, 8), (2, 3, 3, 2), 1, 2),
    ((2, 2, 7, 7), (2, 2, 3, 3), 3, 1),
)
# (x shape, pool height, pool width, stride): the usual 2x2/2, overlapping windows, 1x1, 3x3/3,
# non-square windows on non-square inputs. Every pool tiles its input ((H - pool_height) % stride
# == 0, and the same for the width), as CS231n's contract assumes.
POOL_CASES = (
    ((2, 3, 6, 6), 2, 2, 2),
    ((2, 2, 7, 5), 3, 2, 1),
    ((1, 3, 4, 4), 1, 1, 1),
    ((2, 2, 6, 9), 3, 3, 3),
    ((3, 1, 6, 8), 2, 4, 2),
)


def _conv_param(stride: int, pad: int) -> dict:
    return {"stride": stride, "pad": pad}


def _pool_param(height: int, width: int, stride: int) -> dict:
    return {"pool_height": height, "pool_width": width, "stride": stride}


# ----------------------------------------------------------------------------------------------
# Convolution and max pooling (loops over output positions are allowed: that is the exercise)


@hidden_check(unit="conv_forward_naive")
def conv_forward_naive(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape, w_shape, stride, pad in CONV_CASES:
        x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
        name = f"conv_forward_naive for x {x_shape}, w {w_shape}, stride {stride}, pad {pad}"
        result = run_keeping_inputs(plan, name, "conv_forward_naive", x, w, b,
                                    extra=(_conv_param(stride, pad),))
        plan.expect_close(plan.item(result, 0, record=True), f"{name}: out", TOL)
    x, w, b = (rng.uniform(0.5, 1.5, size=s).astype(np.float32) for s in ((2, 2, 5, 5), (3, 2, 3, 3), (3,)))
    name = "conv_forward_naive for float32 x (2, 2, 5, 5), w (3, 2, 3, 3), stride 1, pad 1"
    result = run(plan, name, "conv_forward_naive", x, w, b, _conv_param(1, 1))
    plan.expect_close(plan.item(result, 0, record=True), f"{name}: out (compared by value)", TOL32)


@hidden_check(unit="conv_backward_naive")
def conv_backward_naive(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape, w_shape, stride, pad in CONV_CASES:
        x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
        H_out = 1 + (x_shape[2] + 2 * pad - w_shape[2]) // stride
        W_out = 1 + (x_shape[3] + 2 * pad - w_shape[3]) // stride
        dout = rng.normal(size=(x_shape[0], w_shape[0], H_out, W_out))
        name = f"conv_backward_naive for x {x_shape}, w {w_shape}, stride {stride}, pad {pad}"
        # The cache of the student's own conv_forward_naive (its layout is the student's choice).
        forward = run(plan, f"conv_forward_naive for x {x_shape}, w {w_shape}, stride {stride}, pad {pad}",
                      "conv_forward_naive", x, w, b, _conv_param(stride, pad))
        grads = run(plan, name, "conv_backward_naive", dout, plan.item(forward, 1))
        expect_items_close(plan, grads, ("dx", "dw", "db"), name, TOL)


@hidden_check(unit="max_pool_forward_naive")
def max_pool_forward_naive(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape, height, width, stride in POOL_CASES:
        x = rng.normal(size=x_shape)
        name = f"max_pool_forward_naive for x {x_shape}, {height}x{width} pool, stride {stride}"
        result = run_keeping_inputs(plan, name, "max_pool_forward_naive", x,
                                    extra=(_pool_param(height, width, stride),))
        plan.expect_close(plan.item(result, 0, record=True), f"{name}: out", TOL)
    x32 = rng.normal(size=(2, 3, 4, 4)).astype(np.float32)
    name = "max_pool_forward_naive for float32 x (2, 3, 4, 4), 2x2 pool, stride 2"
    result = run(plan, name, "max_pool_forward_naive", x32, _pool_param(2, 2, 2))
    plan.expect_close(plan.item(result, 0, record=True), f"{name}: out (compared by value)", TOL)


@hidden_check(unit="max_pool_backward_naive")
def max_pool_backward_naive(plan: Plan, rng: np.random.Generator) -> None:
    # Normal inputs have no ties (the contract leaves ties ungraded: to the first maximum or to every
    # maximum are both accepted). Overlapping windows (3x2, stride 1): their gradients must add up.
    for x_shape, height, width, stride in POOL_CASES:
        x = rng.normal(size=x_shape)
        H_out, W_out = 1 + (x.shape[2] - height) // stride, 1 + (x.shape[3] - width) // stride
        dout = rng.normal(size=(*x.shape[:2], H_out, W_out))
        name = f"max_pool_backward_naive for x {x.shape}, {height}x{width} pool, stride {stride}"
        # The cache of the student's own max_pool_forward_naive.
        forward = run(plan, f"max_pool_forward_naive for x {x.shape}, {height}x{width} pool, stride {stride}",
                      "max_pool_forward_naive", x, _pool_param(height, width, stride))
        dx = run(plan, name, "max_pool_backward_naive", dout, plan.item(forward, 1))
        plan.expect_close(dx, f"{name}: dx", TOL)


# ----------------------------------------------------------------------------------------------
# ThreeLayerConvNet


@hidden_check(unit="ThreeLayerConvNet")
def ThreeLayerConvNet(plan: Plan, rng: np.random.Generator) -> None:
    C = 4
    for seed, input_dim, num_filters, filter_size, hidden_dim, x_count in (
        (5510, (3, 8, 8), 4, 3, 6, 3),
        (5511, (2, 6, 10), 3, 5, 5, 4),  # non-square input, a 5x5 filter
        (5512, (1, 4, 4), 2, 1, 3, 2),  # 1x1 filters
    ):
        net = (f"ThreeLayerConvNet(input_dim={input_dim}, num_filters={num_filters}, filter_size={filter_size}, "
               f"hidden_dim={hidden_dim}, num_classes={C}, dtype=float64)")
        plan.call("seed_numpy", seed)
        model = run(plan, net, "ThreeLayerConvNet", input_dim=input_dim, num_filters=num_filters,
                    filter_size=filter_size, hidden_dim=hidden_dim, num_classes=C, weight_scale=0.5,
                    dtype="float64")
        plan.expect_close(plan.call(f"{model}.params.copy", record=True), f"{net}.params after np.random.seed({seed})",
                          TOL)
        X, y = rng.normal(size=(x_count, *input_dim)), rng.integers(0, C, size=x_count)
        plan.expect_close(plan.call(f"{model}.loss", X, record=True), f"{net}: scores for X of shape {X.shape}", TOL)
        for reg in (0.0, 0.7):
            plan.call(f"{model}.__setattr__", "reg", reg)
            expect_loss_and_grads(plan, plan.call(f"{model}.loss", X, y), f"{net} with reg={reg}", TOL)
    # float32 (the default dtype): parameters, scores and gradients stay float32.
    plan.call("seed_numpy", 5513)
    net = "ThreeLayerConvNet(input_dim=(3, 6, 6), num_filters=2, filter_size=3, hidden_dim=5, num_classes=4)"
    model = run(plan, net, "ThreeLayerConvNet", input_dim=(3, 6, 6), num_filters=2, filter_size=3, hidden_dim=5,
                num_classes=C, weight_scale=0.5, reg=0.1)
    why = "the model's dtype option: a float32 model keeps float32 parameters and gradients"
    expect_dtypes(plan, plan.call(f"{model}.params.copy", record=True), f"{net}.params", why)
    X, y = rng.normal(size=(3, 3, 6, 6)).astype(np.float32), rng.integers(0, C, size=3)
    result = plan.call(f"{model}.loss", X, y)
    plan.expect_close(plan.item(result, 0, record=True), f"{net}: float32 loss", TOL32)
    grads = plan.item(result, 1, record=True)
    plan.expect_close(grads, f"{net}: float32 grads (by value)", TOL32, by_value=True)
    expect_dtypes(plan, grads, f"{net}: grads", why)


# ----------------------------------------------------------------------------------------------
# Spatial batch norm and group norm (vectorized: no Python loops)


@hidden_check(unit="spatial_batchnorm_forward", static=(forbid_loops("spatial_batchnorm_forward"),))
def spatial_batchnorm_forward(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape in ((4, 3, 5, 2), (2, 5, 3, 3), (6, 2, 1, 4)):
        N, C, H, W = x_shape
        x = 3 * rng.normal(size=x_shape) + rng.normal(size=(1, C, 1, 1)) * 5
        gamma, beta = rng.normal(size=C), rng.normal(size=C)
        bn_param = plan.hold({"mode": "train", "momentum": 0.8,
                                "running_mean": rng.normal(size=C), "running_var": rng.uniform(0.5, 2, size=C)})
        name = f"spatial_batchnorm_forward in train mode for x {x_shape}"
        result = run_keeping_inputs(plan, name, "spatial_batchnorm_forward", x, gamma, beta, extra=(bn_param,))
        plan.expect_close(plan.item(result, 0, record=True), f"{name}: out", TOL)
        for key in ("running_mean", "running_var"):
            plan.expect_close(plan.item(bn_param, key, record=True), f"{name}: bn_param[{key!r}] after the call", TOL)
        test_param = {"mode": "test", "running_mean": rng.normal(size=C), "running_var": rng.uniform(0.5, 2, size=C)}
        name = f"spatial_batchnorm_forward in test mode for x {x_shape}"
        result = run(plan, name, "spatial_batchnorm_forward", x, gamma, beta, test_param)
        plan.expect_close(plan.item(result, 0, record=True), f"{name}: out", TOL)


@hidden_check(unit="spatial_batchnorm_backward", static=(forbid_loops("spatial_batchnorm_backward"),))
def spatial_batchnorm_backward(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape in ((4, 3, 5, 2), (2, 5, 3, 3), (3, 2, 4, 1)):
        C = x_shape[1]
        x, gamma, beta = 2 * rng.normal(size=x_shape) + 1, rng.normal(size=C), rng.normal(size=C)
        dout = rng.normal(size=x_shape)
        name = f"spatial_batchnorm_backward for x {x_shape}"
        forward = run(plan, f"spatial_batchnorm_forward for x {x_shape}", "spatial_batchnorm_forward", x, gamma,
                      beta, {"mode": "train"})
        grads = run(plan, name, "spatial_batchnorm_backward", dout, plan.item(forward, 1))
        expect_items_close(plan, grads, ("dx", "dgamma", "dbeta"), name, TOL_NORM_BACKWARD)


GROUPNORM_CASES = (((2, 6, 4, 5), 2), ((3, 6, 3, 2), 3), ((2, 6, 2, 3), 1), ((2, 4, 3, 3), 4), ((1, 8, 2, 2), 2))


@hidden_check(unit="spatial_groupnorm_forward", static=(forbid_loops("spatial_groupnorm_forward"),))
def spatial_groupnorm_forward(plan: Plan, rng: np.random.Generator) -> None:
    for (x_shape, G), gn_param in zip(GROUPNORM_CASES, ({}, {"eps": 1e-3}, {}, {}, {"eps": 0.5}), strict=True):
        C = x_shape[1]
        x = 4 * rng.normal(size=x_shape) + 10 * rng.normal(size=(x_shape[0], C, 1, 1))
        gamma, beta = rng.normal(size=(1, C, 1, 1)), rng.normal(size=(1, C, 1, 1))
        name = f"spatial_groupnorm_forward for x {x_shape}, G={G}, gn_param={gn_param}"
        result = run_keeping_inputs(plan, name, "spatial_groupnorm_forward", x, gamma, beta,
                                    extra=(G, gn_param))
        plan.expect_close(plan.item(result, 0, record=True), f"{name}: out", TOL)


@hidden_check(unit="spatial_groupnorm_backward", static=(forbid_loops("spatial_groupnorm_backward"),))
def spatial_groupnorm_backward(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape, G in GROUPNORM_CASES:
        C = x_shape[1]
        x = 3 * rng.normal(size=x_shape) + 2
        gamma, beta, dout = rng.normal(size=(1, C, 1, 1)), rng.normal(size=(1, C, 1, 1)), rng.normal(size=x_shape)
        name = f"spatial_groupnorm_backward for x {x_shape}, G={G}"
        forward = run(plan, f"spatial_groupnorm_forward for x {x_shape}, G={G}", "spatial_groupnorm_forward", x,
                      gamma, beta, G, {})
        grads = run(plan, name, "spatial_groupnorm_backward", dout, plan.item(forward, 1))
        expect_items_close(plan, grads, ("dx", "dgamma", "dbeta"), name, TOL_NORM_BACKWARD)


# ----------------------------------------------------------------------------------------------

PLANTED_BUGS = (
    planted_bug(
        "conv_backward_dw_overwritten", "conv_backward_naive",
        "dw += np.tensordot(d, x_pad[:, :, rows, cols], axes=(0, 0))",
        "dw = np.tensordot(d, x_pad[:, :, rows, cols], axes=(0, 0))",
        {"test_conv_backward_naive"}, "assigns dw at each output position instead of accumulating it",
    ),
    planted_bug(
        "conv_backward_pad_slice_empty", "conv_backward_naive",
        "dx = dx_pad[:, :, pad:pad + H, pad:pad + W]",
        "dx = dx_pad[:, :, pad:-pad, pad:-pad]",
        {"test_conv_backward_naive"}, "crops the padding with [pad:-pad], which is empty when pad = 0",
    ),
    planted_bug(
        "max_pool_backward_overwrites_overlaps", "max_pool_backward_naive",
        "dx[n, c, rows, cols] += dout[:, :, i, j]",
        "dx[n, c, rows, cols] = dout[:, :, i, j]",
        {"test_max_pool_backward_naive"},
        "assigns instead of adding, so an element that is the maximum of overlapping windows keeps one gradient",
    ),
    planted_bug(
        "groupnorm_dgamma_of_shape_C", "spatial_groupnorm_backward",
        "dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)  # (1, C, 1, 1)",
        "dgamma = np.sum(dout * x_hat, axis=(0, 2, 3))  # (C,)",
        {"test_spatial_groupnorm_backward"}, "returns dgamma of shape (C,) instead of gamma's (1, C, 1, 1)",
    ),
    planted_bug(
        "spatial_batchnorm_reshape_without_transpose", "spatial_batchnorm_forward",
        "x_rows = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)",
        "x_rows = x.reshape(N * H * W, C)",
        {"test_spatial_batchnorm_forward", "test_spatial_batchnorm_backward"},
        "reshapes (N, C, H, W) to (N * H * W, C) without moving the channels last (mixes channels)",
    ),
    planted_bug(
        "spatial_batchnorm_backward_4d_dout", "spatial_batchnorm_backward",
        "dx_rows, dgamma, dbeta = batchnorm_backward_alt(dout_rows, cache)",
        "dx_rows, dgamma, dbeta = batchnorm_backward_alt(dout, cache)",
        {"test_spatial_batchnorm_backward"}, "passes the 4-D dout to batch norm (raises a broadcasting error)",
    ),
    planted_bug(
        "groupnorm_loop_over_groups", "spatial_groupnorm_forward",
        "    mean = x_groups.mean(axis=(2, 3, 4), keepdims=True)  # (N, G, 1, 1, 1)\n"
        "    std = np.sqrt(x_groups.var(axis=(2, 3, 4), keepdims=True) + eps)  # (N, G, 1, 1, 1), biased variance\n",
        "    mean = np.empty((N, G, 1, 1, 1), dtype=x.dtype)\n"
        "    std = np.empty((N, G, 1, 1, 1), dtype=x.dtype)\n"
        "    for g in range(G):\n"
        "        mean[:, g] = x_groups[:, g].mean(axis=(1, 2, 3)).reshape(N, 1, 1, 1)\n"
        "        std[:, g] = np.sqrt(x_groups[:, g].var(axis=(1, 2, 3)) + eps).reshape(N, 1, 1, 1)\n",
        {"test_spatial_groupnorm_forward"}, "right values, but a Python loop over the groups",
    ),
    planted_bug(
        "cnn_reg_gradient_missing", "ThreeLayerConvNet",
        "        for name, W in ((\"W1\", W1), (\"W2\", W2), (\"W3\", W3)):\n"
        "            grads[name] += self.reg * W\n",
        "",
        {"test_ThreeLayerConvNet"}, "adds the regularization loss but not its gradient",
    ),
)

ASSIGNMENT = assignment_defined_in(
    globals(),
    units=(
        *units_in("layers", "conv_forward_naive", "conv_backward_naive", "max_pool_forward_naive",
                  "max_pool_backward_naive"),
        *units_in("classifiers.cnn", "ThreeLayerConvNet"),
        *units_in("layers", "spatial_batchnorm_forward", "spatial_batchnorm_backward", "spatial_groupnorm_forward",
                  "spatial_groupnorm_backward"),
    ),
    demo_bugs=("conv_backward_dw_overwritten", "max_pool_backward_overwrites_overlaps", "groupnorm_loop_over_groups"),
)
