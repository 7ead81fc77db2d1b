"""The gan assignment: a GAN in numpy -- noise, activations, losses, both networks, training.

One notebook (CS231n's Generative_Adversarial_Networks.ipynb, in numpy, on the embedded 8x8
digits). The graded units live in cs231n_lib/gan.py. Besides the units, two checks grade what the
notebook trained: the generators it leaves in the globals G_vanilla and G_ls are scored by a fixed
digit classifier (cs231n_lib.data.digits.sample_quality) and must clear a bound.
"""

from __future__ import annotations

import numpy as np

from ..checks import hidden_check
from ..compare import CheckFailure
from ..course import Assignment, Unit
from ..plan import Plan, StepRef, call_expecting_success, held, result_value
from ..samples import planted_bug
from ..student_code import forbid_loops

# Float64 throughout. Results are compared at 1e-9: a different but correct order of the same
# operations differs by ~1e-14; a wrong formula is off by more than 1e-3. Training runs compare
# at 1e-7: a few Adam steps (a division by sqrt(v) + 1e-8 of tiny numbers) amplify rounding.
TOL = 1e-9
TOL_TRAINING = 1e-7

NOISE_DIM = 64
DIGIT_PIXELS = 64


run = call_expecting_success


def _item(plan: Plan, ref: StepRef, key, name: str, tol: float = TOL) -> StepRef:
    value = plan.call("item", ref, key, record=True)
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


@hidden_check("gan.sample_noise", unit="sample_noise", cell="test_sample_noise", seed=3701,
              static=(forbid_loops("sample_noise"),))
def sample_noise(plan: Plan, rng: np.random.Generator) -> None:
    for batch_size, dim, seed in ((7, 5, 3701), (1, 96, 12), (130, 3, 0)):
        noise = run(plan, f"sample_noise({batch_size}, {dim}, seed={seed})", "sample_noise", batch_size, dim,
                    seed=seed)
        plan.expect_close(noise, f"sample_noise({batch_size}, {dim}, seed={seed}): the noise of "
                                 f"2 * np.random.RandomState({seed}).rand({batch_size}, {dim}) - 1", 1e-12)
    # Without a seed: the global np.random, seeded here.
    plan.call("seed_numpy", 231)
    noise = run(plan, "sample_noise(4, 6) after np.random.seed(231)", "sample_noise", 4, 6)
    plan.expect_close(noise, "sample_noise(4, 6) after np.random.seed(231) (from the global np.random)", 1e-12)


def _activation_forward(plan: Plan, rng: np.random.Generator, unit: str, **kwargs) -> None:
    cases = [rng.normal(size=(6, 5)), 3 * rng.normal(size=(2, 3, 4)),
             np.array([[-2.0, -0.0, 0.0, 1e-9, -1e-9, 40.0, -40.0]])]
    for x in cases:
        name = f"{unit} on x of shape {x.shape}" + (f" with {kwargs}" if kwargs else "")
        shared_x = held(plan, x)
        result = run(plan, name, unit, shared_x, **kwargs)
        _item(plan, result, 0, f"{name}: out")
        after = plan.call("item", [shared_x], 0, record=True)
        plan.expect_equal(after, f"{name}: x after the call (it must not be modified)")


@hidden_check("gan.leaky_relu_forward", unit="leaky_relu_forward", cell="test_activations", seed=3702,
              static=(forbid_loops("leaky_relu_forward"),))
def leaky_relu_forward(plan: Plan, rng: np.random.Generator) -> None:
    _activation_forward(plan, rng, "leaky_relu_forward")
    _activation_forward(plan, rng, "leaky_relu_forward", alpha=0.2)


@hidden_check("gan.leaky_relu_backward", unit="leaky_relu_backward", cell="test_activations", seed=3703,
              static=(forbid_loops("leaky_relu_backward"),))
def leaky_relu_backward(plan: Plan, rng: np.random.Generator) -> None:
    for shape, alpha in (((5, 7), 0.01), ((2, 3, 4), 0.3)):
        x, dout = rng.normal(size=shape), rng.normal(size=shape)
        # The cache is (x, alpha), as the given code of leaky_relu_forward builds it.
        dx = run(plan, f"leaky_relu_backward for x of shape {shape}", "leaky_relu_backward", dout, (x, alpha))
        plan.expect_close(dx, f"leaky_relu_backward dx for x of shape {shape}, alpha={alpha}", TOL)


@hidden_check("gan.tanh_forward", unit="tanh_forward", cell="test_activations", seed=3704,
              static=(forbid_loops("tanh_forward"),))
def tanh_forward(plan: Plan, rng: np.random.Generator) -> None:
    _activation_forward(plan, rng, "tanh_forward")


@hidden_check("gan.tanh_backward", unit="tanh_backward", cell="test_activations", seed=3705,
              static=(forbid_loops("tanh_backward"),))
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
    inputs = [held(plan, a) for a in args]
    result = run(plan, name, unit, *inputs)
    plan.expect_close(plan.call("item", result, 0, record=True), f"{name}: loss", TOL)
    for index in range(1, (len(args) if num_gradients is None else num_gradients) + 1):
        _item(plan, result, index, f"{name}: gradient {index} (with respect to argument {index - 1})")
    for position, array in enumerate(inputs):
        after = plan.call("item", [array], 0, record=True)
        plan.expect_equal(after, f"{name}: argument {position} after the call (it must not be modified)")


def _logits(rng: np.random.Generator):
    """(label, logits) cases: ordinary, one entry, and logits of magnitude 1000 that overflow exp()."""
    return [("", rng.normal(size=11)), ("one logit, ", rng.normal(size=1)),
            ("logits of size 1000, ", 1000 * rng.choice([-1.0, 1.0], size=6) * rng.uniform(0.5, 1, size=6)),
            ("logits of size 40, ", 40 * rng.normal(size=8))]


@hidden_check("gan.bce_loss", unit="bce_loss", cell="test_bce_loss", seed=3711,
              static=(forbid_loops("bce_loss"),))
def bce_loss(plan: Plan, rng: np.random.Generator) -> None:
    for label, logits in _logits(rng):
        targets = rng.integers(0, 2, size=logits.shape).astype(np.float64)
        _loss_results(plan, f"bce_loss on {label}{logits.shape} logits, 0/1 targets", "bce_loss", logits, targets,
                      num_gradients=1)
    logits, targets = 3 * rng.normal(size=(4, 5)), rng.uniform(size=(4, 5))
    _loss_results(plan, "bce_loss on (4, 5) logits, targets in (0, 1)", "bce_loss", logits, targets, num_gradients=1)


@hidden_check("gan.discriminator_loss", unit="discriminator_loss", cell="test_gan_losses", seed=3712)
def discriminator_loss(plan: Plan, rng: np.random.Generator) -> None:
    for label, logits_real in _logits(rng):
        logits_fake = rng.normal(size=logits_real.shape) * np.abs(logits_real).max()
        _loss_results(plan, f"discriminator_loss on {label}{logits_real.shape} logits", "discriminator_loss",
                      logits_real, logits_fake)


@hidden_check("gan.generator_loss", unit="generator_loss", cell="test_gan_losses", seed=3713)
def generator_loss(plan: Plan, rng: np.random.Generator) -> None:
    for label, logits_fake in _logits(rng):
        _loss_results(plan, f"generator_loss on {label}{logits_fake.shape} logits", "generator_loss", logits_fake)


@hidden_check("gan.ls_discriminator_loss", unit="ls_discriminator_loss", cell="test_ls_losses", seed=3714,
              static=(forbid_loops("ls_discriminator_loss"),))
def ls_discriminator_loss(plan: Plan, rng: np.random.Generator) -> None:
    for n, scale in ((9, 1.0), (1, 1.0), (6, 1000.0)):
        real, fake = scale * rng.normal(size=n), scale * rng.normal(size=n)
        _loss_results(plan, f"ls_discriminator_loss on ({n},) scores of size {scale:g}", "ls_discriminator_loss",
                      real, fake)


@hidden_check("gan.ls_generator_loss", unit="ls_generator_loss", cell="test_ls_losses", seed=3715,
              static=(forbid_loops("ls_generator_loss"),))
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
        shared_params = held(plan, params)
        shape = " -> ".join(map(str, dims))
        name = f"{which}_forward on ({N}, {dims[0]}) inputs, layers {shape}"
        forward = run(plan, name, f"{which}_forward", x, shared_params)
        out = _item(plan, forward, 0, f"{name}: output")
        cache = plan.call("item", forward, 1)
        dout = rng.normal(size=(N,) if which == "discriminator" else (N, dims[-1]))
        name = f"{which}_backward for layers {shape}"
        backward = run(plan, name, f"{which}_backward", dout, cache)
        _item(plan, backward, 0, f"{name}: gradient with respect to the input")
        _item(plan, backward, 1, f"{name}: grads")
        del out


@hidden_check("gan.discriminator_forward", unit="discriminator_forward", cell="test_discriminator", seed=3721)
def discriminator_forward(plan: Plan, rng: np.random.Generator) -> None:
    for N, dims in ((6, [12, 9, 7, 1]), (1, [64, 16, 16, 1])):
        params, x = _params(rng, dims), rng.uniform(-1, 1, size=(N, dims[0]))
        name = f"discriminator_forward on ({N}, {dims[0]}) images, layers {' -> '.join(map(str, dims))}"
        _item(plan, run(plan, name, "discriminator_forward", x, params), 0, f"{name}: logits")


@hidden_check("gan.discriminator_backward", unit="discriminator_backward", cell="test_discriminator", seed=3722)
def discriminator_backward(plan: Plan, rng: np.random.Generator) -> None:
    _network(plan, rng, "discriminator", ((6, [12, 9, 7, 1]), (3, [64, 20, 16, 1])))


@hidden_check("gan.generator_forward", unit="generator_forward", cell="test_generator", seed=3723)
def generator_forward(plan: Plan, rng: np.random.Generator) -> None:
    for N, dims in ((6, [5, 9, 7, 12]), (1, [64, 16, 16, 64])):
        params, z = _params(rng, dims), rng.uniform(-1, 1, size=(N, dims[0]))
        name = f"generator_forward on ({N}, {dims[0]}) noise, layers {' -> '.join(map(str, dims))}"
        _item(plan, run(plan, name, "generator_forward", z, params), 0, f"{name}: images")


@hidden_check("gan.generator_backward", unit="generator_backward", cell="test_generator", seed=3724)
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


@hidden_check("gan.gan_train_step", unit="gan_train_step", cell="test_gan_train_step", seed=3731)
def gan_train_step(plan: Plan, rng: np.random.Generator) -> None:
    N, M, pixels, noise_dim, hidden = 10, 12, 16, 6, 9
    for loss in ("vanilla", "ls"):
        D0, G0 = _params(rng, [pixels, hidden, hidden, 1]), _params(rng, [noise_dim, hidden, hidden, pixels])
        x_real = rng.uniform(-1, 1, size=(N, pixels))
        z_d, z_g = rng.uniform(-1, 1, size=(N, noise_dim)), rng.uniform(-1, 1, size=(M, noise_dim))
        D, G = held(plan, D0), held(plan, G0)
        D_configs, G_configs = held(plan, _configs(D0)), held(plan, _configs(G0))
        name = f"gan_train_step with loss={loss!r}"
        for step in (1, 2):
            result = run(plan, f"{name}, step {step}", "gan_train_step", x_real, z_d, z_g, D, G, D_configs,
                         G_configs, loss=loss)
            d_loss = _item(plan, result, 0, f"{name}, step {step}: d_loss")
            g_loss = _item(plan, result, 1, f"{name}, step {step}: g_loss")
            plan.expect_close(plan.call(f"{D}.copy", record=True), f"{name}, after step {step}: D_params", TOL)
            plan.expect_close(plan.call(f"{G}.copy", record=True), f"{name}, after step {step}: G_params", TOL)
            for configs, which in ((D_configs, "D"), (G_configs, "G")):
                w1 = plan.call("item", configs, "W1")
                for key in ("m", "v"):
                    _item(plan, w1, key, f"{name}, after step {step}: {which}_configs['W1'][{key!r}]")
                plan.expect_equal(plan.call("item", w1, "t", record=True),
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
    fake_d = plan.call("item", plan.call("generator_forward", z_d, G0), 0)
    logits_real = plan.call("item", plan.call("discriminator_forward", x_real, D), 0)
    logits_fake = plan.call("item", plan.call("discriminator_forward", fake_d, D), 0)
    d_after = plan.call("item", plan.call(d_loss_fn, logits_real, logits_fake), 0, record=True)
    expect_decrease(plan, d_loss, d_after, f"{name}: the discriminator's loss on the step's batch")
    fake_g = plan.call("item", plan.call("generator_forward", z_g, G), 0)
    logits_g = plan.call("item", plan.call("discriminator_forward", fake_g, D), 0)
    g_after = plan.call("item", plan.call(g_loss_fn, logits_g), 0, record=True)
    expect_decrease(plan, g_loss, g_after, f"{name}: the generator's loss on the step's noise")


@hidden_check("gan.train_gan", unit="train_gan", cell="test_train_gan", seed=3732)
def train_gan(plan: Plan, rng: np.random.Generator) -> None:
    pixels, noise_dim, hidden = 12, 5, 8
    X = rng.uniform(-1, 1, size=(40, pixels))
    for loss, num_iterations, batch_size, show_every, seed in (("vanilla", 7, 6, 3, 5), ("ls", 4, 9, 2, 17)):
        D, G = _params(rng, [pixels, hidden, hidden, 1]), _params(rng, [noise_dim, hidden, hidden, pixels])
        D, G = held(plan, D), held(plan, G)
        name = (f"train_gan(loss={loss!r}, num_iterations={num_iterations}, batch_size={batch_size}, "
                f"show_every={show_every}, num_samples=4, seed={seed}) on ({len(X)}, {pixels}) images")
        history = run(plan, name, "train_gan", X, D, G, loss=loss, num_iterations=num_iterations,
                      batch_size=batch_size, learning_rate=2e-3, show_every=show_every, num_samples=4, seed=seed,
                      verbose=False)
        for key in ("d_loss", "g_loss", "samples"):
            _item(plan, history, key, f"{name}: history[{key!r}]", TOL_TRAINING)
        plan.expect_close(plan.call(f"{D}.copy", record=True), f"{name}: D_params after training", TOL_TRAINING)
        plan.expect_close(plan.call(f"{G}.copy", record=True), f"{name}: G_params after training", TOL_TRAINING)


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


def expect_digits(plan: Plan, images: StepRef, name: str) -> None:
    """The student's samples look like digits to the fixed classifier (the reference is not consulted)."""

    def expectation(student, reference):
        from ...data.digits import sample_quality

        got = result_value(student, images, name)
        shape = np.shape(got)
        if not isinstance(got, np.ndarray) or shape != (NUM_SAMPLES, DIGIT_PIXELS):
            raise CheckFailure(f"{name}: expected images of shape ({NUM_SAMPLES}, {DIGIT_PIXELS}) (8x8 digits), "
                               f"got {shape}")
        if not np.all(np.isfinite(got)):
            raise CheckFailure(f"{name}: the images contain inf or nan")
        quality = sample_quality(got)
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
    images = plan.call("item", plan.call("generator_forward", z, params), 0, record=True)
    expect_digits(plan, images, f"{NUM_SAMPLES} samples of the {what} you trained ({generator})")


# unit= names the notebook global that these checks grade (the trained generator's parameters),
# set by the training cell rather than by a solution cell.
@hidden_check("gan.vanilla_gan_samples", unit="G_vanilla", cell="test_vanilla_gan_samples", seed=3741)
def vanilla_gan_samples(plan: Plan, rng: np.random.Generator) -> None:
    _samples(plan, rng, "G_vanilla", "vanilla GAN")


@hidden_check("gan.ls_gan_samples", unit="G_ls", cell="test_ls_gan_samples", seed=3742)
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
)

UNITS = ("sample_noise", "leaky_relu_forward", "leaky_relu_backward", "tanh_forward", "tanh_backward", "bce_loss",
         "discriminator_loss", "generator_loss", "ls_discriminator_loss", "ls_generator_loss",
         "discriminator_forward", "discriminator_backward", "generator_forward", "generator_backward",
         "gan_train_step", "train_gan")

ASSIGNMENT = Assignment(
    "gan",
    notebooks=("gan",),
    units=tuple(Unit(name, "gan") for name in UNITS),
    planted_bugs=PLANTED_BUGS,
    demo_bugs=("bce_naive_logs", "sample_noise_row_loop", "discriminator_backward_flat_dlogits"),
)
