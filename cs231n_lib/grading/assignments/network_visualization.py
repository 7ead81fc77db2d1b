"""The network_visualization assignment: input gradients, saliency maps, fooling images, FGSM, class visualization.

Every check runs on small ThreeLayerConvNets (fc_input_gradient's on small FullyConnectedNets) whose
weights the plan sets (float64, He-scaled normal weights drawn from the check's generator), never on the
pretrained models, so the checks do not depend on the shipped .npz files. The model classes are the
student package's ThreeLayerConvNet and FullyConnectedNet (graded in convnet and two_layer_net, shipped
solved); the reference side uses the library's.

One backward pass (input_gradient, saliency, one FGSM or class visualization step) is well conditioned
and compared with the reference at 1e-7 (TOL). Loops of steps (fooling images, 30 class visualization
steps) are judged by outcomes that the grader measures with the reference model on the student's
images, with margins taken from the reference's own run. FGSM takes the sign of a gradient, which
rounding can flip where the gradient is ~0: it is judged by the max-norm of the perturbation, the
share of entries that agree with the reference, and the model's accuracy on the perturbed images.
"""

from __future__ import annotations

import numpy as np

from ...classifiers.cnn import ThreeLayerConvNet as ReferenceConvNet
from ..check_helpers import run
from ..checks import hidden_check
from ..compare import CheckFailure, expect_shape
from ..course import assignment_defined_in, units_in
from ..plan import Plan, StepRef
from ..samples import planted_bug
from ..student_code import forbid_loops
from .network_visualization_alternatives import PLANTED_ALTERNATIVES as PLANTED_ALTERNATIVES

TOL = 1e-7
FOOLING_NORM_MARGIN = 2.0  # the fooling perturbation's norm may be at most this times the reference's
FGSM_AGREEMENT = 0.98  # share of FGSM's entries that must equal the reference's
FGSM_ACCURACY_MARGIN = 0.1  # accuracy on the student's FGSM images within this of the reference's
CLASS_VIS_GAIN = 0.5  # the class score must rise by at least this share of the reference's gain

# (N, input_dim, num_filters, filter_size, hidden_dim, num_classes): a batch of one, a non-square
# input, a 5x5 filter, 1x1 filters, one input channel.
MODEL_CASES = (
    (3, (3, 8, 8), 4, 3, 6, 5),
    (1, (3, 6, 10), 3, 5, 5, 4),
    (2, (1, 4, 4), 2, 1, 3, 3),
    (4, (2, 6, 6), 3, 3, 7, 6),
)


def _params(rng: np.random.Generator, input_dim, num_filters, filter_size, hidden_dim, num_classes) -> dict:
    C, H, W = input_dim
    pooled = num_filters * (H // 2) * (W // 2)
    return {
        "W1": rng.normal(size=(num_filters, C, filter_size, filter_size)) * np.sqrt(2 / (C * filter_size**2)),
        "b1": 0.1 * rng.normal(size=num_filters),
        "W2": rng.normal(size=(pooled, hidden_dim)) * np.sqrt(2 / pooled),
        "b2": 0.1 * rng.normal(size=hidden_dim),
        "W3": rng.normal(size=(hidden_dim, num_classes)) * np.sqrt(1 / hidden_dim),
        "b3": 0.1 * rng.normal(size=num_classes),
    }


def _model(plan: Plan, params: dict, input_dim) -> tuple[StepRef, str]:
    """A float64 ThreeLayerConvNet in the kernel whose params are params; returns it and its description."""
    F, _, k, _ = params["W1"].shape
    hidden_dim, num_classes = params["W3"].shape
    name = (f"a ThreeLayerConvNet(input_dim={input_dim}, num_filters={F}, filter_size={k}, "
            f"hidden_dim={hidden_dim}, num_classes={num_classes})")
    model = run(plan, name, "ThreeLayerConvNet", input_dim=input_dim, num_filters=F, filter_size=k,
                hidden_dim=hidden_dim, num_classes=num_classes, dtype="float64")
    for key, value in params.items():
        plan.call(f"{model}.params.__setitem__", key, value)
    return model, name


# (N, input_dim, hidden_dims, num_classes) of fc_input_gradient's FullyConnectedNets: a batch of one with
# a non-square input, no hidden layer (a linear classifier), one input channel, three hidden layers.
FC_CASES = (
    (3, (3, 4, 4), (10, 7), 5),
    (1, (3, 5, 7), (8,), 4),
    (2, (1, 6, 6), (), 3),
    (4, (2, 3, 5), (6, 5, 4), 6),
)


def _fc_params(rng: np.random.Generator, input_dim, hidden_dims, num_classes) -> dict:
    dims = [int(np.prod(input_dim)), *hidden_dims, num_classes]
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:], strict=True), start=1):
        params[f"W{i}"] = rng.normal(size=(fan_in, fan_out)) * np.sqrt(2 / fan_in)
        params[f"b{i}"] = 0.1 * rng.normal(size=fan_out)
    return params


def _fc_model(plan: Plan, params: dict, input_dim, hidden_dims, num_classes) -> tuple[StepRef, str]:
    """A float64 FullyConnectedNet in the kernel whose params are params; returns it and its description."""
    D = int(np.prod(input_dim))
    name = f"a FullyConnectedNet(hidden_dims={list(hidden_dims)}, input_dim={D}, num_classes={num_classes})"
    model = run(plan, name, "FullyConnectedNet", list(hidden_dims), input_dim=D, num_classes=num_classes,
                dtype="float64")
    for key, value in params.items():
        plan.call(f"{model}.params.__setitem__", key, value)
    return model, name


def _reference_model(params: dict) -> ReferenceConvNet:
    """The grader's own copy of a check's model (the library's ThreeLayerConvNet), to judge outcomes."""
    model = ReferenceConvNet.__new__(ReferenceConvNet)
    model.params = {k: v.copy() for k, v in params.items()}
    model.reg, model.dtype = 0.0, np.float64
    return model


def _expect_unchanged(plan: Plan, model: StepRef | None, held: list[tuple[StepRef, str]], name: str) -> None:
    """The held arguments, and the model's weights unless model is None, are the same after the call.

    Only input_gradient's check looks at the weights: the other units change them only through it,
    and its cell is where that costs points (their outcomes are judged with the original weights).
    """
    if model is not None:
        plan.expect_close(plan.call(f"{model}.params.copy", record=True),
                          f"{name}: model.params after the call (the weights must not change)", 0.0)
    for ref, what in held:
        plan.expect_equal(plan.hold(ref, record=True), f"{name}: {what} after the call (it must not be modified)")


def _finite(value, name: str, shape) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise CheckFailure(f"{name}: expected an array of numbers, got {type(value).__name__}") from error
    expect_shape(name, array, shape)
    if not np.all(np.isfinite(array)):
        raise CheckFailure(f"{name}: contains inf or nan")
    return array


# ----------------------------------------------------------------------------------------------
# Gradients of class scores with respect to the input


# No Python loops in any unit but make_fooling_image (whose loop is over the steps): the loop bans of the
# units that call input_gradient follow into it, so it is banned there too, in its own cell.
@hidden_check(unit="input_gradient", static=(forbid_loops("input_gradient"),))
def input_gradient(plan: Plan, rng: np.random.Generator) -> None:
    for N, input_dim, F, k, hidden_dim, num_classes in MODEL_CASES:
        params = _params(rng, input_dim, F, k, hidden_dim, num_classes)
        model, net = _model(plan, params, input_dim)
        X, dscores = plan.hold(rng.normal(size=(N, *input_dim))), plan.hold(rng.normal(size=(N, num_classes)))
        name = f"input_gradient for X of shape {(N, *input_dim)} on {net}"
        plan.expect_close(run(plan, name, "input_gradient", X, model, dscores), f"{name}: dX", TOL)
        _expect_unchanged(plan, model, [(X, "X"), (dscores, "dscores")], name)


@hidden_check(unit="fc_input_gradient")
def fc_input_gradient(plan: Plan, rng: np.random.Generator) -> None:
    # A loop over the layers is expected (the depth is the model's), so no loop ban.
    for N, input_dim, hidden_dims, num_classes in FC_CASES:
        params = _fc_params(rng, input_dim, hidden_dims, num_classes)
        model, net = _fc_model(plan, params, input_dim, hidden_dims, num_classes)
        X, dscores = plan.hold(rng.normal(size=(N, *input_dim))), plan.hold(rng.normal(size=(N, num_classes)))
        name = f"fc_input_gradient for X of shape {(N, *input_dim)} on {net}"
        plan.expect_close(run(plan, name, "fc_input_gradient", X, model, dscores), f"{name}: dX", TOL)
        _expect_unchanged(plan, model, [(X, "X"), (dscores, "dscores")], name)


@hidden_check(unit="compute_saliency_maps", static=(forbid_loops("compute_saliency_maps"),), uses=("input_gradient",))
def compute_saliency_maps(plan: Plan, rng: np.random.Generator) -> None:
    for N, input_dim, F, k, hidden_dim, num_classes in MODEL_CASES:
        params = _params(rng, input_dim, F, k, hidden_dim, num_classes)
        model, net = _model(plan, params, input_dim)
        X = plan.hold(rng.normal(size=(N, *input_dim)))
        y = rng.integers(0, num_classes, size=N)
        name = f"compute_saliency_maps for X of shape {(N, *input_dim)}, y={y.tolist()} on {net}"
        plan.expect_close(run(plan, name, "compute_saliency_maps", X, y, model), f"{name}: saliency", TOL)
        _expect_unchanged(plan, None, [(X, "X")], name)


# ----------------------------------------------------------------------------------------------
# Fooling images and the fast gradient sign method


def _check_fooling(name: str, params: dict, X: np.ndarray, target_y: int, max_iters: int):
    model = _reference_model(params)

    def check(got, expected) -> list[str]:
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise CheckFailure(f"{name}: expected a tuple (X_fooling, num_steps), got {type(got).__name__}")
        X_fooling = _finite(got[0], f"{name}: X_fooling", X.shape)
        steps = got[1]
        if isinstance(steps, np.ndarray) and steps.shape == () and steps.dtype.kind in "iu":
            steps = int(steps)
        if not isinstance(steps, int) or isinstance(steps, bool):
            raise CheckFailure(f"{name}: num_steps should be an int, got {type(steps).__name__}")
        predicted = int(np.argmax(model.loss(X_fooling)[0]))
        reference_steps = int(expected[1])
        reference_norm = float(np.linalg.norm(expected[0] - X))
        norm = float(np.linalg.norm(X_fooling - X))
        if predicted != target_y:
            raise CheckFailure(f"{name}: the model predicts class {predicted} for X_fooling, not the target "
                               f"{target_y} (num_steps {steps}; the reference needs {reference_steps} steps)")
        if not 1 <= steps <= max_iters:
            raise CheckFailure(f"{name}: num_steps is {steps}; it should be between 1 and max_iters={max_iters}")
        if norm > FOOLING_NORM_MARGIN * reference_norm:
            raise CheckFailure(f"{name}: ||X_fooling - X|| is {norm:.4g}, more than {FOOLING_NORM_MARGIN:g}x the "
                               f"reference's {reference_norm:.4g}; normalize each step to length learning_rate")
        return [f"{name}: fooled in {steps} steps (reference {reference_steps}), ||X_fooling - X|| {norm:.4g} "
                f"(reference {reference_norm:.4g})"]

    return check


@hidden_check(unit="make_fooling_image", uses=("input_gradient",))
def make_fooling_image(plan: Plan, rng: np.random.Generator) -> None:
    # The last layer's weights are scaled by score_scale: the scores' argmax and the direction of their
    # gradient do not change, so neither do the normalized steps, but unnormalized steps become 10x
    # too long or 50x too short.
    for input_dim, F, k, hidden_dim, num_classes, score_scale, learning_rate, max_iters in (
        ((3, 8, 8), 4, 3, 16, 6, 10.0, 0.1, 100),
        ((3, 6, 10), 4, 5, 16, 5, 0.02, 0.2, 200),
    ):
        params = _params(rng, input_dim, F, k, hidden_dim, num_classes)
        params["W3"] *= score_scale
        model, net = _model(plan, params, input_dim)
        X = rng.normal(size=(1, *input_dim))
        ranking = np.argsort(_reference_model(params).loss(X)[0])
        target_y = int(ranking[rng.integers(1, 3)])  # among the three least likely classes: not the predicted one
        held = plan.hold(X)
        name = (f"make_fooling_image for X of shape {X.shape}, target_y={target_y}, learning_rate={learning_rate}, "
                f"max_iters={max_iters} on {net}")
        result = run(plan, name, "make_fooling_image", held, target_y, model, learning_rate=learning_rate,
                     max_iters=max_iters)
        plan.expect(result, name, _check_fooling(name, params, X, target_y, max_iters))
        _expect_unchanged(plan, None, [(held, "X")], name)


def _check_fgsm(name: str, params: dict, X: np.ndarray, y: np.ndarray, epsilon: float):
    model = _reference_model(params)

    def check(got, expected) -> list[str]:
        X_adv = _finite(got, f"{name}: X_adv", X.shape)
        largest = float(np.max(np.abs(X_adv - X)))
        if largest > epsilon * (1 + 1e-9):
            raise CheckFailure(f"{name}: an entry moved by {largest:.6g}, more than epsilon={epsilon:g}")
        agree = float(np.mean(np.abs(X_adv - expected) <= 1e-9 * epsilon))
        if agree < FGSM_AGREEMENT:
            raise CheckFailure(f"{name}: only {agree:.1%} of the entries equal the reference's X + epsilon * "
                               f"sign(dL/dX) (at least {FGSM_AGREEMENT:.0%} must)")
        accuracy = float(np.mean(np.argmax(model.loss(X_adv), axis=1) == y))
        reference = float(np.mean(np.argmax(model.loss(expected), axis=1) == y))
        if abs(accuracy - reference) > FGSM_ACCURACY_MARGIN:
            raise CheckFailure(f"{name}: the model's accuracy on your X_adv is {accuracy:.3f}, on the reference's "
                               f"{reference:.3f} (margin {FGSM_ACCURACY_MARGIN})")
        return [f"{name}: {agree:.1%} of the entries agree; accuracy {accuracy:.3f} (reference {reference:.3f})"]

    return check


@hidden_check(unit="fgsm", static=(forbid_loops("fgsm"),), uses=("input_gradient",))
def fgsm(plan: Plan, rng: np.random.Generator) -> None:
    input_dim, num_classes = (3, 8, 8), 6
    params = _params(rng, input_dim, 4, 3, 16, num_classes)
    X = rng.normal(size=(40, *input_dim))
    y = np.argmax(_reference_model(params).loss(X), axis=1)  # the model's own predictions: accuracy 1 on X
    held = plan.hold(X)
    for epsilon in (0.02, 0.05, 0.1):
        model, net = _model(plan, params, input_dim)
        name = f"fgsm for X of shape {X.shape}, epsilon={epsilon} on {net}"
        result = run(plan, name, "fgsm", held, y, model, epsilon)
        plan.expect(result, name, _check_fgsm(name, params, X, y, epsilon))
        _expect_unchanged(plan, None, [(held, "X")], name)


# ----------------------------------------------------------------------------------------------
# Class visualization


def _check_class_score_gain(name: str, params: dict, img: np.ndarray, target_y: int):
    model = _reference_model(params)
    start = float(model.loss(img)[0, target_y])

    def check(got, expected) -> list[str]:
        final = _finite(got, f"{name}: the final image", img.shape)
        gain = float(model.loss(final)[0, target_y]) - start
        reference_gain = float(model.loss(expected)[0, target_y]) - start
        if not gain >= CLASS_VIS_GAIN * reference_gain:
            raise CheckFailure(f"{name}: the score of class {target_y} rose by {gain:.4g}; the reference's rose by "
                               f"{reference_gain:.4g} (at least {CLASS_VIS_GAIN:g}x that is expected)")
        return [f"{name}: the class score rose by {gain:.4g} (reference {reference_gain:.4g})"]

    return check


@hidden_check(unit="class_visualization_update", static=(forbid_loops("class_visualization_update"),),
              uses=("input_gradient",))
def class_visualization_update(plan: Plan, rng: np.random.Generator) -> None:
    for input_dim, F, k, hidden_dim, num_classes, l2_reg, learning_rate in (
        ((3, 8, 8), 4, 3, 6, 5, 0.1, 0.5),
        ((3, 6, 10), 3, 5, 5, 4, 0.0, 2.0),
        ((1, 4, 4), 2, 1, 3, 3, 1.5, 0.1),
    ):
        params = _params(rng, input_dim, F, k, hidden_dim, num_classes)
        model, net = _model(plan, params, input_dim)
        img, target_y = plan.hold(rng.normal(size=(1, *input_dim))), int(rng.integers(num_classes))
        name = (f"class_visualization_update for img of shape {(1, *input_dim)}, target_y={target_y}, "
                f"l2_reg={l2_reg}, learning_rate={learning_rate} on {net}")
        result = run(plan, name, "class_visualization_update", img, target_y, model, l2_reg, learning_rate)
        plan.expect_close(result, f"{name}: next_img", TOL)
        _expect_unchanged(plan, None, [(img, "img")], name)
    # Outcome: 30 steps from noise raise the class score (judged with the grader's copy of the model).
    input_dim, num_classes, steps = (3, 8, 8), 6, 30
    params = _params(rng, input_dim, 4, 3, 16, num_classes)
    model, net = _model(plan, params, input_dim)
    start, target_y = 0.5 * rng.normal(size=(1, *input_dim)), 2
    img = plan.hold(start)
    for _ in range(steps):
        img = plan.call("class_visualization_update", img, target_y, model, 1e-2, 0.2)
    name = f"{steps} steps of class_visualization_update (l2_reg=0.01, learning_rate=0.2, target_y=2) on {net}"
    plan.expect(plan.hold(img, record=True), name, _check_class_score_gain(name, params, start, target_y))


# ----------------------------------------------------------------------------------------------

PLANTED_BUGS = (
    planted_bug(
        "input_gradient_steps_the_weights", "input_gradient",
        "    dX, _, _ = conv_relu_pool_backward(dpooled, conv_cache)  # (N, C, H, W)\n",
        "    dX, dW1, _ = conv_relu_pool_backward(dpooled, conv_cache)  # (N, C, H, W)\n"
        "    W1 -= 1e-3 * dW1  # a Solver-style update of the weights\n",
        {"test_input_gradient", "test_make_fooling_image"},
        "updates the model's weights (W1 is model.params['W1']), as a training step would",
    ),
    planted_bug(
        "fc_input_gradient_without_relu_mask", "fc_input_gradient",
        "        dX, _, _ = affine_relu_backward(dX, cache)\n",
        "        dX, _, _ = affine_backward(dX, cache[0])  # the ReLU's backward forgotten\n",
        {"test_fc_input_gradient"}, "backpropagates through the affine layers only, without the ReLUs' masks",
    ),
    planted_bug(
        "saliency_of_the_loss", "compute_saliency_maps",
        "    dscores[np.arange(X.shape[0]), y] = 1  # d(sum_i scores[i, y[i]]) / dscores\n",
        "    scores = model.loss(X)\n"
        "    probs = np.exp(scores - scores.max(axis=1, keepdims=True))\n"
        "    dscores = probs / probs.sum(axis=1, keepdims=True)\n"
        "    dscores[np.arange(X.shape[0]), y] -= 1  # the softmax loss's gradient\n",
        {"test_compute_saliency_maps"}, "differentiates the softmax loss instead of the class score",
    ),
    planted_bug(
        "saliency_signed", "compute_saliency_maps",
        "saliency = np.abs(dX).max(axis=1)",
        "saliency = dX.max(axis=1)",
        {"test_compute_saliency_maps"}, "takes the signed gradient instead of its absolute value",
    ),
    planted_bug(
        "saliency_sum_over_channels", "compute_saliency_maps",
        "saliency = np.abs(dX).max(axis=1)",
        "saliency = np.abs(dX).sum(axis=1)",
        {"test_compute_saliency_maps"}, "sums over the channels instead of taking the maximum",
    ),
    planted_bug(
        "fooling_step_unnormalized", "make_fooling_image",
        "X_fooling = X_fooling + learning_rate * g / np.linalg.norm(g)",
        "X_fooling = X_fooling + learning_rate * g",
        {"test_make_fooling_image"}, "does not normalize the step: its length is learning_rate * ||g||",
    ),
    planted_bug(
        "fgsm_descends_the_loss", "fgsm",
        "X_adv = X + epsilon * np.sign(input_gradient(X, model, probs))",
        "X_adv = X - epsilon * np.sign(input_gradient(X, model, probs))",
        {"test_fgsm"}, "steps against the loss's gradient, which makes the images easier to classify",
    ),
    planted_bug(
        "class_visualization_l2_sign", "class_visualization_update",
        "g = input_gradient(img, model, dscores) - 2 * l2_reg * img",
        "g = input_gradient(img, model, dscores) + 2 * l2_reg * img",
        {"test_class_visualization_update"}, "adds the L2 penalty's gradient instead of subtracting it",
    ),
)

ASSIGNMENT = assignment_defined_in(
    globals(),
    units=units_in("network_visualization", "input_gradient", "fc_input_gradient", "compute_saliency_maps",
                   "make_fooling_image", "fgsm", "class_visualization_update"),
    demo_bugs=("saliency_signed", "fooling_step_unnormalized", "fgsm_descends_the_loss"),
    package_data=("data/network_visualization_convnet.npz", "data/network_visualization_fc_net.npz"),
)
