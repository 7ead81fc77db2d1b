"""The gan reference library: every layer and loss against an independent computation or numerical gradients."""

import numpy as np
import pytest

from cs231n_lib import gan
from cs231n_lib.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error


def softplus(x):
    """log(1 + e^x), exact for any x (an independent form of the BCE terms)."""
    return np.logaddexp(0.0, x)


def independent_bce(logits, targets):
    # -(t log sigma(s) + (1 - t) log(1 - sigma(s))) with log sigma(s) = -softplus(-s), log(1 - sigma(s)) = -softplus(s)
    return np.mean(targets * softplus(-logits) + (1 - targets) * softplus(logits))


def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))  # a different stable form than the library's


# ---------------------------------------------------------------------------------------------- noise


def test_sample_noise_is_uniform_in_minus_one_one_with_the_requested_shape():
    noise = gan.sample_noise(2000, 30, seed=1)
    assert noise.shape == (2000, 30) and noise.dtype == np.float64
    assert -1 <= noise.min() < -0.99 and 0.99 < noise.max() <= 1
    assert abs(noise.mean()) < 0.01 and abs(noise.var() - 1 / 3) < 0.01  # the variance of U(-1, 1)


def test_sample_noise_with_a_seed_is_reproducible_and_leaves_the_global_rng_alone():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    a, b = gan.sample_noise(3, 4, seed=7), gan.sample_noise(3, 4, seed=7)
    assert np.array_equal(a, b)
    assert np.array_equal(np.random.get_state()[1], before)
    assert np.array_equal(a, 2 * np.random.RandomState(7).rand(3, 4) - 1)


def test_sample_noise_without_a_seed_draws_from_the_global_rng():
    np.random.seed(3)
    a = gan.sample_noise(2, 5)
    np.random.seed(3)
    assert np.array_equal(a, 2 * np.random.rand(2, 5) - 1)
    assert not np.array_equal(gan.sample_noise(2, 5), gan.sample_noise(2, 5))


# ---------------------------------------------------------------------------------------------- activations


def test_leaky_relu_forward_matches_the_definition_and_keeps_its_input():
    x = np.random.default_rng(0).normal(size=(5, 4, 3))
    x_before = x.copy()
    for alpha in (0.01, 0.2):
        out, cache = gan.leaky_relu_forward(x, alpha)
        expected = np.maximum(x, 0) + alpha * np.minimum(x, 0)
        assert rel_error(out, expected) < 1e-15
    assert np.array_equal(x, x_before)
    assert gan.leaky_relu_forward(x)[1][1] == 0.01  # CS231n's default slope


@pytest.mark.parametrize("alpha", [0.01, 0.3])
def test_leaky_relu_backward_matches_numerical_gradient(alpha):
    rng = np.random.default_rng(1)
    x, dout = rng.normal(size=(6, 7)), rng.normal(size=(6, 7))
    dx_num = eval_numerical_gradient_array(lambda v: gan.leaky_relu_forward(v, alpha)[0], x.copy(), dout)
    dx = gan.leaky_relu_backward(dout, gan.leaky_relu_forward(x, alpha)[1])
    assert rel_error(dx, dx_num) < 1e-9


def test_tanh_forward_and_backward():
    rng = np.random.default_rng(2)
    x, dout = 2 * rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    out, cache = gan.tanh_forward(x)
    expected = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    assert rel_error(out, expected) < 1e-12
    dx_num = eval_numerical_gradient_array(lambda v: gan.tanh_forward(v)[0], x.copy(), dout)
    assert rel_error(gan.tanh_backward(dout, cache), dx_num) < 1e-8


# ---------------------------------------------------------------------------------------------- losses


def test_bce_loss_matches_an_independent_computation():
    rng = np.random.default_rng(3)
    logits, targets = 3 * rng.normal(size=(5, 4)), rng.uniform(size=(5, 4))
    loss, dlogits = gan.bce_loss(logits, targets)
    assert isinstance(loss, float)
    assert rel_error(loss, independent_bce(logits, targets)) < 1e-14
    assert rel_error(dlogits, (sigmoid(logits) - targets) / logits.size) < 1e-12


def test_bce_loss_gradient_matches_numerical_gradient():
    rng = np.random.default_rng(4)
    logits, targets = rng.normal(size=9), rng.integers(0, 2, size=9).astype(float)
    numerical = eval_numerical_gradient(lambda s: gan.bce_loss(s, targets)[0], logits.copy(), verbose=False)
    assert rel_error(gan.bce_loss(logits, targets)[1], numerical) < 1e-8


def test_bce_loss_is_exact_for_huge_logits():
    logits = np.array([-1000.0, -40.0, 40.0, 1000.0, 1000.0, -1000.0])
    targets = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no overflow, log(0) or 0 * inf
        loss, dlogits = gan.bce_loss(logits, targets)
    # Wrong-side logits cost |s| each (plus e^-40 terms); right-side ones cost ~0.
    assert loss == pytest.approx((1000 + 40 + 40 + 1000) / 6, rel=1e-15)
    assert np.allclose(dlogits * 6, [-1, -1, 1, 1, 0, 0])


def test_discriminator_and_generator_losses_match_independent_computations():
    rng = np.random.default_rng(5)
    real, fake = 2 * rng.normal(size=8), 2 * rng.normal(size=8)
    loss, dreal, dfake = gan.discriminator_loss(real, fake)
    assert rel_error(loss, np.mean(softplus(-real)) + np.mean(softplus(fake))) < 1e-14
    assert rel_error(dreal, (sigmoid(real) - 1) / 8) < 1e-12
    assert rel_error(dfake, sigmoid(fake) / 8) < 1e-12
    g_loss, dg = gan.generator_loss(fake)
    assert rel_error(g_loss, np.mean(softplus(-fake))) < 1e-14
    assert rel_error(dg, (sigmoid(fake) - 1) / 8) < 1e-12


def test_gan_losses_are_finite_for_huge_logits():
    big = np.array([1000.0, -1000.0, 800.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss, dreal, dfake = gan.discriminator_loss(-big, big)
        g_loss, dg = gan.generator_loss(-big)
    assert np.isfinite([loss, g_loss]).all() and np.isfinite(dreal).all() and np.isfinite(dg).all()
    # Every wrong-side logit costs its size: (1000 + 800) / 3 per batch.
    assert loss == pytest.approx(1200.0, rel=1e-15) and g_loss == pytest.approx(600.0, rel=1e-15)


def test_loss_gradients_match_numerical_gradients():
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=5), rng.normal(size=5)
    for loss_fn in (gan.discriminator_loss, gan.ls_discriminator_loss):
        _, dreal, dfake = loss_fn(real, fake)
        numerical_real = eval_numerical_gradient(lambda r, f=loss_fn: f(r, fake)[0], real.copy(), False)
        numerical_fake = eval_numerical_gradient(lambda x, f=loss_fn: f(real, x)[0], fake.copy(), False)
        assert rel_error(dreal, numerical_real) < 1e-8 and rel_error(dfake, numerical_fake) < 1e-8
    for loss_fn in (gan.generator_loss, gan.ls_generator_loss):
        _, dfake = loss_fn(fake)
        assert rel_error(dfake, eval_numerical_gradient(lambda x, f=loss_fn: f(x)[0], fake.copy(), False)) < 1e-8


def test_least_squares_losses_match_their_definitions():
    real, fake = np.array([1.0, 0.5, 3.0]), np.array([0.0, -1.0, 2.0])
    loss, dreal, dfake = gan.ls_discriminator_loss(real, fake)
    assert loss == pytest.approx(0.5 * (0 + 0.25 + 4) / 3 + 0.5 * (0 + 1 + 4) / 3, rel=1e-15)
    assert np.allclose(dreal, [0, -0.5 / 3, 2 / 3]) and np.allclose(dfake, [0, -1 / 3, 2 / 3])
    g_loss, dg = gan.ls_generator_loss(fake)
    assert g_loss == pytest.approx(0.5 * (1 + 4 + 1) / 3, rel=1e-15)
    assert np.allclose(dg, [-1 / 3, -2 / 3, 1 / 3])


# ---------------------------------------------------------------------------------------------- networks


def small_params(rng, dims, scale=0.5):
    params = {}
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True), start=1):
        params[f"W{i}"], params[f"b{i}"] = scale * rng.normal(size=(a, b)), scale * rng.normal(size=b)
    return params


def test_discriminator_forward_matches_an_independent_computation():
    rng = np.random.default_rng(7)
    p, x = small_params(rng, [6, 5, 4, 1]), rng.normal(size=(3, 6))

    def leaky(v):
        return np.where(v > 0, v, 0.01 * v)

    expected = (leaky(leaky(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]) @ p["W3"] + p["b3"]).ravel()
    logits, _ = gan.discriminator_forward(x, p)
    assert logits.shape == (3,) and rel_error(logits, expected) < 1e-14


def test_generator_forward_matches_an_independent_computation():
    rng = np.random.default_rng(8)
    p, z = small_params(rng, [4, 5, 6, 7]), rng.uniform(-1, 1, size=(3, 4))
    relu = np.vectorize(lambda v: max(v, 0.0))
    expected = np.tanh(relu(relu(z @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]) @ p["W3"] + p["b3"])
    images, _ = gan.generator_forward(z, p)
    assert images.shape == (3, 7) and rel_error(images, expected) < 1e-14


@pytest.mark.parametrize("which, dims, seed", [("discriminator", [6, 5, 4, 1], 5), ("generator", [4, 5, 6, 6], 231)])
def test_network_backward_matches_numerical_gradients(which, dims, seed):
    forward, backward = getattr(gan, f"{which}_forward"), getattr(gan, f"{which}_backward")
    rng = np.random.default_rng(seed)
    params, x = small_params(rng, dims), rng.normal(size=(4, dims[0]))
    dout = rng.normal(size=(4,) if which == "discriminator" else (4, dims[-1]))
    dx, grads = backward(dout, forward(x, params)[1])
    assert sorted(grads) == sorted(params)
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: forward(v, params)[0], x.copy(), dout)) < 1e-7
    for name in params:
        def f(value, name=name):
            return forward(x, {**params, name: value})[0]

        numerical = eval_numerical_gradient_array(f, params[name].copy(), dout)
        assert grads[name].shape == params[name].shape
        assert rel_error(grads[name], numerical) < 1e-7, name


def test_init_parameters_have_the_documented_shapes_and_scale():
    D, G = gan.init_discriminator(seed=0), gan.init_generator(seed=0)
    assert {k: v.shape for k, v in D.items()} == {"W1": (64, 128), "b1": (128,), "W2": (128, 128), "b2": (128,),
                                                  "W3": (128, 1), "b3": (1,)}
    assert G["W1"].shape == (gan.NOISE_DIM, 128) and G["W3"].shape == (128, 64)
    assert np.abs(D["W1"]).max() <= 1 / 8 and not D["b1"].any()
    assert np.array_equal(gan.init_generator(seed=3)["W2"], gan.init_generator(seed=3)["W2"])


# ---------------------------------------------------------------------------------------------- training


def tiny_setup(seed=0):
    rng = np.random.default_rng(seed)
    D, G = gan.init_discriminator(8, 6, seed=seed), gan.init_generator(3, 6, 8, seed=seed + 1)
    return rng.uniform(-1, 1, size=(10, 8)), rng.uniform(-1, 1, size=(10, 3)), rng.uniform(-1, 1, size=(7, 3)), D, G


@pytest.mark.parametrize("loss", ["vanilla", "ls"])
def test_gan_train_step_reports_pre_update_losses_and_lowers_both(loss):
    x_real, z_d, z_g, D, G = tiny_setup()
    d_fn, g_fn = (gan.discriminator_loss, gan.generator_loss) if loss == "vanilla" else \
        (gan.ls_discriminator_loss, gan.ls_generator_loss)
    D0, G0 = dict(D), dict(G)
    fake0 = gan.generator_forward(z_d, G0)[0]
    d_before = d_fn(gan.discriminator_forward(x_real, D0)[0], gan.discriminator_forward(fake0, D0)[0])[0]
    Dc, Gc = gan.adam_configs(D), gan.adam_configs(G)
    d_loss, g_loss = gan.gan_train_step(x_real, z_d, z_g, D, G, Dc, Gc, loss)
    assert d_loss == pytest.approx(d_before, rel=1e-14)
    # The generator's loss is taken with the updated D and the old G.
    g_before = g_fn(gan.discriminator_forward(gan.generator_forward(z_g, G0)[0], D)[0])[0]
    assert g_loss == pytest.approx(g_before, rel=1e-14)
    d_after = d_fn(gan.discriminator_forward(x_real, D)[0], gan.discriminator_forward(fake0, D)[0])[0]
    g_after = g_fn(gan.discriminator_forward(gan.generator_forward(z_g, G)[0], D)[0])[0]
    assert d_after < d_loss and g_after < g_loss
    assert all(Dc[k]["t"] == 1 and Dc[k]["beta1"] == 0.5 for k in D) and all(Gc[k]["t"] == 1 for k in G)
    assert all(not np.array_equal(D[k], D0[k]) for k in D) and all(not np.array_equal(G[k], G0[k]) for k in G)


def test_gan_train_step_rejects_an_unknown_loss():
    x_real, z_d, z_g, D, G = tiny_setup()
    with pytest.raises(ValueError, match="vanilla"):
        gan.gan_train_step(x_real, z_d, z_g, D, G, gan.adam_configs(D), gan.adam_configs(G), loss="wgan")


def test_train_gan_is_deterministic_and_records_its_history():
    X = np.random.default_rng(9).uniform(-1, 1, size=(30, 8))
    runs = []
    for _ in range(2):
        _, _, _, D, G = tiny_setup(4)
        history = gan.train_gan(X, D, G, num_iterations=5, batch_size=4, show_every=2, num_samples=3, seed=11,
                                verbose=False)
        runs.append((history, G))
    (h1, G1), (h2, G2) = runs
    assert len(h1["d_loss"]) == len(h1["g_loss"]) == 5
    assert sorted(h1["samples"]) == [2, 4, 5] and h1["samples"][5].shape == (3, 8)
    assert h1["d_loss"] == h2["d_loss"] and all(np.array_equal(G1[k], G2[k]) for k in G1)
    assert np.array_equal(h1["samples"][5], gan.generator_forward(gan.sample_noise(3, 3, seed=11), G1)[0])


def test_image_grid_tiles_images_row_by_row():
    images = np.arange(5 * 4, dtype=float).reshape(5, 4)
    grid = gan.image_grid(images, image_shape=(2, 2), padding=1)
    assert grid.shape == (8, 8)  # 3 x 3 tiles of 2 x 2 with 1 pixel between
    assert np.array_equal(grid[0:2, 3:5], images[1].reshape(2, 2))
    assert np.array_equal(grid[3:5, 0:2], images[3].reshape(2, 2))
