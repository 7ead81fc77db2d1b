"""The batchnorm_dropout assignment: batch and layer normalization, inverted dropout, and the
FullyConnectedNet that uses them.

One notebook (CS231n's BatchNormalization.ipynb and Dropout.ipynb in sequence). FullyConnectedNet
itself was graded in two_layer_net and ships solved; what it does with normalization or dropout
is its method normalized_loss(self, X, y), a unit of this assignment that the notebook defines as
a function of the same signature, which the student package's class calls. The hidden checks bind
the notebook's normalized_loss to each model they build (see _normalized_net), so they grade the
student's function and not whatever the class holds.

Backward checks feed the student's backward the cache of the student's own forward (CS231n leaves
the cache's content to the student), so a wrong training-mode forward costs them too; wrong
running averages or test mode do not.
"""

from __future__ import annotations

import numpy as np

from ..check_helpers import expect_loss_and_grads, explain_with_layers, run, run_keeping_inputs
from ..checks import hidden_check
from ..compare import CheckFailure
from ..course import Unit, assignment_defined_in, units_in
from ..plan import Plan, RandomNormal, StepRef
from ..samples import planted_bug
from ..student_code import forbid_loops
from .batchnorm_dropout_alternatives import batchnorm_dropout_alternatives

# Float64 results are compared at 1e-9 (TOL): a different but correct formula for the same
# normalization differs by ~1e-13 relative; a wrong one by far more than 1e-3. Every check here is
# well conditioned (at most a few forward and backward passes; no training loop), so all compare
# tightly. Float32 inputs are graded by value at 1e-5 (TOL32; plan.expect_close's by_value), not by
# the output's dtype. The same tolerances as two_layer_net, whose layers these networks use.
TOL = 1e-9
TOL32 = 1e-5


def _forward(plan: Plan, unit: str, x, gamma, beta, param, name: str,
             keeping_inputs: bool = False) -> tuple[StepRef, StepRef]:
    """The unit's (out, cache); with keeping_inputs, also expect x, gamma and beta unchanged."""
    if keeping_inputs:
        result = run_keeping_inputs(plan, name, unit, x, gamma, beta, extra=(param,))
    else:
        result = run(plan, name, unit, x, gamma, beta, param)
    return plan.item(result, 0, record=True), plan.item(result, 1)


def _backward_of_own_forward(plan: Plan, rng: np.random.Generator, forward: str, backward: str, cases) -> None:
    """The student's backward on the cache of the student's forward, against the reference's."""
    for N, D, scale, shift in cases:
        x = scale * rng.normal(size=(N, D)) + shift
        gamma, beta, dout = rng.normal(size=D), rng.normal(size=D), rng.normal(size=(N, D))
        param = {"mode": "train"} if forward == "batchnorm_forward" else {}
        _, cache = _forward(plan, forward, x, gamma, beta, param, f"{forward} (train) for x of shape {(N, D)}")
        grads = run(plan, f"{backward} for x of shape {(N, D)}", backward, dout, cache)
        for index, gradient in enumerate(("dx", "dgamma", "dbeta")):
            plan.expect_close(plan.item(grads, index, record=True), f"{backward} {gradient} for x of shape {(N, D)}",
                              TOL)


def _expect_forward_outputs(plan: Plan, rng: np.random.Generator, unit: str, mode: str, param_name: str, cases,
                            draw_x, float32_shape: tuple[int, int], float32_param: dict) -> None:
    """The unit's out for each (N, D, param) of cases, inputs left unchanged; then for float32 inputs.

    draw_x(N, D) draws x. Float32 inputs are graded by value (the dtype of out is not part of the contract).
    """
    for N, D, param in cases:
        x = draw_x(N, D)
        gamma, beta = rng.normal(size=D), rng.normal(size=D)
        label = f"{unit} (train) {param}" if mode else f"{unit} {param}"
        out, _ = _forward(plan, unit, x, gamma, beta, param, label, keeping_inputs=True)
        plan.expect_close(out, f"{unit} out {mode}for x of shape {(N, D)}, {param_name}={param}", TOL)
    N, D = float32_shape
    x32 = rng.uniform(0.5, 1.5, size=(N, D)).astype(np.float32)
    gamma32, beta32 = (rng.uniform(0.5, 1.5, size=D).astype(np.float32) for _ in range(2))
    out, _ = _forward(plan, unit, x32, gamma32, beta32, float32_param, f"{unit} float32")
    plan.expect_close(out, f"{unit} out for float32 x of shape {float32_shape}", TOL32, by_value=True)


# ----------------------------------------------------------------------------------------------
# Batch normalization


@hidden_check(unit="batchnorm_forward", static=(forbid_loops("batchnorm_forward"),))
def batchnorm_forward_train(plan: Plan, rng: np.random.Generator) -> None:
    cases = ((8, 5, {"mode": "train"}), (3, 7, {"mode": "train", "eps": 1e-2}), (2, 4, {"mode": "train"}))
    _expect_forward_outputs(plan, rng, "batchnorm_forward", "in train mode ", "bn_param", cases,
                            lambda N, D: 3 * rng.normal(size=(N, D)) - 2, (6, 4), {"mode": "train"})


@hidden_check(unit="batchnorm_forward")
def batchnorm_forward_running(plan: Plan, rng: np.random.Generator) -> None:
    N, D = 10, 6
    gamma, beta = rng.normal(size=D), rng.normal(size=D)
    for label, param in (("from no running averages", {"mode": "train"}),
                         ("from given running averages with momentum 0.5",
                          {"mode": "train", "momentum": 0.5, "running_mean": rng.normal(size=D),
                           "running_var": rng.uniform(0.5, 2.0, size=D)})):
        bn_param = plan.hold(param)
        for step in range(1, 4):
            x = rng.normal(size=(N, D)) * rng.uniform(0.5, 3, size=D) + rng.normal(size=D)
            _forward(plan, "batchnorm_forward", x, gamma, beta, bn_param, f"batchnorm_forward step {step}")
            for key in ("running_mean", "running_var"):
                value = plan.item(bn_param, key, record=True)
                plan.expect_close(value, f"bn_param[{key!r}] after {step} training steps {label}", TOL)
        plan.set_item(bn_param, "mode", "test")
        x = rng.normal(size=(7, D))
        out, _ = _forward(plan, "batchnorm_forward", x, gamma, beta, bn_param, "batchnorm_forward (test)")
        plan.expect_close(out, f"batchnorm_forward out in test mode after 3 training steps {label}", TOL)
        for key in ("running_mean", "running_var"):
            value = plan.item(bn_param, key, record=True)
            plan.expect_close(value, f"bn_param[{key!r}] after a test-mode call (it must not change)", TOL)


@hidden_check(unit="batchnorm_backward", static=(forbid_loops("batchnorm_backward"),))
def batchnorm_backward(plan: Plan, rng: np.random.Generator) -> None:
    _backward_of_own_forward(plan, rng, "batchnorm_forward", "batchnorm_backward",
                             ((6, 3, 5.0, 12.0), (2, 7, 1.0, 0.0), (11, 4, 0.1, -3.0)))


@hidden_check(unit="batchnorm_backward_alt", static=(forbid_loops("batchnorm_backward_alt"),))
def batchnorm_backward_alt(plan: Plan, rng: np.random.Generator) -> None:
    # No speed check: the alternative is faster than the graph version by a factor that depends
    # on the machine's load and BLAS, not robust enough to grade; the loop ban is.
    _backward_of_own_forward(plan, rng, "batchnorm_forward", "batchnorm_backward_alt",
                             ((9, 4, 5.0, 12.0), (3, 8, 1.0, 0.0), (20, 30, 2.0, 1.0)))


# ----------------------------------------------------------------------------------------------
# Layer normalization


@hidden_check(unit="layernorm_forward", static=(forbid_loops("layernorm_forward"),))
def layernorm_forward(plan: Plan, rng: np.random.Generator) -> None:
    # ln_param holds eps only (CS231n's contract): no "mode" key is passed.
    cases = ((5, 8, {}), (1, 6, {}), (4, 3, {"eps": 1e-2}), (3, 5, {}))
    _expect_forward_outputs(plan, rng, "layernorm_forward", "", "ln_param", cases,
                            lambda N, D: 2 * rng.normal(size=(N, D)) + rng.normal(size=(N, 1)), (4, 6), {})


@hidden_check(unit="layernorm_backward", static=(forbid_loops("layernorm_backward"),))
def layernorm_backward(plan: Plan, rng: np.random.Generator) -> None:
    _backward_of_own_forward(plan, rng, "layernorm_forward", "layernorm_backward",
                             ((5, 3, 5.0, 12.0), (1, 6, 1.0, 0.0), (7, 9, 0.3, -2.0)))


# ----------------------------------------------------------------------------------------------
# Dropout


def _dropout_statistics(x: np.ndarray, p: float, name: str):
    """An expectation on [out, ...]: kept units are x / p, the kept fraction is about p."""

    def check(got, expected):
        out = np.asarray(got[0], dtype=np.float64)
        if out.shape != x.shape:
            raise CheckFailure(f"{name}: out has shape {out.shape}, expected {x.shape}")
        kept = out != 0
        if not np.allclose(out[kept], x[kept] / p, rtol=1e-6, atol=0):
            raise CheckFailure(f"{name}: a kept unit should be x / p (inverted dropout); "
                               f"got {out[kept][0]:.6g} for x = {x[kept][0]:.6g}, p = {p}")
        fraction, sigma = kept.mean(), np.sqrt(p * (1 - p) / x.size)
        if abs(fraction - p) > 6 * sigma:
            raise CheckFailure(f"{name}: kept {fraction:.3f} of the units, expected about p = {p} "
                               "(p is the probability of keeping a unit)")
        return [f"{name}: kept {fraction:.3f} of the units (p = {p}), kept units equal x / p"]

    return check


@hidden_check(unit="dropout_forward", static=(forbid_loops("dropout_forward"),))
def dropout_forward(plan: Plan, rng: np.random.Generator) -> None:
    # With a seed the mask is defined exactly: np.random.seed(seed), then (np.random.rand(*shape) < p) / p.
    for shape, p, dtype in (((6, 7), 0.3, np.float64), ((2, 3, 4), 0.8, np.float64), ((5, 4), 0.5, np.float32)):
        x = rng.normal(size=shape).astype(dtype)
        seed = int(rng.integers(1000))
        for call in (1, 2):  # the seed is applied at every call: the same mask twice
            result = run_keeping_inputs(plan, "dropout_forward", "dropout_forward", x,
                                        extra=({"mode": "train", "p": p, "seed": seed},))
            out = plan.item(result, 0, record=True)
            name = f"dropout_forward (train, p={p}, seed={seed}) out for {np.dtype(dtype).name} x of shape {shape}"
            tol = TOL if dtype == np.float64 else TOL32
            plan.expect_close(out, f"{name}, call {call}", tol, by_value=tol >= TOL32)
            plan.call("seed_numpy", 7)  # moves the global stream on; the next call must reseed
    # Without a seed: statistics only (any random stream is fine).
    for p in (0.25, 0.7):
        x = RandomNormal(3407, (200, 150))
        x_values = np.random.default_rng(3407).standard_normal((200, 150)) + 0.0
        result = run(plan, "dropout_forward", "dropout_forward", x, {"mode": "train", "p": p})
        out = plan.item(result, 0)
        plan.expect(plan.hold([out], record=True), f"dropout_forward (train, p={p}) without a seed",
                    _dropout_statistics(x_values, p, f"dropout_forward (train, p={p}) on x of shape (200, 150)"))
    x = rng.normal(size=(4, 5))
    for p, seed in ((0.4, None), (0.4, 3)):
        param = {"mode": "test", "p": p} if seed is None else {"mode": "test", "p": p, "seed": seed}
        out = plan.item(run(plan, "dropout_forward", "dropout_forward", x, param), 0, record=True)
        plan.expect_close(out, f"dropout_forward in test mode with {param} (the identity)", TOL)


def _consistent_backward(x: np.ndarray, dout: np.ndarray, name: str):
    """An expectation on [out, dx] of one train-mode forward and its backward: dx = dout * out / x."""

    def check(got, expected):
        out, dx = (np.asarray(v, dtype=np.float64) for v in got)
        if dx.shape != dout.shape:
            raise CheckFailure(f"{name}: dx has shape {dx.shape}, expected {dout.shape}")
        wanted = dout * out / x  # the mask the forward applied, times dout
        error = np.max(np.abs(dx - wanted) / np.maximum(1e-8, np.abs(dx) + np.abs(wanted)))
        if not error <= 1e-9:
            index = np.unravel_index(np.argmax(np.abs(dx - wanted)), dx.shape)
            raise CheckFailure(f"{name}: dx should be dout times the mask of the forward pass (0 where a unit "
                               f"was dropped, 1 / p where kept); at index {tuple(int(i) for i in index)} got "
                               f"{dx[index]:.6g}, expected {wanted[index]:.6g}")
        return [f"{name}: dx matches the forward pass's mask (relative error {error:.1e})"]

    return check


@hidden_check(unit="dropout_backward", static=(forbid_loops("dropout_backward"),))
def dropout_backward(plan: Plan, rng: np.random.Generator) -> None:
    for shape, p in (((30, 20), 0.3), ((4, 5, 6), 0.75)):
        x, dout = rng.uniform(0.5, 2.0, size=shape), rng.normal(size=shape)
        name = f"dropout_backward (train, p={p}) for x of shape {shape}"
        forward = run(plan, "dropout_forward", "dropout_forward", x, {"mode": "train", "p": p})
        out, cache = plan.item(forward, 0), plan.item(forward, 1)
        dx = run(plan, name, "dropout_backward", dout, cache)
        plan.expect(plan.hold([out, dx], record=True), name, _consistent_backward(x, dout, name))
    x, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    _, cache = (plan.item(run(plan, "dropout_forward", "dropout_forward", x, {"mode": "test", "p": 0.5}), i)
                for i in range(2))
    dx = run(plan, "dropout_backward in test mode", "dropout_backward", dout, cache)
    plan.expect_close(dx, "dropout_backward dx in test mode (dout unchanged)", TOL)


# ----------------------------------------------------------------------------------------------
# FullyConnectedNet with normalization and dropout


def _normalized_net(plan: Plan, name: str, *args, **kwargs) -> StepRef:
    """FullyConnectedNet(*args, **kwargs) whose normalized_loss is the notebook's."""
    model = run(plan, name, "FullyConnectedNet", *args, **kwargs)
    method = plan.call("normalized_loss.__get__", model)  # bound to this model, like a method
    plan.call(f"{model}.__setattr__", "normalized_loss", method)
    return model


def _cs231n_initial_losses(plan: Plan, normalization=None, keep_ratios=(1,)) -> None:
    """CS231n's check (a batch of 2 drawn after np.random.seed(231), a [20, 30] network, weight scale 5e-2).

    The notebook's visible cell reproduces CS231n's published losses; here each network is seeded
    on its own, so that one wrong network does not change the weights of the next.
    """
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    state = np.random.RandomState(231)
    X, y = state.randn(N, D), state.randint(C, size=(N,))
    for reg in ((0.0, 3.14) if normalization else (0.0,)):
        for keep in keep_ratios:
            plan.call("seed_numpy", 231 + int(100 * reg) + int(100 * keep))
            kwargs = {"normalization": normalization} if normalization else {"dropout_keep_ratio": keep, "seed": 123}
            net = f"FullyConnectedNet([20, 30], reg={reg}, {', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
            model = _normalized_net(plan, net, [H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2,
                                    dtype="float64", **kwargs)
            name = f"{net} on CS231n's batch of 2"
            expect_loss_and_grads(plan, run(plan, name, f"{model}.loss", X, y), name, TOL)


def _deeper_nets(plan: Plan, rng: np.random.Generator, configs, test_mode: bool = True) -> None:
    C = 4
    for seed, hidden_dims, x_shape, reg, kwargs in configs:
        plan.call("seed_numpy", seed)
        net = f"FullyConnectedNet({hidden_dims}, reg={reg}, {', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
        D = int(np.prod(x_shape[1:]))
        model = _normalized_net(plan, net, hidden_dims, input_dim=D, num_classes=C, reg=reg, weight_scale=0.3,
                                dtype="float64", **kwargs)
        # Nonzero biases (and gammas, betas): with zero ones a layer whose units are all dropped feeds
        # exact zeros to the next ReLU, where the subgradient at 0 (not part of the contract) decides.
        dims = [D, *hidden_dims, C]
        values = {}
        for i in range(1, len(dims)):
            values[f"W{i}"] = 0.3 * rng.normal(size=(dims[i - 1], dims[i]))
            values[f"b{i}"] = 0.3 * rng.normal(size=dims[i])
            if kwargs.get("normalization") and i < len(dims) - 1:
                values[f"gamma{i}"] = rng.uniform(0.5, 1.5, size=dims[i])
                values[f"beta{i}"] = 0.3 * rng.normal(size=dims[i])
        plan.call(f"{model}.params.update", values)
        for step in (1, 2):  # two training batches: batch norm's running averages move
            X, y = rng.normal(size=x_shape), rng.integers(0, C, size=x_shape[0])
            name = f"{net}, training batch {step} of shape {x_shape}"
            expect_loss_and_grads(plan, run(plan, name, f"{model}.loss", X, y), name, TOL)
        if not test_mode:
            continue
        X_test = rng.normal(size=(3, *x_shape[1:]))
        scores = run(plan, f"{net} test-mode scores", f"{model}.loss", X_test)
        plan.expect_close(scores, f"{net}: test-mode scores (y=None) after 2 training batches", TOL)


def _explain_with_layers(plan: Plan, start: int, *checks: str) -> None:
    """A failure of normalized_loss names those of the notebook's layers that fail their own checks."""
    explain_with_layers(plan, start, "Your normalized_loss", tuple(f"batchnorm_dropout.{c}" for c in checks))


def _normalized_nets(plan: Plan, rng: np.random.Generator, normalization: str, deeper_configs,
                     layer_checks: tuple[str, ...]) -> None:
    """normalized_loss with this normalization: CS231n's initial losses, then the deeper nets
    (seed, hidden_dims, x_shape, reg) of deeper_configs; a failure names the layer_checks that fail too."""
    start = len(plan.expectations)
    _cs231n_initial_losses(plan, normalization=normalization)
    _deeper_nets(plan, rng, [(*config, {"normalization": normalization}) for config in deeper_configs])
    _explain_with_layers(plan, start, *layer_checks)


@hidden_check(unit="normalized_loss")
def fc_net_batchnorm(plan: Plan, rng: np.random.Generator) -> None:
    _normalized_nets(plan, rng, "batchnorm", [(3409, [6, 5, 7], (8, 3, 2, 2), 0.7), (3410, [5], (5, 6), 0.0)],
                     ("batchnorm_forward_train", "batchnorm_forward_running", "batchnorm_backward_alt"))


@hidden_check(unit="normalized_loss")
def fc_net_layernorm(plan: Plan, rng: np.random.Generator) -> None:
    _normalized_nets(plan, rng, "layernorm", [(3411, [6, 5, 7], (8, 3, 2, 2), 0.7), (3412, [5], (1, 6), 0.2)],
                     ("layernorm_forward", "layernorm_backward"))


@hidden_check(unit="normalized_loss")
def fc_net_dropout(plan: Plan, rng: np.random.Generator) -> None:
    start = len(plan.expectations)
    # With seed=... every dropout layer reseeds, so losses and gradients are defined exactly.
    _cs231n_initial_losses(plan, keep_ratios=(0.75, 0.5))
    _deeper_nets(plan, rng, [(3413, [6, 5, 7], (8, 3, 2, 2), 0.3, {"dropout_keep_ratio": 0.6, "seed": 5})])
    # Dropout after batch norm and ReLU. Training batches only, and layers of one width: batch
    # norm's running averages (graded in test_fc_net_batchnorm) play no part here.
    _deeper_nets(plan, rng, [(3414, [7, 7], (6, 5), 0.0,
                              {"dropout_keep_ratio": 0.5, "seed": 9, "normalization": "batchnorm"})], test_mode=False)
    _explain_with_layers(plan, start, "dropout_forward", "dropout_backward", "batchnorm_forward_train",
                         "batchnorm_backward_alt")


# ----------------------------------------------------------------------------------------------

PLANTED_BUGS = (
    planted_bug(
        "bn_forward_centers_x_in_place", "batchnorm_forward",
        "        x_centered = x - sample_mean  # (N, D)\n",
        "        x -= sample_mean  # centers the caller's array\n        x_centered = x\n",
        {"test_batchnorm_forward_train"},
        "centers x in place, changing the caller's array (every output stays right)",
    ),
    planted_bug(
        # (Zeroing only the dropped units keeps numerical gradients right, so test_dropout_backward's
        # visible check, which perturbs x through this forward, still passes: one cell, one bug.)
        "dropout_forward_zeroes_x_in_place", "dropout_forward",
        "        out = x * mask\n",
        "        x[mask == 0] = 0  # zeroes the dropped units of the caller's array\n        out = x * mask\n",
        {"test_dropout_forward"},
        "zeroes the dropped units of x in place, changing the caller's array (out stays right)",
    ),
    planted_bug(
        "fcn_normalized_last_layer_unregularized", "normalized_loss",
        "    for i in range(1, L + 1):\n        W = self.params",
        "    for i in range(1, L):\n        W = self.params",
        {"test_fc_net_batchnorm", "test_fc_net_layernorm", "test_fc_net_dropout"},
        "regularizes every weight matrix but the last layer's",
    ),
    planted_bug(
        "bn_backward_skips_variance_path", "batchnorm_backward",
        "    dx_centered += 2 * x_centered * dvar / N  # var = mean(x_centered**2)\n",
        "",
        {"test_batchnorm_backward"},
        "forgets that the variance depends on x (backpropagates through the numerator only)",
    ),
    planted_bug(
        "bn_alt_loop_over_features", "batchnorm_backward_alt",
        "    dx = gamma / std * (dout - (dbeta + x_hat * dgamma) / dout.shape[0])  # (N, D)\n",
        "    dx = np.empty_like(dout)\n"
        "    for j in range(dout.shape[1]):\n"
        "        dx[:, j] = gamma[j] / std[j] * (dout[:, j] - (dbeta[j] + x_hat[:, j] * dgamma[j]) / dout.shape[0])\n",
        {"test_batchnorm_backward_alt"}, "right values, but a Python loop over the features",
    ),
    planted_bug(
        "bn_running_var_momentum_swapped", "batchnorm_forward",
        "running_var = momentum * running_var + (1 - momentum) * sample_var",
        "running_var = (1 - momentum) * running_var + momentum * sample_var",
        {"test_batchnorm_forward_running", "test_fc_net_batchnorm"},
        "swaps momentum and 1 - momentum in the running variance (training outputs stay right)",
    ),
    planted_bug(
        "dropout_p_as_drop_probability", "dropout_forward",
        "mask = (np.random.rand(*x.shape) < p) / p",
        "mask = (np.random.rand(*x.shape) >= p) / p",
        {"test_dropout_forward", "test_fc_net_dropout"},
        "treats p as the probability of dropping a unit (the backward stays consistent with its mask)",
    ),
    planted_bug(
        "layernorm_backward_mean_without_keepdims", "layernorm_backward",
        "dx = (dx_hat - dx_hat.mean(axis=1, keepdims=True)",
        "dx = (dx_hat - dx_hat.mean(axis=1)",
        {"test_layernorm_backward", "test_fc_net_layernorm"},
        "takes the per-example mean without keepdims (raises a broadcasting error)",
    ),
    planted_bug(
        "fcn_one_bn_param_for_all_layers", "normalized_loss",
        "norm_forward(hidden, gamma, beta, self.bn_params[i - 1])",
        "norm_forward(hidden, gamma, beta, self.bn_params[0])",
        {"test_fc_net_batchnorm"},
        "shares the first layer's bn_param between all layers (running averages of the wrong size)",
    ),
)

UNITS = (
    *units_in("layers", "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt", "layernorm_forward",
              "layernorm_backward", "dropout_forward", "dropout_backward"),
    Unit("normalized_loss", "classifiers.fc_net", method_of="FullyConnectedNet"),
)

PLANTED_ALTERNATIVES = batchnorm_dropout_alternatives({unit.name: unit for unit in UNITS})

ASSIGNMENT = assignment_defined_in(
    globals(),
    units=UNITS,
    demo_bugs=("bn_backward_skips_variance_path", "bn_alt_loop_over_features", "dropout_p_as_drop_probability"),
)
