"""The gan assignment: a GAN in numpy -- noise, activations, losses, both networks, training.

One notebook (CS231n's Generative_Adversarial_Networks.ipynb, in numpy, on the embedded 8x8
digits). The graded units live in cs231n_lib/gan.py. Besides the units, two checks grade what the
notebook trained: the generators it leaves in the globals G_vanilla and G_ls are scored by a fixed
digit classifier (cs231n_lib.data.digits.sample_quality) and must clear a bound.
"""

from __future__ import annotations

import numpy as np

from ...data.digits import digit_classifier, sample_quality
from ..check_helpers import run
from ..checks import hidden_check
from ..compare import CheckFailure, expect_close, expect_shape
from ..course import assignment_defined_in, units_in
from ..grader_values import grader_value
from ..plan import Plan, StepRef, result_value
from ..samples import planted_bug
from ..student_code import forbid_loops
from .gan_alternatives import PLANTED_ALTERNATIVES as PLANTED_ALTERNATIVES

# Float64 throughout (the dtype of the outputs is not graded). Every quantity compared with the
# reference is well conditioned: one forward or backward pass, a loss on fixed inputs, one or two
# Adam steps. These are compared at 1e-9, on the scale of the largest entry of what is compared
# (compare.SCALE_FLOOR): a different but correct order of the same operations differs by ~1e-14, a
# wrong formula by more than 1e-3. The notebook's visible checks use the same 1e-9. Random draws
# (sample_noise) and training (train_gan, the trained generators) are judged by their properties
# and outcomes, never against the reference's random stream.
TOL = 1e-9

NOISE_DIM = 64
DIGIT_PIXELS = 64


def _item(plan: Plan, ref: StepRef, key, name: str, tol: float = TOL) -> StepRef:
    value = plan.item(ref, key, record=True)
    plan.expect_close(value, name, tol)
    return value


def _params(rng: np.random.Generator, dims: list[int], scale: float = 0.3) -> dict[str, np.ndarray]:
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:], strict=True), start=1):
        params[f"W{i}"] = scale * rng.normal(size=(fan_in, fan_out))
        params[f"b{i}"] = 0.1 * rng.normal(size=fan_out)
    return params


# ----------------------------------------------------------------------------------------------
# Noise and activations


def expect_of_student(plan: Plan, refs: tuple[StepRef, ...], name: str, check) -> None:
    """check(*the student's values of refs) returns report lines or raises CheckFailure.

    For properties the contract states without fixing the values (a random stream, a training
    outcome): the reference's results are not consulted.
    """

    def expectation(student, reference):
        return check(*[result_value(student, ref, name) for ref in refs])

    plan.expectations.append(expectation)


def numbers(name: str, value, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """value as a finite float64 array (of the given shape), or a CheckFailure that says what is wrong."""
    if shape is not None:
        expect_shape(name, value, shape)
    try:
        array = np.asarray(value)
    except Exception as error:  # noqa: BLE001 - anything that is not an array of numbers fails the same way
        raise CheckFailure(f"{name}: expected numbers, got {type(value).__name__}") from error
    if array.dtype.kind not in "biuf":
        raise CheckFailure(f"{name}: expected real numbers, got {type(value).__name__} of dtype {array.dtype}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise CheckFailure(f"{name}: contains inf or nan")
    return array


# The distribution test on 2000 x 50 draws: U(-1, 1) has mean 0 and variance 1/3, and each tenth
# of [-1, 1] holds a tenth of the draws. Over 100000 draws the standard deviations of the mean, the
# variance and a bin's share are 0.0018, 0.0009 and 0.00095; the bounds are 10 of them, so a correct
# sampler fails with probability below 1e-20 whatever numpy call draws it.
NOISE_DRAWS = (2000, 50)
MAX_MEAN_ERROR, MAX_VARIANCE_ERROR, MAX_BIN_ERROR = 0.02, 0.01, 0.01


def _expect_repeatable(name: str, first, same, other, not_the_same: str, not_other: str) -> None:
    """The noise first must equal same (drawn again as it was drawn) and differ from other (drawn otherwise);
    not_the_same and not_other say what the student's sample_noise did wrong when it does not."""
    if not np.array_equal(first, same):
        raise CheckFailure(f"{name}: {not_the_same}")
    if np.array_equal(first, other):
        raise CheckFailure(f"{name}: {not_other}")


def _check_noise_draws(name: str, shape: tuple[int, int]):
    def check(first, again, other):
        first = numbers(f"{name}: noise", first, shape)
        again, other = numbers(f"{name}: noise", again, shape), numbers(f"{name}: noise", other, shape)
        if first.min() < -1 or first.max() > 1:
            raise CheckFailure(f"{name}: values from {first.min():.6e} to {first.max():.6e}; they must lie in [-1, 1]")
        _expect_repeatable(name, first, again, other,
                           "a second call with the same seed (after np.random was reseeded) gave other noise; with "
                           "a seed, draw from a random state made from that seed only",
                           "seed + 1 gave the same noise as seed")
        return [f"{name}: shape {shape}, in [-1, 1], the same for the same seed, different for another seed"]

    return check


def _check_uniform(name: str):
    def check(noise):
        noise = numbers(name, noise, NOISE_DRAWS)
        low, high = noise.min(), noise.max()
        if low < -1 or high > 1:
            raise CheckFailure(f"{name}: values from {low:.6e} to {high:.6e}; they must lie in [-1, 1]")
        shares = np.histogram(noise, bins=10, range=(-1, 1))[0] / noise.size
        mean, variance = noise.mean(), noise.var()
        summary = (f"mean {mean:.4f} (expected 0 +- {MAX_MEAN_ERROR}), variance {variance:.4f} (expected 1/3 +- "
                   f"{MAX_VARIANCE_ERROR}), share of each tenth of [-1, 1] from {shares.min():.4f} to "
                   f"{shares.max():.4f} (expected 0.1 +- {MAX_BIN_ERROR})")
        distinct = len(np.unique(noise)) / noise.size
        if (abs(mean) > MAX_MEAN_ERROR or abs(variance - 1 / 3) > MAX_VARIANCE_ERROR
                or np.abs(shares - 0.1).max() > MAX_BIN_ERROR or distinct < 0.99):
            raise CheckFailure(f"{name}: not uniform on [-1, 1] with independent entries: {summary}, "
                               f"{distinct:.1%} distinct values")
        return [f"{name}: {summary}"]

    return check


def _check_global_stream(name: str):
    def check(first, second, reseeded):
        first, second, reseeded = (numbers(f"{name}: noise", v, (4, 6)) for v in (first, second, reseeded))
        _expect_repeatable(name, first, reseeded, second,
                           "after np.random.seed(231) again, sample_noise(4, 6) gave other noise; without a seed, "
                           "draw from the global np.random",
                           "two calls in a row gave the same noise")
        return [f"{name}: drawn from the global np.random"]

    return check


@hidden_check(unit="sample_noise", static=(forbid_loops("sample_noise"),))
def sample_noise(plan: Plan, rng: np.random.Generator) -> None:
    # The contract: uniform on [-1, 1], the given shape, reproducible by seed or by seeding np.random.
    # Which numpy call draws it is not graded, so no value is compared with the reference's.
    for batch_size, dim, seed in ((7, 5, 3701), (1, 96, 12), (130, 3, 0)):
        call = f"sample_noise({batch_size}, {dim}, seed={seed})"
        plan.call("seed_numpy", seed + 1)
        first = run(plan, call, "sample_noise", batch_size, dim, seed=seed)
        plan.call("seed_numpy", seed + 2)  # another global state: a seeded call must not depend on it
        again = run(plan, call, "sample_noise", batch_size, dim, seed=seed)
        other = run(plan, f"sample_noise({batch_size}, {dim}, seed={seed + 1})", "sample_noise", batch_size, dim,
                    seed=seed + 1)
        expect_of_student(plan, (first, again, other), call, _check_noise_draws(call, (batch_size, dim)))
    call = f"sample_noise({NOISE_DRAWS[0]}, {NOISE_DRAWS[1]}, seed=5)"
    expect_of_student(plan, (run(plan, call, "sample_noise", *NOISE_DRAWS, seed=5),), call, _check_uniform(call))
    plan.call("seed_numpy", 231)
    first = run(plan, "sample_noise(4, 6) after np.random.seed(231)", "sample_noise", 4, 6)
    second = run(plan, "a second sample_noise(4, 6)", "sample_noise", 4, 6)
    plan.call("seed_numpy", 231)
    reseeded = run(plan, "sample_noise(4, 6) after np.random.seed(231) again", "sample_noise", 4, 6)
    expect_of_student(plan, (first, second, reseeded), "sample_noise(4, 6) without a seed",
                      _check_global_stream("sample_noise(4, 6) without a seed"))


def _activation_forward(plan: Plan, rng: np.random.Generator, unit: str, **kwargs) -> None:
    cases = [rng.normal(size=(6, 5)), 3 * rng.normal(size=(2, 3, 4)),
             np.array([[-2.0, -0.0, 0.0, 1e-9, -1e-9, 40.0, -40.0]])]
    for x in cases:
        name = f"{unit} on x of shape {x.shape}" + (f" with {kwargs}" if kwargs else "")
        shared_x = plan.hold(x)
        result = run(plan, name, unit, shared_x, **kwargs)
        _item(plan, result, 0, f"{name}: out")
        after = plan.hold(shared_x, record=True)
        plan.expect_equal(after, f"{name}: x after the call (it must not be modified)")


@hidden_check(unit="leaky_relu_forward", static=(forbid_loops("leaky_relu_forward"),))
def leaky_relu_forward(plan: Plan, rng: np.random.Generator) -> None:
    _activation_forward(plan, rng, "leaky_relu_forward")
    _activation_forward(plan, rng, "leaky_relu_forward", alpha=0.2)


@hidden_check(unit="leaky_relu_backward", static=(forbid_loops("leaky_relu_backward"),))
def leaky_relu_backward(plan: Plan, rng: np.random.Generator) -> None:
    for shape, alpha in (((5, 7), 0.01), ((2, 3, 4), 0.3)):
        x, dout = rng.normal(size=shape), rng.normal(size=shape)
        # The cache is (x, alpha), as the given code of leaky_relu_forward builds it.
        dx = run(plan, f"leaky_relu_backward for x of shape {shape}", "leaky_relu_backward", dout, (x, alpha))
        plan.expect_close(dx, f"leaky_relu_backward dx for x of shape {shape}, alpha={alpha}", TOL)


@hidden_check(unit="tanh_forward", static=(forbid_loops("tanh_forward"),))
def tanh_forward(plan: Plan, rng: np.random.Generator) -> None:
    _activation_forward(plan, rng, "tanh_forward")


@hidden_check(unit="tanh_backward", static=(forbid_loops("tanh_backward"),))
def tanh_backward(plan: Plan, rng: np.random.Generator) -> None:
    for shape in ((5, 7), (2, 3, 4)):
        out, dout = np.tanh(2 * rng.normal(size=shape)), rng.normal(size=shape)
        # The cache is out = tanh(x), as the given code of tanh_forward builds it.
        dx = run(plan, f"tanh_backward for out of shape {shape}", "tanh_backward", dout, out)
        plan.expect_close(dx, f"tanh_backward dx for a cache (out = tanh(x)) of shape {shape}", TOL)


# ----------------------------------------------------------------------------------------------
# Losses


def _loss_results(plan: Plan, name: str, unit: str, *args, num_gradients: int | None = None) -> None:
    """Compare the loss and its gradients (one per argument unless num_gradients); inputs must stay unchanged."""
    inputs = [plan.hold(a) for a in args]
    result = run(plan, name, unit, *inputs)
    plan.expect_close(plan.item(result, 0, record=True), f"{name}: loss", TOL)
    for index in range(1, (len(args) if num_gradients is None else num_gradients) + 1):
        _item(plan, result, index, f"{name}: gradient {index} (with respect to argument {index - 1})")
    for position, array in enumerate(inputs):
        after = plan.hold(array, record=True)
        plan.expect_equal(after, f"{name}: argument {position} after the call (it must not be modified)")


def _logits(rng: np.random.Generator):
    """(label, logits) cases: ordinary, one entry, and logits of magnitude 1000 that overflow exp()."""
    return [("", rng.normal(size=11)), ("one logit, ", rng.normal(size=1)),
            ("logits of size 1000, ", 1000 * rng.choice([-1.0, 1.0], size=6) * rng.uniform(0.5, 1, size=6)),
            ("logits of size 40, ", 40 * rng.normal(size=8))]


@hidden_check(unit="bce_loss", static=(forbid_loops("bce_loss"),))
def bce_loss(plan: Plan, rng: np.random.Generator) -> None:
    for label, logits in _logits(rng):
        targets = rng.integers(0, 2, size=logits.shape).astype(np.float64)
        _loss_results(plan, f"bce_loss on {label}{logits.shape} logits, 0/1 targets", "bce_loss", logits, targets,
                      num_gradients=1)
    logits, targets = 3 * rng.normal(size=(4, 5)), rng.uniform(size=(4, 5))
    _loss_results(plan, "bce_loss on (4, 5) logits, targets in (0, 1)", "bce_loss", logits, targets, num_gradients=1)


@hidden_check(unit="discriminator_loss")
def discriminator_loss(plan: Plan, rng: np.random.Generator) -> None:
    for label, logits_real in _logits(rng):
        logits_fake = rng.normal(size=logits_real.shape) * np.abs(logits_real).max()
        _loss_results(plan, f"discriminator_loss on {label}{logits_real.shape} logits", "discriminator_loss",
                      logits_real, logits_fake)


@hidden_check(unit="generator_loss")
def generator_loss(plan: Plan, rng: np.random.Generator) -> None:
    for label, logits_fake in _logits(rng):
        _loss_results(plan, f"generator_loss on {label}{logits_fake.shape} logits", "generator_loss", logits_fake)


@hidden_check(unit="ls_discriminator_loss", static=(forbid_loops("ls_discriminator_loss"),))
def ls_discriminator_loss(plan: Plan, rng: np.random.Generator) -> None:
    for n, scale in ((9, 1.0), (1, 1.0), (6, 1000.0)):
        real, fake = scale * rng.normal(size=n), scale * rng.normal(size=n)
        _loss_results(plan, f"ls_discriminator_loss on ({n},) scores of size {scale:g}", "ls_discriminator_loss",
                      real, fake)


@hidden_check(unit="ls_generator_loss", static=(forbid_loops("ls_generator_loss"),))
def ls_generator_loss(plan: Plan, rng: np.random.Generator) -> None:
    for n, scale in ((9, 1.0), (1, 1.0), (6, 1000.0)):
        _loss_results(plan, f"ls_generator_loss on ({n},) scores of size {scale:g}", "ls_generator_loss",
                      scale * rng.normal(size=n))


# ----------------------------------------------------------------------------------------------
# Networks


def _network(plan: Plan, rng: np.random.Generator, which: str, cases) -> None:
    """Forward outputs, then the backward pass on the student's own cache, against the reference."""
    for N, dims in cases:
        params = _params(rng, dims)
        x = rng.uniform(-1, 1, size=(N, dims[0]))
        shared_params = plan.hold(params)
        shape = " -> ".join(map(str, dims))
        name = f"{which}_forward on ({N}, {dims[0]}) inputs, layers {shape}"
        forward = run(plan, name, f"{which}_forward", x, shared_params)
        out = _item(plan, forward, 0, f"{name}: output")
        cache = plan.item(forward, 1)
        dout = rng.normal(size=(N,) if which == "discriminator" else (N, dims[-1]))
        name = f"{which}_backward for layers {shape}"
        backward = run(plan, name, f"{which}_backward", dout, cache)
        _item(plan, backward, 0, f"{name}: gradient with respect to the input")
        _item(plan, backward, 1, f"{name}: grads")
        del out


def _forward_only(plan: Plan, rng: np.random.Generator, which: str, inputs: str, outputs: str, cases) -> None:
    """which_forward's outputs for each (N, layer sizes) in cases, against the reference."""
    for N, dims in cases:
        params, x = _params(rng, dims), rng.uniform(-1, 1, size=(N, dims[0]))
        name = f"{which}_forward on ({N}, {dims[0]}) {inputs}, layers {' -> '.join(map(str, dims))}"
        _item(plan, run(plan, name, f"{which}_forward", x, params), 0, f"{name}: {outputs}")


@hidden_check(unit="discriminator_forward")
def discriminator_forward(plan: Plan, rng: np.random.Generator) -> None:
    _forward_only(plan, rng, "discriminator", "images", "logits", ((6, [12, 9, 7, 1]), (1, [64, 16, 16, 1])))


@hidden_check(unit="discriminator_backward")
def discriminator_backward(plan: Plan, rng: np.random.Generator) -> None:
    _network(plan, rng, "discriminator", ((6, [12, 9, 7, 1]), (3, [64, 20, 16, 1])))


@hidden_check(unit="generator_forward")
def generator_forward(plan: Plan, rng: np.random.Generator) -> None:
    _forward_only(plan, rng, "generator", "noise", "images", ((6, [5, 9, 7, 12]), (1, [64, 16, 16, 64])))


@hidden_check(unit="generator_backward")
def generator_backward(plan: Plan, rng: np.random.Generator) -> None:
    _network(plan, rng, "generator", ((6, [5, 9, 7, 12]), (3, [16, 20, 16, 64])))


# ----------------------------------------------------------------------------------------------
# Training


def _configs(params: dict, learning_rate: float = 1e-3, beta1: float = 0.5) -> dict:
    return {key: {"learning_rate": learning_rate, "beta1": beta1} for key in params}


def expect_decrease(plan: Plan, before: StepRef, after: StepRef, name: str) -> None:
    """The student's loss after the step (after) is below the loss the step reported (before)."""

    def expectation(student, reference):
        got_before, got_after = result_value(student, before, name), result_value(student, after, name)
        try:
            b, a = float(got_before), float(got_after)
        except (TypeError, ValueError) as error:
            raise CheckFailure(f"{name}: the losses are not numbers ({error})") from error
        if not a < b:
            raise CheckFailure(f"{name}: the loss went from {b:.6f} to {a:.6f}; one step should lower it")
        return [f"{name}: {b:.6f} -> {a:.6f}"]

    plan.expectations.append(expectation)


@hidden_check(unit="gan_train_step")
def gan_train_step(plan: Plan, rng: np.random.Generator) -> None:
    N, M, pixels, noise_dim, hidden = 10, 12, 16, 6, 9
    for loss in ("vanilla", "ls"):
        D0, G0 = _params(rng, [pixels, hidden, hidden, 1]), _params(rng, [noise_dim, hidden, hidden, pixels])
        x_real = rng.uniform(-1, 1, size=(N, pixels))
        z_d, z_g = rng.uniform(-1, 1, size=(N, noise_dim)), rng.uniform(-1, 1, size=(M, noise_dim))
        D, G = plan.hold(D0), plan.hold(G0)
        D_configs, G_configs = plan.hold(_configs(D0)), plan.hold(_configs(G0))
        name = f"gan_train_step with loss={loss!r}"
        for step in (1, 2):
            result = run(plan, f"{name}, step {step}", "gan_train_step", x_real, z_d, z_g, D, G, D_configs,
                         G_configs, loss=loss)
            d_loss = _item(plan, result, 0, f"{name}, step {step}: d_loss")
            g_loss = _item(plan, result, 1, f"{name}, step {step}: g_loss")
            plan.expect_close(plan.call(f"{D}.copy", record=True), f"{name}, after step {step}: D_params", TOL)
            plan.expect_close(plan.call(f"{G}.copy", record=True), f"{name}, after step {step}: G_params", TOL)
            for configs, which in ((D_configs, "D"), (G_configs, "G")):
                w1 = plan.item(configs, "W1")
                for key in ("m", "v"):
                    _item(plan, w1, key, f"{name}, after step {step}: {which}_configs['W1'][{key!r}]")
                plan.expect_equal(plan.item(w1, "t", record=True),
                                  f"{name}, after step {step}: {which}_configs['W1']['t']")
            if step == 1:
                _losses_went_down(plan, loss, x_real, z_d, z_g, D, G, G0, d_loss, g_loss, name)


def _losses_went_down(plan: Plan, loss: str, x_real, z_d, z_g, D, G, G0, d_loss, g_loss, name) -> None:
    """Score step 1's batches again with the updated networks (forward passes only, nothing changes).

    The discriminator's loss is taken on the same real images and the same fakes G0(z_d) it was
    trained on; the generator's on the same z_g with the updated D. Both must be lower than the
    losses the step reported. This uses the student's own forward and loss functions.
    """
    d_loss_fn, g_loss_fn = ("discriminator_loss", "generator_loss") if loss == "vanilla" else \
        ("ls_discriminator_loss", "ls_generator_loss")
    fake_d = plan.item(plan.call("generator_forward", z_d, G0), 0)
    logits_real = plan.item(plan.call("discriminator_forward", x_real, D), 0)
    logits_fake = plan.item(plan.call("discriminator_forward", fake_d, D), 0)
    d_after = plan.item(plan.call(d_loss_fn, logits_real, logits_fake), 0, record=True)
    expect_decrease(plan, d_loss, d_after, f"{name}: the discriminator's loss on the step's batch")
    fake_g = plan.item(plan.call("generator_forward", z_g, G), 0)
    logits_g = plan.item(plan.call("discriminator_forward", fake_g, D), 0)
    g_after = plan.item(plan.call(g_loss_fn, logits_g), 0, record=True)
    expect_decrease(plan, g_loss, g_after, f"{name}: the generator's loss on the step's noise")


# train_gan is judged by its outcome, not by its random stream (how minibatches and noise are drawn
# is not graded). The data are copies of one image, so every minibatch is the same, and the
# discriminator starts with W1 = 0 (and nonzero biases, so no leaky ReLU sees an exact 0), so its
# first logits, and the first d_loss, do not depend on the noise: that loss is compared at TOL.
# Then the generator must learn the image: the mean |sample - image| of its fixed-noise samples,
# averaged over the snapshots of the second half of training (one snapshot can catch a GAN's
# oscillation at a bad moment), must fall to at most LEARNED_FRACTION of the untrained
# generator's. Over 150 random streams per case (the minibatch and noise draws, 1 BLAS thread) the
# reference reaches a median of 0.22-0.28 and at worst 0.37 (vanilla) and 0.44 (ls) of it, the
# notebook's visible setup 0.38 and 0.41; the worst setup tried (the ls case's data with the
# vanilla loss) 0.64. An implementation that does not train stays near 1 (a discriminator that
# never sees the real images: 1.3).
LEARNED_FRACTION = 0.7
TRAIN_CASES = (("vanilla", 250, 8, 25, 5), ("ls", 250, 8, 30, 17))  # loss, iterations, batch, show_every, seed


def _check_training(name: str, num_iterations: int, show_every: int, image: np.ndarray,
                    num_samples: int):
    snapshots = sorted({*range(show_every, num_iterations + 1, show_every), num_iterations})

    def check(history, before, after, D_after):
        if not isinstance(history, dict) or not {"d_loss", "g_loss", "samples"} <= set(history):
            raise CheckFailure(f"{name}: expected a dict with keys 'd_loss', 'g_loss', 'samples', got "
                               f"{sorted(history) if isinstance(history, dict) else type(history).__name__}")
        for key in ("d_loss", "g_loss"):
            numbers(f"{name}: history[{key!r}]", history[key], (num_iterations,))
        samples = history["samples"]
        if not isinstance(samples, dict) or sorted(samples, key=repr) != sorted(snapshots, key=repr):
            got = sorted(samples, key=repr) if isinstance(samples, dict) else type(samples).__name__
            raise CheckFailure(f"{name}: history['samples'] should have the iterations {snapshots} as keys, "
                               f"got {got}")
        shape = (num_samples, image.size)
        last = numbers(f"{name}: history['samples'][{num_iterations}]", samples[num_iterations], shape)
        after = numbers(f"{name}: generator_forward(fixed noise, G_params after training)", after, shape)
        lines = [expect_close(f"{name}: history['samples'][{num_iterations}] against generator_forward(fixed "
                              "noise, G_params after training), as G_params must be updated in place",
                              last, after, TOL)]
        if not np.any(numbers(f"{name}: D_params['W1'] after training", D_after["W1"])):
            raise CheckFailure(f"{name}: D_params['W1'] is still zero after training; update D_params in place")
        start = np.abs(numbers(f"{name}: samples before training", before, shape) - image).mean()
        late = [k for k in snapshots if k > num_iterations / 2]
        end = np.mean([np.abs(numbers(f"{name}: history['samples'][{k}]", samples[k], shape) - image).mean()
                       for k in late])
        summary = (f"mean |sample - image| went from {start:.4f} before training to {end:.4f} on average over "
                   f"the snapshots {late} ({end / start:.2f} of it; at most {LEARNED_FRACTION} allowed, the "
                   "staff's reaches about 0.25)")
        if not end <= LEARNED_FRACTION * start:
            raise CheckFailure(f"{name}: the generator did not learn the one image of the data set: {summary}")
        return [*lines, f"{name}: {summary}"]

    return check


@hidden_check(unit="train_gan")
def train_gan(plan: Plan, rng: np.random.Generator) -> None:
    pixels, noise_dim, hidden, num_samples = 12, 5, 16, 16
    for loss, num_iterations, batch_size, show_every, seed in TRAIN_CASES:
        image = rng.uniform(-0.8, 0.8, size=pixels)
        X = np.tile(image, (30, 1))
        D0, G0 = _params(rng, [pixels, hidden, hidden, 1]), _params(rng, [noise_dim, hidden, hidden, pixels])
        D0["W1"][:] = 0  # the first logits are D's biases' work alone: the first d_loss is exact
        D, G = plan.hold(D0), plan.hold(G0)
        name = (f"train_gan(loss={loss!r}, num_iterations={num_iterations}, batch_size={batch_size}, "
                f"learning_rate=1e-2, show_every={show_every}, num_samples={num_samples}, seed={seed}) on "
                f"{len(X)} copies of one image of {pixels} pixels")
        fixed_noise = run(plan, f"sample_noise({num_samples}, {noise_dim}, seed={seed})", "sample_noise",
                          num_samples, noise_dim, seed=seed)
        before = plan.item(plan.call("generator_forward", fixed_noise, G), 0, record=True)
        history = run(plan, name, "train_gan", X, D, G, loss=loss, num_iterations=num_iterations,
                      batch_size=batch_size, learning_rate=1e-2, show_every=show_every, num_samples=num_samples,
                      seed=seed, verbose=False)
        after = plan.item(plan.call("generator_forward", fixed_noise, G), 0, record=True)
        D_after = plan.call(f"{D}.copy", record=True)
        expect_of_student(plan, (history, before, after, D_after), name,
                          _check_training(name, num_iterations, show_every, image, num_samples))
        first = plan.item(plan.item(history, "d_loss"), 0, record=True)
        plan.expect_close(first, f"{name}: history['d_loss'][0] (the first batch's loss does not depend on the "
                                 "noise here)", TOL)


# ----------------------------------------------------------------------------------------------
# What the notebook trained

# Bounds on the fixed digit classifier's view of 500 samples (cs231n_lib.data.digits.sample_quality).
# The reference notebook's settings (1500 iterations, batches of 64) give generators that score a mean
# confidence of 0.70-0.76 with 9-10 of 10 classes over different seeds (0.765 and 0.749 in the
# notebook); real digits score 0.88 (10 classes), uniform noise 0.49, an untrained generator 0.36
# (1 class), a generator collapsed onto one digit 1 class.
MIN_CONFIDENCE = 0.62
MIN_CLASSES = 7
NUM_SAMPLES = 500


@grader_value
def _digit_classifier_weights() -> tuple[np.ndarray, np.ndarray]:
    """(coef, intercept) of the fixed digit classifier (cs231n_lib.data.digits.digit_classifier)."""
    model = digit_classifier().model
    return np.ascontiguousarray(model.coef_), model.intercept_.copy()


def digit_probabilities(images: np.ndarray) -> np.ndarray:
    """The fixed digit classifier's probabilities, of shape (N, 10), for images of shape (N, 64): a softmax of
    its scores, as scikit-learn's predict_proba computes them, from weights shared with every grading process
    (so a grading imports no scikit-learn and fits nothing)."""
    from ..judge import kernel_numerics

    coef, intercept = _digit_classifier_weights()
    with kernel_numerics():
        scores = images @ coef.T + intercept
    scores -= scores.max(axis=1, keepdims=True)
    probabilities = np.exp(scores)
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def expect_digits(plan: Plan, images: StepRef, name: str) -> None:
    """The student's samples look like digits to the fixed classifier (the reference is not consulted)."""

    def expectation(student, reference):
        got = result_value(student, images, name)
        shape = np.shape(got)
        if not isinstance(got, np.ndarray) or shape != (NUM_SAMPLES, DIGIT_PIXELS):
            raise CheckFailure(f"{name}: expected images of shape ({NUM_SAMPLES}, {DIGIT_PIXELS}) (8x8 digits), "
                               f"got {shape}")
        if not np.all(np.isfinite(got)):
            raise CheckFailure(f"{name}: the images contain inf or nan")
        quality = sample_quality(got, predict_proba=digit_probabilities)
        summary = (f"mean classifier confidence {quality['confidence']:.3f} (at least {MIN_CONFIDENCE}), "
                   f"{quality['classes']} digit classes with 5+ samples (at least {MIN_CLASSES}); "
                   f"samples per digit {quality['counts'].tolist()}")
        if quality["confidence"] < MIN_CONFIDENCE or quality["classes"] < MIN_CLASSES:
            raise CheckFailure(f"{name}: the samples do not look enough like digits: {summary}. "
                               "The staff generator scores about 0.75 with 10 classes; real digits 0.88.")
        return [f"{name}: {summary}"]

    plan.expectations.append(expectation)


def _samples(plan: Plan, rng: np.random.Generator, generator: str, what: str) -> None:
    z = rng.uniform(-1, 1, size=(NUM_SAMPLES, NOISE_DIM))
    # The generator's parameters are the notebook's global (not a unit): the reference has none, and
    # the expectation reads the student's samples alone.
    params = run(plan, f"{generator}, the parameters of the {what} the training cell leaves", f"{generator}.copy")
    images = plan.item(plan.call("generator_forward", z, params), 0, record=True)
    expect_digits(plan, images, f"{NUM_SAMPLES} samples of the {what} you trained ({generator})")


# unit= names the notebook global that these checks grade (the trained generator's parameters),
# set by the training cell rather than by a solution cell.
@hidden_check(unit="G_vanilla", needs=_digit_classifier_weights)
def vanilla_gan_samples(plan: Plan, rng: np.random.Generator) -> None:
    _samples(plan, rng, "G_vanilla", "vanilla GAN")


@hidden_check(unit="G_ls", needs=_digit_classifier_weights)
def ls_gan_samples(plan: Plan, rng: np.random.Generator) -> None:
    _samples(plan, rng, "G_ls", "least-squares GAN")


# ----------------------------------------------------------------------------------------------

_SAMPLES = {"test_vanilla_gan_samples", "test_ls_gan_samples"}

PLANTED_BUGS = (
    planted_bug(
        "bce_naive_logs", "bce_loss",
        "    loss = np.mean(np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits))))\n",
        "    p = 1 / (1 + np.exp(-logits))\n"
        "    loss = np.mean(-(targets * np.log(p) + (1 - targets) * np.log(1 - p)))\n",
        {"test_bce_loss", "test_gan_losses"},
        "the textbook formula for the loss: nan/inf for logits of size 40 and more (the gradient is right, "
        "so training still works)",
    ),
    planted_bug(
        "sample_noise_row_loop", "sample_noise",
        "noise = 2 * random.rand(batch_size, dim) - 1  # (N, dim)",
        "noise = np.array([2 * random.rand(dim) - 1 for _ in range(batch_size)]).reshape(batch_size, dim)",
        {"test_sample_noise"}, "right values (the same random stream), but a Python loop over the rows",
    ),
    planted_bug(
        "discriminator_backward_flat_dlogits", "discriminator_backward",
        "affine_backward(dlogits[:, None], affine3)",
        "affine_backward(dlogits, affine3)",
        {"test_discriminator", "test_gan_train_step", "test_train_gan", *_SAMPLES},
        "passes the (N,) logit gradient to affine_backward unreshaped (raises; nothing can train)",
    ),
    planted_bug(
        "ls_generator_target_zero", "ls_generator_loss",
        "    loss = 0.5 * np.mean((scores_fake - 1) ** 2)\n    dscores_fake = (scores_fake - 1) / scores_fake.size\n",
        "    loss = 0.5 * np.mean(scores_fake**2)\n    dscores_fake = scores_fake / scores_fake.size\n",
        {"test_ls_losses", "test_gan_train_step", "test_train_gan", "test_ls_gan_samples"},
        "the least-squares generator aims its fakes at the 'fake' score 0 instead of 1 (LSGAN cannot learn)",
    ),
    planted_bug(
        "leaky_relu_forward_in_place", "leaky_relu_forward",
        "    out = np.where(x > 0, x, alpha * x)\n",
        "    out = x\n    out[x < 0] *= alpha\n",
        {"test_activations"},
        "scales the negative entries of x itself: right values, but the caller's x is modified",
    ),
    planted_bug(
        "gan_train_step_fake_gradients_only", "gan_train_step",
        "grads_real[k] + grads_fake[k]",
        "grads_fake[k]",
        {"test_gan_train_step", "test_train_gan", *_SAMPLES},
        "updates the discriminator with the fake batch's gradients only (it never learns what real images are)",
    ),
    planted_bug(
        "train_gan_ignores_loss", "train_gan",
        "D_configs, G_configs, loss)",
        "D_configs, G_configs)",
        {"test_train_gan"},
        "does not pass loss on, so loss='ls' trains a vanilla GAN (which still learns digits)",
    ),
)

ASSIGNMENT = assignment_defined_in(
    globals(),
    units=units_in("gan", "sample_noise", "leaky_relu_forward", "leaky_relu_backward", "tanh_forward", "tanh_backward",
                   "bce_loss", "discriminator_loss", "generator_loss", "ls_discriminator_loss", "ls_generator_loss",
                   "discriminator_forward", "discriminator_backward", "generator_forward", "generator_backward",
                   "gan_train_step", "train_gan"),
    demo_bugs=("bce_naive_logs", "sample_noise_row_loop", "discriminator_backward_flat_dlogits"),
)
