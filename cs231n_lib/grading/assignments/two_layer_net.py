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
    validation_accuracy_verdict,
)
from ..checks import hidden_check
from ..compare import CheckFailure
from ..course import assignment_defined_in, units_in
from ..grader_values import grader_value
from ..judge import run_as_in_a_kernel
from ..plan import Plan, StepRef, result_value, step_problem
from ..samples import planted_bug
from ..student_code import forbid_loops
from .two_layer_net_alternatives import EXPERIMENT_ALTERNATIVES, two_layer_net_alternatives

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


def _affine_inputs(rng: np.random.Generator, x_shape: tuple[int, ...], M: int) -> tuple[np.ndarray, ...]:
    """x of x_shape, w (D, M) and b (M,) from a normal distribution, D the product of x's dimensions after the first."""
    D = int(np.prod(x_shape[1:]))
    return rng.normal(size=x_shape), rng.normal(size=(D, M)), rng.normal(size=M)


@hidden_check(unit="affine_forward", static=(forbid_loops("affine_forward"),))
def affine_forward(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape, M in (((7, 5), 3), ((4, 3, 2, 5), 6), ((1, 2, 3, 4, 2), 2)):
        x, w, b = _affine_inputs(rng, x_shape, M)
        out = run(plan, f"affine_forward for x of shape {x_shape}", "affine_forward", x, w, b)
        out = plan.item(out, 0, record=True)
        plan.expect_close(out, f"affine_forward out for x of shape {x_shape}, w of shape {w.shape}", TOL)
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


# (x_shape, M) of the sandwich layer's checks, forward and backward.
AFFINE_RELU_CASES = (((5, 4), 6), ((3, 2, 3, 2), 5))


@hidden_check(unit="affine_relu_forward")
def affine_relu_forward(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape, M in AFFINE_RELU_CASES:
        x, w, b = _affine_inputs(rng, x_shape, M)
        result = run(plan, f"affine_relu_forward for x of shape {x_shape}", "affine_relu_forward", x, w, b)
        out = plan.item(result, 0, record=True)
        plan.expect_close(out, f"affine_relu_forward out for x of shape {x_shape}", TOL)


@hidden_check(unit="affine_relu_backward")
def affine_relu_backward(plan: Plan, rng: np.random.Generator) -> None:
    for x_shape, M in AFFINE_RELU_CASES:
        x, w, b = _affine_inputs(rng, x_shape, M)
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
# The student's experiments, graded by outcome with the staff's code on the embedded data

# The notebook's data: get_CIFAR10_data(num_training=2000, num_validation=500, num_test=500) on the embedded
# dataset (channels first, the mean training image subtracted).
NUM_TRAINING, NUM_VALIDATION, NUM_TEST = 2000, 500, 500
# The staff's search (the notebook's solution cell): TwoLayerNet(hidden_dim=100, reg) from np.random.seed(0),
# Solver with SGD, lr_decay 0.95, 8 epochs of minibatches of 100, for learning rates (1e-3, 3e-3) and reg
# (0.05, 0.5), keeping the network with the best validation accuracy. On the embedded data it keeps this pair
# (grading_tests/test_two_layer_net_assignment.py runs the whole grid and checks it); only that pair is
# retrained to compute the threshold.
STAFF_SEARCH_CHOICE = (1e-3, 0.05)
# best_model must reach the staff's best network's validation accuracy minus this margin: about three
# standard errors of an accuracy measured on 500 images (sqrt(0.48 * 0.52 / 500) = 0.022). Measured
# (2026-12-05, one BLAS thread): the staff's network scores 0.480; the grid's other three pairs 0.448-0.472;
# learning rates 100x too large diverge (0.150).
SEARCH_MARGIN = 0.06
# Overfitting 50 images: the notebook trains FullyConnectedNet([100, 100], weight_scale, float64) from
# np.random.seed(231) with Solver(num_epochs=20, batch_size=25, update_rule="sgd", learning_rate). The grader
# repeats that run with the staff's FullyConnectedNet and Solver and the student's two numbers, so the verdict
# depends on the choice alone (a bug in the student's network costs that network's own cells). Measured: the
# staff's choice (3e-2, 3e-3), and (5e-2, 1e-3), (3e-2, 1e-3), (1e-1, 1e-3) reach 100%; (1e-2, 3e-3) 80%,
# a learning rate 100x too small 20%.
OVERFIT_TRAINING, OVERFIT_EPOCHS, OVERFIT_BATCH = 50, 20, 25


@cache
def _embedded_notebook_data() -> dict[str, np.ndarray]:
    """The notebook's data dict, as get_CIFAR10_data returns it when no CIFAR-10 is on disk (whatever this
    machine has)."""
    from ...data import load_embedded_CIFAR10

    X_all, y_all, _, _ = load_embedded_CIFAR10(NUM_TRAINING + NUM_VALIDATION, NUM_TEST)
    X_all, y_all = X_all[:NUM_TRAINING + NUM_VALIDATION], y_all[:NUM_TRAINING + NUM_VALIDATION]
    X_train, X_val = X_all[:NUM_TRAINING], X_all[NUM_TRAINING:]
    mean_image = np.mean(X_train, axis=0)
    data = {"X_train": X_train - mean_image, "y_train": y_all[:NUM_TRAINING].copy(),
            "X_val": X_val - mean_image, "y_val": y_all[NUM_TRAINING:].copy()}
    for key in ("X_train", "X_val"):
        data[key] = np.ascontiguousarray(data[key].transpose(0, 3, 1, 2))
    for array in data.values():
        array.flags.writeable = False
    return data


def fully_connected_scores(params: dict, X: np.ndarray) -> np.ndarray:
    """Scores of {affine - relu} x (L - 1) - affine with weights params["W1"], ..., biases params["b1"], ..."""
    out = X.reshape(len(X), -1)
    num_layers = sum(1 for key in params if key.startswith("W"))
    for layer in range(1, num_layers + 1):
        out = out @ params[f"W{layer}"] + params[f"b{layer}"]
        if layer < num_layers:
            out = np.maximum(out, 0)
    return out


@grader_value
def _validation_set() -> tuple[np.ndarray, np.ndarray]:
    """(X_val, y_val) of the notebook's data: what every grading measures a student's network on."""
    data = _embedded_notebook_data()
    return data["X_val"], data["y_val"]


def embedded_validation_accuracy(params: dict) -> float:
    X_val, y_val = _validation_set()
    return float(run_as_in_a_kernel(lambda: np.mean(np.argmax(fully_connected_scores(params, X_val), axis=1) == y_val)))


def staff_search_run(learning_rate: float, reg: float) -> dict:
    """The parameters the staff's search keeps for one pair (the Solver restores its best epoch's)."""
    from ...classifiers.fc_net import TwoLayerNet as StaffTwoLayerNet
    from ...solver import Solver

    def train():
        np.random.seed(0)
        model = StaffTwoLayerNet(hidden_dim=100, reg=reg)
        Solver(model, dict(_embedded_notebook_data()), optim_config={"learning_rate": learning_rate},
               lr_decay=0.95, num_epochs=8, batch_size=100, verbose=False).train()
        return model.params

    return run_as_in_a_kernel(train)


@grader_value
def best_model_threshold() -> tuple[float, float]:
    """(the validation accuracy of the staff's best network, the accuracy best_model must reach)."""
    staff_accuracy = embedded_validation_accuracy(staff_search_run(*STAFF_SEARCH_CHOICE))
    return staff_accuracy, round(staff_accuracy - SEARCH_MARGIN, 3)


def _parameters(value, name: str) -> dict:
    """The params dict a student's network sent back, checked to be a fully connected net on 3072 inputs."""
    expected = ("a trained network whose params hold the weights W1, ..., WL and biases b1, ..., bL of "
                "{affine - relu} x (L - 1) - affine on 3072 inputs and 10 classes (a TwoLayerNet or a "
                "FullyConnectedNet without normalization)")
    if not isinstance(value, dict):
        raise CheckFailure(f"{name}: expected {expected}; got {type(value).__name__}")
    num_layers = sum(1 for key in value if isinstance(key, str) and key.startswith("W"))
    params, width = {}, 3 * 32 * 32
    for layer in range(1, num_layers + 1):
        W, b = value.get(f"W{layer}"), value.get(f"b{layer}")
        if not (isinstance(W, np.ndarray) and isinstance(b, np.ndarray) and W.ndim == 2 and W.shape[0] == width
                and b.shape == W.shape[1:] and W.dtype.kind == "f" and b.dtype.kind == "f"):
            raise CheckFailure(f"{name}: expected {expected}; layer {layer} does not fit")
        params[f"W{layer}"], params[f"b{layer}"], width = W.astype(np.float64), b.astype(np.float64), W.shape[1]
    if num_layers == 0 or width != 10:
        raise CheckFailure(f"{name}: expected {expected}")
    if not all(np.all(np.isfinite(array)) for array in params.values()):
        raise CheckFailure(f"{name}: its parameters hold nan or inf values: training diverged; try smaller "
                           "learning rates")
    return params


# unit= names the notebook global this check grades (set by the student's own solution cell). The kernel
# sends back only the network's parameters; the grader computes the validation accuracy from them.
@hidden_check(unit="best_model", needs=lambda: (_validation_set(), best_model_threshold()))
def best_model(plan: Plan, rng: np.random.Generator) -> None:
    sent = plan.call("best_model.params.copy", record=True)

    def expectation(student, reference) -> list[str]:
        problem = step_problem(student, sent)
        if problem is not None:
            raise CheckFailure(f"best_model: expected the trained TwoLayerNet your search kept; reading "
                               f"best_model.params failed: {problem}")
        params = _parameters(result_value(student, sent, "best_model.params"), "best_model")
        staff_accuracy, threshold = best_model_threshold()
        accuracy = embedded_validation_accuracy(params)
        return validation_accuracy_verdict(
            "best_model", accuracy, staff_accuracy, threshold, NUM_VALIDATION, "network",
            "Keep the network with the best validation accuracy, and search learning rates where training converges.")

    plan.expectations.append(expectation)


@grader_value
def _overfit_data() -> tuple[np.ndarray, np.ndarray]:
    """(X_train, y_train) of the notebook's overfitting run: its first training images."""
    data = _embedded_notebook_data()
    return data["X_train"][:OVERFIT_TRAINING], data["y_train"][:OVERFIT_TRAINING]


def overfit_training_accuracy(weight_scale: float, learning_rate: float) -> float:
    """The best training accuracy of the notebook's three-layer run with these two numbers, with the staff's
    FullyConnectedNet and Solver on the embedded data."""
    from ...classifiers.fc_net import FullyConnectedNet as StaffFullyConnectedNet
    from ...solver import Solver

    (X_train, y_train), (X_val, y_val) = _overfit_data(), _validation_set()
    small_data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}

    def train():
        np.random.seed(231)
        model = StaffFullyConnectedNet([100, 100], weight_scale=weight_scale, dtype=np.float64)
        solver = Solver(model, small_data, num_epochs=OVERFIT_EPOCHS, batch_size=OVERFIT_BATCH, update_rule="sgd",
                        optim_config={"learning_rate": learning_rate}, verbose=False)
        solver.train()
        return max(solver.train_acc_history, default=0.0)

    return float(run_as_in_a_kernel(train))


@hidden_check(unit="weight_scale", needs=lambda: (_overfit_data(), _validation_set()))
def three_layer_overfit(plan: Plan, rng: np.random.Generator) -> None:
    chosen = {name: plan.call(f"{name}.__float__", record=True) for name in ("weight_scale", "learning_rate")}

    def expectation(student, reference) -> list[str]:
        values = {}
        for name, step in chosen.items():
            problem = step_problem(student, step)
            if problem is None:
                values[name] = result_value(student, step, name)
            if problem is not None or not isinstance(values[name], float) or not 0 < values[name] < 1e3:
                raise CheckFailure(f"{name}: expected a positive number below 1000, the value you chose; "
                                   + (f"reading it as a number failed: {problem}" if problem is not None
                                      else f"got {values[name]!r}"))
        accuracy = overfit_training_accuracy(values["weight_scale"], values["learning_rate"])
        summary = (f"the staff's three-layer network, initialized with weight_scale = {values['weight_scale']:g} and "
                   f"trained by {OVERFIT_EPOCHS} epochs of SGD with learning_rate = {values['learning_rate']:g} on the "
                   f"{OVERFIT_TRAINING} embedded images, reaches a training accuracy of {accuracy:.2f} (1.00 needed)")
        if not accuracy >= 1.0:
            raise CheckFailure(f"{summary}. Try other values: too small a scale or rate learns nothing in 20 "
                               "epochs, too large a rate diverges.")
        return [summary]

    plan.expectations.append(expectation)


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
    planted_bug(
        "search_learning_rates_100x", "best_model",
        "for learning_rate in [1e-3, 3e-3]:",
        "for learning_rate in [1e-1, 3e-1]:",
        {"test_best_model"}, "searches learning rates 100x too large: every run diverges (0.150)",
    ),
    planted_bug(
        "overfit_learning_rate_100x_too_small", "weight_scale",
        "learning_rate = 3e-3",
        "learning_rate = 3e-5",
        {"test_three_layer_overfit"}, "a learning rate 100x too small: 20 epochs reach 20% training accuracy",
    ),
)

UNITS = (
    *units_in("layers", "affine_forward", "affine_backward", "relu_forward", "relu_backward"),
    *units_in("layer_utils", "affine_relu_forward", "affine_relu_backward"),
    *units_in("layers", "svm_loss", "softmax_loss"),
    *units_in("classifiers.fc_net", "TwoLayerNet", "FullyConnectedNet"),
    *units_in("optim", "sgd_momentum", "rmsprop", "adam"),
)

PLANTED_ALTERNATIVES = two_layer_net_alternatives({unit.name: unit for unit in UNITS}) + EXPERIMENT_ALTERNATIVES

ASSIGNMENT = assignment_defined_in(
    globals(),
    units=UNITS,
    demo_bugs=("affine_backward_flat_dx", "softmax_loop_over_examples", "imports_reference"),
)
