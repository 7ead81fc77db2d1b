"""The two_layer_net assignment: layers, TwoLayerNet, FullyConnectedNet and update rules.

One notebook (CS231n's two_layer_net.ipynb and FullyConnectedNets.ipynb in
sequence): the networks are built from the student's own layers, which the
notebook defines, so everything that uses them lives in the same notebook.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from ..check_helpers import (
    expect_dtypes,
    expect_items_close,
    expect_loss_and_grads,
    explain_with_layers,
    run,
    run_keeping_inputs,
)
from ..checks import checks_defined_in, hidden_check
from ..compare import CheckFailure
from ..course import Assignment, Unit
from ..plan import Plan, StepRef, result_value
from ..samples import planted_bug
from ..student_code import forbid_loops
from .two_layer_net_alternatives import two_layer_net_alternatives

# Tolerances (the notebook's visible checks print and use the same ones). Every check here is well
# conditioned (one forward or backward pass, one optimizer step, a loss on fixed inputs) except the
# two training checks, which are judged by outcome (see _gradient_descent).
# Float64 results are compared at 1e-9: a different but correct order of the same operations
# differs by ~1e-14, far below it; a wrong formula is off by more than 1e-3. Entries far below the
# largest one (a gradient that is mathematically zero) are compared on that largest entry's scale
# (compare.SCALE_FLOOR), never by their own relative error.
# Float32 inputs: the contract grades values, not the output's dtype (CS231n's own layers may
# compute in float64), so float32 cases are compared by value (plan.expect_close's by_value: every
# entry on the scale of the largest) at 1e-5, far above float32 rounding (~1e-7 per operation) and
# far below any wrong formula. A comparison at TOL32 is one of float32 results, hence
# by_value=tol >= TOL32 where the tolerance varies.
TOL = 1e-9
TOL32 = 1e-5


# ----------------------------------------------------------------------------------------------
# Expectations this assignment adds to the plan's own (accuracy bounds).


def expect_accuracy_at_least(plan: Plan, scores: StepRef, labels: np.ndarray, name: str,
                             bound: float | None = None, below_reference: float = 0.02) -> None:
    """The class scores of a student's trained model classify enough of labels correctly.

    Enough is bound, or (bound None) the reference model's accuracy minus below_reference: the
    embedded data may be retuned, so a fixed number would drift; grading_tests checks that the
    reference stays far above chance.
    """

    def accuracy(values) -> float:
        return float(np.mean(np.argmax(values, axis=1) == labels))

    def expectation(student, reference):
        got = result_value(student, scores, name)
        if not isinstance(got, np.ndarray) or got.ndim != 2 or len(got) != len(labels):
            raise CheckFailure(f"{name}: expected scores of shape ({len(labels)}, C), got {np.shape(got)}")
        if not np.all(np.isfinite(got)):
            raise CheckFailure(f"{name}: the scores contain inf or nan")
        reference_accuracy = accuracy(result_value(reference, scores, name, trusted=True))
        required = bound if bound is not None else reference_accuracy - below_reference
        context = f"the staff model reaches {reference_accuracy:.3f}; chance is {1 / got.shape[1]:.2f}"
        if not accuracy(got) >= required:
            raise CheckFailure(f"{name}: accuracy {accuracy(got):.3f}, expected at least {required:.3f} ({context})")
        return [f"{name}: accuracy {accuracy(got):.3f} >= {required:.3f} ({context})"]

    plan.expectations.append(expectation)


NET_LAYERS = tuple(f"two_layer_net.{name}" for name in (
    "affine_forward", "affine_backward", "relu_forward", "relu_backward", "affine_relu_forward",
    "affine_relu_backward", "softmax_loss"))


# ----------------------------------------------------------------------------------------------
# Layers


@hidden_check(unit="affine_forward", static=(forbid_loops("affine_forward"),))
def affine_forward(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape, M in (((7, 5), 3), ((4, 3, 2, 5), 6), ((1, 2, 3, 4, 2), 2)):
        D = int(np.prod(x_shape[1:]))
        x, w, b = rng.normal(size=x_shape), rng.normal(size=(D, M)), rng.normal(size=M)
        out = run(plan, f"affine_forward for x of shape {x_shape}", "affine_forward", x, w, b)
        out = plan.item(out, 0, record=True)
        plan.expect_close(out, f"affine_forward out for x of shape {x_shape}, w of shape {(D, M)}", TOL)
    x32 = rng.uniform(0.5, 1.5, size=(6, 2, 2, 2)).astype(np.float32)
    w32 = rng.uniform(0.5, 1.5, size=(8, 5)).astype(np.float32)
    b32 = rng.uniform(0.5, 1.5, size=5).astype(np.float32)
    result = run_keeping_inputs(plan, "affine_forward with float32 inputs", "affine_forward", x32, w32, b32)
    plan.expect_close(plan.item(result, 0, record=True), "affine_forward out for float32 inputs", TOL32,
                      by_value=True)


@hidden_check(unit="affine_backward", static=(forbid_loops("affine_backward"),))
def affine_backward(plan: Plan, rng: np.random.Generator) -> None:
    cases = [(rng.normal(size=(6, 4)), 3, np.float64), (rng.normal(size=(5, 2, 3, 2)), 4, np.float64),
             (rng.uniform(0.5, 1.5, size=(4, 3, 2)), 5, np.float32)]
    for x, M, dtype in cases:
        x = x.astype(dtype)
        D = int(np.prod(x.shape[1:]))
        positive = dtype == np.float32  # no cancellation, so float32 rounding stays ~1e-7 relative
        draw = (lambda *s: rng.uniform(0.5, 1.5, size=s)) if positive else (lambda *s: rng.normal(size=s))
        w, b, dout = (draw(D, M).astype(dtype), draw(M).astype(dtype), draw(x.shape[0], M).astype(dtype))
        # The cache is (x, w, b), as the given code of affine_forward builds it: affine_forward's
        # own bugs cost nothing here.
        grads = run(plan, f"affine_backward for x of shape {x.shape}", "affine_backward", dout, (x, w, b))
        expect_items_close(plan, grads, ("dx", "dw", "db"),
                           f"affine_backward for {np.dtype(dtype).name} x of shape {x.shape}",
                           TOL32 if positive else TOL, by_value=positive)


@hidden_check(unit="relu_forward", static=(forbid_loops("relu_forward"),))
def relu_forward(plan: Plan, rng: np.random.Generator) -> None:
    cases = [rng.normal(size=(5, 7)), rng.normal(size=(2, 3, 4, 2)).astype(np.float32),
             np.array([[-1.5, 0.0, 2.0], [0.0, -0.0, 3.5]])]
    for x in cases:
        name = f"relu_forward on {x.dtype} x of shape {x.shape}"
        result = run_keeping_inputs(plan, name, "relu_forward", x)
        plan.expect_close(plan.item(result, 0, record=True), name + " (out)", TOL)


@hidden_check(unit="relu_backward", static=(forbid_loops("relu_backward"),))
def relu_backward(plan: Plan, rng: np.random.Generator) -> None:
    for shape, dtype in (((6, 5), np.float64), ((3, 2, 4, 3), np.float64), ((4, 9), np.float32)):
        x, dout = rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype)
        # The cache is x, as the given code of relu_forward builds it.
        dx = run(plan, f"relu_backward for x of shape {shape}", "relu_backward", dout, x)
        plan.expect_close(dx, f"relu_backward dx for {np.dtype(dtype).name} x of shape {shape}", TOL)


@hidden_check(unit="affine_relu_forward")
def affine_relu_forward(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape, M in (((5, 4), 6), ((3, 2, 3, 2), 5)):
        D = int(np.prod(x_shape[1:]))
        x, w, b = rng.normal(size=x_shape), rng.normal(size=(D, M)), rng.normal(size=M)
        result = run(plan, f"affine_relu_forward for x of shape {x_shape}", "affine_relu_forward", x, w, b)
        out = plan.item(result, 0, record=True)
        plan.expect_close(out, f"affine_relu_forward out for x of shape {x_shape}", TOL)


@hidden_check(unit="affine_relu_backward")
def affine_relu_backward(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape, M in (((5, 4), 6), ((3, 2, 3, 2), 5)):
        D = int(np.prod(x_shape[1:]))
        x, w, b = rng.normal(size=x_shape), rng.normal(size=(D, M)), rng.normal(size=M)
        dout = rng.normal(size=(x_shape[0], M))
        cache = plan.item(run(plan, "affine_relu_forward", "affine_relu_forward", x, w, b), 1)
        grads = run(plan, f"affine_relu_backward for x of shape {x_shape}", "affine_relu_backward", dout, cache)
        expect_items_close(plan, grads, ("dx", "dw", "db"), f"affine_relu_backward for x of shape {x_shape}", TOL)


def _loss_layer(plan: Plan, rng: np.random.Generator, unit: str, stable_scale: bool) -> None:
    cases = [("", rng.normal(size=(9, 4)), rng.integers(0, 4, size=9), TOL),
             ("one example, ", rng.normal(size=(1, 6)), np.array([5]), TOL),
             # Float32 scores: graded by value, whatever the dtype of loss and dx.
             ("float32, ", rng.normal(size=(8, 3)).astype(np.float32), rng.integers(0, 3, size=8), TOL32)]
    if stable_scale:
        # Scores in the thousands overflow exp() unless each row is shifted by its maximum. The
        # contract asks for that shift only, not for log-sum-exp: every score stays within 30 of
        # its row's maximum, so the correct class's probability (>= e^-60) does not underflow.
        offsets = 1000 * rng.choice([-3.0, -1.0, 1.0, 2.0], size=(6, 1))
        cases.append(("large scores, ", offsets + 10 * rng.uniform(-1, 1, size=(6, 5)), rng.integers(0, 5, size=6),
                      TOL))
    for label, x, y, tol in cases:
        name = f"{unit} on {label}scores of shape {x.shape}"
        result = run_keeping_inputs(plan, name, unit, x, y)
        plan.expect_close(plan.item(result, 0, record=True), name + ": loss", tol)
        plan.expect_close(plan.item(result, 1, record=True), name + ": dx", tol, by_value=tol >= TOL32)


@hidden_check(unit="svm_loss", static=(forbid_loops("svm_loss"),))
def svm_loss(plan: Plan, rng: np.random.Generator) -> None:
    _loss_layer(plan, rng, "svm_loss", stable_scale=True)


@hidden_check(unit="softmax_loss", static=(forbid_loops("softmax_loss"),))
def softmax_loss(plan: Plan, rng: np.random.Generator) -> None:
    _loss_layer(plan, rng, "softmax_loss", stable_scale=True)


# ----------------------------------------------------------------------------------------------
# Networks


@hidden_check(unit="TwoLayerNet")
def TwoLayerNet(plan: Plan, rng: np.random.Generator) -> None:
    start = len(plan.expectations)
    # Initialization: W1 then W2 from np.random (seeded here), biases zero.
    plan.call("seed_numpy", 3309)
    model = run(plan, "TwoLayerNet(...)", "TwoLayerNet", input_dim=12, hidden_dim=7, num_classes=4,
                weight_scale=0.3)
    plan.expect_close(plan.call(f"{model}.params.copy", record=True),
                      "TwoLayerNet(input_dim=12, hidden_dim=7, num_classes=4, weight_scale=0.3).params "
                      "after np.random.seed(3309)", TOL)
    # Scores, loss and gradients on 4-D inputs with the parameters set to fixed values.
    N, D, H, C = 5, 12, 7, 4
    plan.call(f"{model}.params.update", {"W1": rng.normal(size=(D, H)), "b1": rng.normal(size=H),
                                         "W2": rng.normal(size=(H, C)), "b2": rng.normal(size=C)})
    X, y = rng.normal(size=(N, 3, 2, 2)), rng.integers(0, C, size=N)
    plan.expect_close(plan.call(f"{model}.loss", X, record=True), "TwoLayerNet scores for X of shape (5, 3, 2, 2)",
                      TOL)
    for reg in (0.0, 0.7):
        plan.call(f"{model}.__setattr__", "reg", reg)
        expect_loss_and_grads(plan, plan.call(f"{model}.loss", X, y), f"TwoLayerNet with reg={reg}", TOL)
    explain_with_layers(plan, start, "TwoLayerNet", NET_LAYERS)


@hidden_check(unit="FullyConnectedNet")
def FullyConnectedNet(plan: Plan, rng: np.random.Generator) -> None:
    start = len(plan.expectations)
    C = 5
    for seed, hidden_dims, input_dim, reg, dtype, x_shape in (
        (3310, [6, 5], 8, 0.0, "float64", (4, 8)),
        (3311, [4], 6, 0.5, "float64", (3, 2, 3)),  # one hidden layer: CS231n's nets have at least one
        (3312, [7, 3, 4], 12, 1.3, "float64", (6, 3, 2, 2)),
        (3313, [9, 6], 10, 0.2, "float32", (5, 10)),
    ):
        plan.call("seed_numpy", seed)
        net = f"FullyConnectedNet({hidden_dims}, input_dim={input_dim}, reg={reg}, dtype={dtype})"
        model = run(plan, net, "FullyConnectedNet", hidden_dims, input_dim=input_dim, num_classes=C, reg=reg,
                    weight_scale=0.2, dtype=dtype)
        params = plan.call(f"{model}.params.copy", record=True)
        tol = TOL if dtype == "float64" else TOL32
        plan.expect_close(params, f"{net}.params after np.random.seed({seed})", tol, by_value=tol >= TOL32)
        # The dtype option is CS231n's contract: every parameter is stored in dtype (the given code
        # casts them). The dtype of scores and gradients follows the layers, whose dtype is not graded.
        expect_dtypes(plan, params, f"{net}.params", why=f"the network's dtype option, {dtype}")
        # Then nonzero parameters, biases included: with zero biases a unit of a narrow layer can be
        # exactly 0, where ReLU's subgradient (not part of the contract) would decide the gradients.
        dims = [input_dim, *hidden_dims, C]
        values = {}
        for i in range(len(dims) - 1):
            values[f"W{i + 1}"] = (0.3 * rng.normal(size=(dims[i], dims[i + 1]))).astype(dtype)
            values[f"b{i + 1}"] = (0.3 * rng.normal(size=dims[i + 1])).astype(dtype)
        plan.call(f"{model}.params.update", values)
        X, y = rng.normal(size=x_shape), rng.integers(0, C, size=x_shape[0])
        plan.expect_close(plan.call(f"{model}.loss", X, record=True), f"{net}: scores for X of shape {x_shape}", tol,
                          by_value=tol >= TOL32)
        expect_loss_and_grads(plan, plan.call(f"{model}.loss", X, y), f"{net} on X of shape {x_shape}", tol,
                              by_value=tol >= TOL32)
    explain_with_layers(plan, start, "FullyConnectedNet", NET_LAYERS)


# ----------------------------------------------------------------------------------------------
# Training on the embedded data


@cache
def _embedded_images(num_images: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Embedded images at half resolution, channels first, as int8 (pixel - 128): small in a plan."""
    from ...data import make_embedded_cifar

    X, y = make_embedded_cifar(num_images, seed=seed)
    X = (X[:, ::2, ::2, :].astype(np.int16) - 128).astype(np.int8).transpose(0, 3, 1, 2)  # (N, 3, 16, 16)
    return np.ascontiguousarray(X), y


def _centered(plan: Plan, X: np.ndarray, mean: np.ndarray) -> StepRef:
    """A float64 copy of X minus mean, made in the kernel (the plan carries X as int8)."""
    return plan.subtract(plan.method(plan.hold(X), "astype", "float64"), mean)


# The training checks are chaotic: tens of steps amplify the ~1e-16 differences between correct
# implementations (another summation order, another BLAS thread count). Only the first step's loss
# (a loss on fixed inputs) is compared tightly; the rest is judged by outcome, with margins taken
# from the reference's own run.
KEEP_OF_DECREASE = 0.9  # the student's loss must fall by at least 90% of what the reference's falls


def expect_loss_decrease(plan: Plan, first: StepRef, last: StepRef, num_iterations: int, name: str) -> None:
    """The loss of the last step is at most the reference's plus 10% of the reference's decrease."""

    def expectation(student, reference):
        got_first = float(result_value(student, first, f"{name}: loss at step 1"))
        got = result_value(student, last, f"{name}: loss at step {num_iterations}")
        ref_first = float(result_value(reference, first, name, trusted=True))
        ref_last = float(result_value(reference, last, name, trusted=True))
        bound = ref_last + (1 - KEEP_OF_DECREASE) * (ref_first - ref_last)
        try:
            got = float(got)
        except (TypeError, ValueError) as error:
            raise CheckFailure(f"{name}: loss at step {num_iterations}: expected a number, got {got!r:.100}") from error
        if not got <= bound:  # also rejects nan
            raise CheckFailure(
                f"{name}: loss at step {num_iterations} is {got:.6e}, expected at most {bound:.6e} (the staff "
                f"network goes from {ref_first:.6e} to {ref_last:.6e}; yours started at {got_first:.6e}): "
                "check the gradients of loss()")
        return [f"{name}: loss at step {num_iterations} {got:.6e} <= {bound:.6e} (staff {ref_last:.6e})"]

    plan.expectations.append(expectation)


def _gradient_descent(plan: Plan, model: StepRef, names: list[str], X: StepRef, y: StepRef,
                      learning_rate: float, num_iterations: int, name: str) -> None:
    """Full-batch gradient descent, w <- w - learning_rate * dw, through plan steps.

    The update is plain array arithmetic, so only the model's own loss() is graded here: the loss
    of the first step exactly (TOL), the last by outcome (expect_loss_decrease).
    """
    params = plan.call(f"{model}.params.copy")
    weights = {key: plan.item(params, key) for key in names}
    losses = {}
    for iteration in range(1, num_iterations + 1):
        result = plan.call(f"{model}.loss", X, y)
        if iteration in (1, num_iterations):
            losses[iteration] = plan.item(result, 0, record=True)
        grads = plan.item(result, 1)
        for key in names:
            step = plan.multiply(plan.item(grads, key), learning_rate)
            weights[key] = plan.subtract(weights[key], step)
        plan.call(f"{model}.params.update", dict(weights))
    plan.expect_close(losses[1], f"{name}: loss at step 1", TOL)
    expect_loss_decrease(plan, losses[1], losses[num_iterations], num_iterations, name)


@hidden_check(unit="TwoLayerNet")
def TwoLayerNet_training(plan: Plan, rng: np.random.Generator) -> None:
    start = len(plan.expectations)
    num_train, num_val = 400, 200
    X, y = _embedded_images(num_train + num_val, 3320)
    mean = X[:num_train].mean(axis=0)
    X_train, X_val = _centered(plan, X[:num_train], mean), _centered(plan, X[num_train:], mean)
    y_train = plan.hold(y[:num_train])
    plan.call("seed_numpy", 5)
    model = run(plan, "TwoLayerNet(input_dim=768, hidden_dim=40)", "TwoLayerNet", input_dim=3 * 16 * 16,
                hidden_dim=40, weight_scale=1e-3, reg=0.0)
    name = f"TwoLayerNet trained by 60 steps of gradient descent on {num_train} embedded 3x16x16 images"
    _gradient_descent(plan, model, ["W1", "b1", "W2", "b2"], X_train, y_train, learning_rate=3e-3,
                      num_iterations=60, name=name)
    scores = plan.call(f"{model}.loss", X_val, record=True)
    expect_accuracy_at_least(plan, scores, y[num_train:], f"{name}: validation accuracy")
    explain_with_layers(plan, start, "This training run of TwoLayerNet", NET_LAYERS)


@hidden_check(unit="FullyConnectedNet")
def FullyConnectedNet_overfit(plan: Plan, rng: np.random.Generator) -> None:
    start = len(plan.expectations)
    num_train = 50
    X, y = _embedded_images(num_train, 3321)
    X_train = _centered(plan, X, X.mean(axis=0))
    y_train = plan.hold(y)
    plan.call("seed_numpy", 6)
    model = run(plan, "FullyConnectedNet([40, 40], input_dim=768)", "FullyConnectedNet", [40, 40],
                input_dim=3 * 16 * 16, weight_scale=3e-2, dtype="float64")
    name = f"three-layer FullyConnectedNet trained by 25 steps of gradient descent on {num_train} embedded images"
    _gradient_descent(plan, model, ["W1", "b1", "W2", "b2", "W3", "b3"], X_train, y_train, learning_rate=1e-2,
                      num_iterations=25, name=name)
    scores = plan.call(f"{model}.loss", X_train, record=True)
    expect_accuracy_at_least(plan, scores, y, f"{name}: training accuracy", bound=1.0)
    explain_with_layers(plan, start, "This training run of FullyConnectedNet", NET_LAYERS)


# ----------------------------------------------------------------------------------------------
# Update rules


def _several_steps(plan: Plan, rng: np.random.Generator, rule: str, state: list[str], cases) -> None:
    """Run rule for several steps per case, feeding back its config, and compare w and the state."""
    for label, shape, config, gradient_scale, num_steps in cases:
        w = plan.hold(rng.normal(size=shape))
        for step in range(1, num_steps + 1):
            dw = gradient_scale * rng.normal(size=shape)
            name = f"{rule} {label}, step {step}"
            result = run(plan, name, rule, w, dw, config) if config is not None else run(plan, name, rule, w, dw)
            w, config = plan.item(result, 0, record=True), plan.item(result, 1)
            plan.expect_close(w, f"{name}: next_w", TOL)
            for key in state:
                value = plan.item(config, key, record=True)
                if key == "t":
                    plan.expect_equal(value, f"{name}: config['t']")
                else:
                    plan.expect_close(value, f"{name}: config[{key!r}]", TOL)


@hidden_check(unit="sgd_momentum")
def sgd_momentum(plan: Plan, rng: np.random.Generator) -> None:
    _several_steps(plan, rng, "sgd_momentum", ["velocity"], [
        ("with the default config", (3, 4), None, 1.0, 4),
        ("with learning_rate=0.05, momentum=0.5", (5,), {"learning_rate": 0.05, "momentum": 0.5}, 1.0, 3),
        ("from a given velocity", (2, 3), {"learning_rate": 1e-3, "velocity": rng.normal(size=(2, 3))}, 1.0, 2),
    ])


@hidden_check(unit="rmsprop")
def rmsprop(plan: Plan, rng: np.random.Generator) -> None:
    _several_steps(plan, rng, "rmsprop", ["cache"], [
        ("with the default config", (3, 4), None, 1.0, 4),
        # Gradients of 1e-5 make the cache ~1e-10, where epsilon's place (outside the root) matters.
        ("with tiny gradients", (4, 2), {"learning_rate": 1e-3}, 1e-5, 3),
        ("with decay_rate=0.9 from a given cache", (6,),
         {"learning_rate": 0.02, "decay_rate": 0.9, "cache": rng.uniform(0.1, 1.0, size=6)}, 1.0, 3),
    ])


@hidden_check(unit="adam")
def adam(plan: Plan, rng: np.random.Generator) -> None:
    _several_steps(plan, rng, "adam", ["m", "v", "t"], [
        ("with the default config", (3, 4), None, 1.0, 4),
        ("from t=5 with given moments", (2, 5),
         {"learning_rate": 1e-2, "m": rng.normal(size=(2, 5)), "v": rng.uniform(0.1, 1.0, size=(2, 5)), "t": 5},
         1.0, 2),
        ("with beta1=0.5, beta2=0.8 and tiny gradients", (4,),
         {"learning_rate": 1e-2, "beta1": 0.5, "beta2": 0.8}, 1e-6, 3),
    ])


# ----------------------------------------------------------------------------------------------

PLANTED_BUGS = (
    planted_bug(
        "svm_margins_without_newaxis", "svm_loss",
        "margins = np.maximum(0, x - x[rows, y][:, np.newaxis] + 1)",
        "margins = np.maximum(0, x - x[rows, y] + 1)",
        {"test_svm_loss"}, "subtracts the correct scores without a new axis (raises a broadcasting error)",
    ),
    planted_bug(
        "softmax_loop_over_examples", "softmax_loss",
        "    shifted = x - x.max(axis=1, keepdims=True)  # (N, C); the largest score of each row is 0\n",
        "    shifted = np.empty_like(x)\n"
        "    for i in range(N):\n"
        "        shifted[i] = x[i] - np.max(x[i])\n",
        {"test_softmax_loss"}, "right values, but a Python loop over the examples",
    ),
    planted_bug(
        "relu_in_place", "relu_forward",
        "out = np.maximum(x, 0)",
        "x[x < 0] = 0\n    out = x",
        {"test_relu_forward"}, "clips x in place, changing the caller's array",
    ),
    planted_bug(
        "affine_backward_flat_dx", "affine_backward",
        "dx = (dout @ w.T).reshape(x.shape)  # (N, D) -> (N, d_1, ..., d_k)",
        "dx = dout @ w.T  # (N, D)",
        {"test_affine_backward", "test_affine_relu"}, "returns dx flattened to (N, D) instead of x's shape",
    ),
    planted_bug(
        "two_layer_reg_without_half", "TwoLayerNet",
        "loss = data_loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
        "loss = data_loss + self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
        {"test_TwoLayerNet"}, "regularization loss without the factor 0.5 (its gradient keeps it)",
    ),
    planted_bug(
        "fcn_gradients_without_reg", "FullyConnectedNet",
        '            grads[f"W{i}"] += self.reg * W\n',
        "",
        {"test_FullyConnectedNet"}, "adds the regularization loss but not its gradient",
    ),
    planted_bug(
        "fcn_last_layer_unregularized", "FullyConnectedNet",
        "        for i in range(1, L + 1):\n            W = self.params",
        "        for i in range(1, L):\n            W = self.params",
        {"test_FullyConnectedNet"}, "regularizes every weight matrix but the last layer's",
    ),
    planted_bug(
        "rmsprop_epsilon_inside_root", "rmsprop",
        'dw / (np.sqrt(cache) + config["epsilon"])',
        'dw / np.sqrt(cache + config["epsilon"])',
        {"test_rmsprop"}, "epsilon inside the square root (visible check passes; tiny gradients expose it)",
    ),
    planted_bug(
        "adam_t_incremented_after_use", "adam",
        '    t = config["t"] + 1\n',
        '    t = config["t"]\n',
        {"test_adam"}, "uses t before incrementing it (divides by zero on the first step)",
    ),
    planted_bug(
        "adam_without_bias_correction", "adam",
        "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n",
        "    m_hat, v_hat = m, v\n",
        {"test_adam"}, "leaves out the bias correction of m and v",
    ),
    planted_bug(
        "imports_reference", "sgd_momentum",
        "def sgd_momentum(",
        "from cs231n_lib.optim import sgd_momentum\n\n\ndef _unused_sgd_momentum(",
        {"test_sgd_momentum"}, "imports the staff reference instead of implementing it",
    ),
)

UNITS = (
    Unit("affine_forward", "layers"),
    Unit("affine_backward", "layers"),
    Unit("relu_forward", "layers"),
    Unit("relu_backward", "layers"),
    Unit("affine_relu_forward", "layer_utils"),
    Unit("affine_relu_backward", "layer_utils"),
    Unit("svm_loss", "layers"),
    Unit("softmax_loss", "layers"),
    Unit("TwoLayerNet", "classifiers.fc_net"),
    Unit("FullyConnectedNet", "classifiers.fc_net"),
    Unit("sgd_momentum", "optim"),
    Unit("rmsprop", "optim"),
    Unit("adam", "optim"),
)

ASSIGNMENT = Assignment(
    "two_layer_net",
    notebooks=("two_layer_net",),
    units=UNITS,
    planted_bugs=PLANTED_BUGS,
    planted_alternatives=two_layer_net_alternatives({unit.name: unit for unit in UNITS}),
    demo_bugs=("affine_backward_flat_dx", "softmax_loop_over_examples", "imports_reference"),
    checks=checks_defined_in(globals()),
)
