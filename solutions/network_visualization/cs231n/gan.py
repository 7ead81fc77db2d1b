"""Generative adversarial networks in numpy (CS231n's GAN notebook, built from the course's layers).

A discriminator D scores images (a logit: large means "real"); a generator G turns noise z into
images. They are trained in turn: D to tell real images from G's, G to make D call its images real.

Conventions used throughout:

- Images are flattened rows of D = H * W pixels scaled to [-1, 1] (the generator ends in tanh).
- Every loss function returns the loss (a float) followed by its gradient with respect to each
  of its inputs, in the order of the inputs, each of that input's shape:

      loss, dlogits = bce_loss(logits, targets)
      loss, dlogits_real, dlogits_fake = discriminator_loss(logits_real, logits_fake)
      loss, dlogits_fake = generator_loss(logits_fake)

  (the gradient with respect to the constant targets of bce_loss is not returned).
- A network's parameters are a dict of arrays {"W1", "b1", "W2", "b2", "W3", "b3"}; its forward
  returns (out, cache) and its backward takes (dout, cache) and returns (dinput, grads), grads a
  dict with the parameters' keys and shapes.
"""

import numpy as np

from .layers import affine_backward, affine_forward, relu_backward, relu_forward
from .optim import adam

NOISE_DIM = 64  # the noise fed to the generator (CS231n: 96, for 28x28 MNIST)


# ----------------------------------------------------------------------------------------------
# Noise


def sample_noise(batch_size, dim, seed=None):
    """Noise uniformly distributed in [-1, 1].

    Inputs:
    - batch_size: number of noise vectors N
    - dim: dimension of each noise vector
    - seed: if not None, the noise depends on seed alone (e.g. drawn from
      np.random.RandomState(seed)), so the same seed gives the same noise; if None, it is
      drawn from the global np.random, so np.random.seed makes it reproducible

    Returns:
    - noise: array of shape (batch_size, dim), entries uniform in [-1, 1]
    """
    noise = None
    ###########################################################################
    # TODO: Draw uniform random numbers in [0, 1) (e.g. rand(batch_size, dim) #
    # of the random state described above) and map them to [-1, 1].          #
    ###########################################################################
    random = np.random if seed is None else np.random.RandomState(seed)
    noise = 2 * random.rand(batch_size, dim) - 1  # (N, dim)
    return noise


# ----------------------------------------------------------------------------------------------
# Activation layers


def leaky_relu_forward(x, alpha=0.01):
    """Leaky rectified linear units: out = x where x > 0, alpha * x elsewhere.

    Inputs:
    - x: input, of any shape
    - alpha: slope for negative inputs, 0 <= alpha < 1

    Returns a tuple of:
    - out: output, of the same shape as x
    - cache: (x, alpha), for leaky_relu_backward
    """
    out = None
    out = np.where(x > 0, x, alpha * x)
    cache = (x, alpha)
    return out, cache


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky ReLU.

    Inputs:
    - dout: upstream derivative, of any shape
    - cache: (x, alpha) from leaky_relu_forward; x has the shape of dout

    Returns:
    - dx: gradient with respect to x, of the shape of x
    """
    x, alpha = cache
    dx = None
    dx = np.where(x > 0, dout, alpha * dout)
    return dx


def tanh_forward(x):
    """Hyperbolic tangent, elementwise.

    Inputs:
    - x: input, of any shape

    Returns a tuple of:
    - out: tanh(x), of the same shape as x, in (-1, 1)
    - cache: out, for tanh_backward (the derivative is 1 - out**2)
    """
    out = None
    out = np.tanh(x)
    cache = out
    return out, cache


def tanh_backward(dout, cache):
    """Backward pass of tanh.

    Inputs:
    - dout: upstream derivative, of any shape
    - cache: out = tanh(x) from tanh_forward, of the shape of dout

    Returns:
    - dx: gradient with respect to x, of the shape of dout
    """
    out = cache
    dx = None
    dx = dout * (1 - out**2)
    return dx


# ----------------------------------------------------------------------------------------------
# Losses (each returns the loss, then its gradient with respect to each input)


def bce_loss(logits, targets):
    """Binary cross-entropy of sigmoid(logits) against targets, averaged over all entries.

    With s = logits, t = targets and sigma the sigmoid, each entry contributes
        -(t * log(sigma(s)) + (1 - t) * log(1 - sigma(s)))
    computed without overflow or log(0) for any finite s (for |s| of 1000 too), as
    torch.nn.functional.binary_cross_entropy_with_logits (mean reduction) does.

    Inputs:
    - logits: array of any shape, e.g. (N,)
    - targets: array of the shape of logits, values in [0, 1]

    Returns a tuple of:
    - loss: float, the mean over all entries
    - dlogits: gradient of loss with respect to logits, of the shape of logits
    """
    loss, dlogits = None, None
    ###########################################################################
    # TODO: Write the loss so that no exp() can overflow: it equals           #
    # max(s, 0) - s * t + log(1 + exp(-|s|)). Its derivative is               #
    # sigma(s) - t; compute sigma(s) without overflow too. Average both.      #
    ###########################################################################
    loss = np.mean(np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits))))
    e = np.exp(-np.abs(logits))  # in (0, 1]: never overflows
    sigmoid = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
    dlogits = (sigmoid - targets) / logits.size
    return float(loss), dlogits


def discriminator_loss(logits_real, logits_fake):
    """The discriminator's loss: BCE of the real images' logits against 1, plus the fake ones' against 0.

        loss = bce(logits_real, 1) + bce(logits_fake, 0), each a mean over its own batch

    Inputs:
    - logits_real: D's logits for real images, of shape (N,)
    - logits_fake: D's logits for generated images, of shape (N,)

    Returns a tuple of:
    - loss: float
    - dlogits_real: of shape (N,)
    - dlogits_fake: of shape (N,)
    """
    loss, dlogits_real, dlogits_fake = None, None, None
    loss_real, dlogits_real = bce_loss(logits_real, np.ones_like(logits_real))
    loss_fake, dlogits_fake = bce_loss(logits_fake, np.zeros_like(logits_fake))
    loss = loss_real + loss_fake
    return loss, dlogits_real, dlogits_fake


def generator_loss(logits_fake):
    """The generator's (non-saturating) loss: BCE of the fake images' logits against 1.

    Inputs:
    - logits_fake: D's logits for generated images, of shape (N,)

    Returns a tuple of:
    - loss: float, bce(logits_fake, 1)
    - dlogits_fake: of shape (N,)
    """
    loss, dlogits_fake = None, None
    loss, dlogits_fake = bce_loss(logits_fake, np.ones_like(logits_fake))
    return loss, dlogits_fake


def ls_discriminator_loss(scores_real, scores_fake):
    """The least-squares GAN discriminator loss: 1/2 mean((r - 1)**2) + 1/2 mean(f**2).

    Inputs:
    - scores_real: D's scores for real images, of shape (N,)
    - scores_fake: D's scores for generated images, of shape (N,)

    Returns a tuple of:
    - loss: float
    - dscores_real: of shape (N,)
    - dscores_fake: of shape (N,)
    """
    loss, dscores_real, dscores_fake = None, None, None
    loss = 0.5 * np.mean((scores_real - 1) ** 2) + 0.5 * np.mean(scores_fake**2)
    dscores_real = (scores_real - 1) / scores_real.size
    dscores_fake = scores_fake / scores_fake.size
    return float(loss), dscores_real, dscores_fake


def ls_generator_loss(scores_fake):
    """The least-squares GAN generator loss: 1/2 mean((f - 1)**2).

    Inputs:
    - scores_fake: D's scores for generated images, of shape (N,)

    Returns a tuple of:
    - loss: float
    - dscores_fake: of shape (N,)
    """
    loss, dscores_fake = None, None
    loss = 0.5 * np.mean((scores_fake - 1) ** 2)
    dscores_fake = (scores_fake - 1) / scores_fake.size
    return float(loss), dscores_fake


# ----------------------------------------------------------------------------------------------
# Networks


def init_discriminator(input_dim=64, hidden_dim=128, seed=None):
    """Parameters of discriminator_forward: weights uniform in +-1/sqrt(fan_in) (PyTorch's default), biases zero.

    Inputs:
    - input_dim: pixels per image D
    - hidden_dim: width H of both hidden layers
    - seed: if not None, weights come from np.random.RandomState(seed); else from np.random

    Returns:
    - params: {"W1": (D, H), "b1": (H,), "W2": (H, H), "b2": (H,), "W3": (H, 1), "b3": (1,)}
    """
    return _init_params([input_dim, hidden_dim, hidden_dim, 1], seed)


def init_generator(noise_dim=NOISE_DIM, hidden_dim=128, output_dim=64, seed=None):
    """Parameters of generator_forward, drawn as in init_discriminator.

    Returns:
    - params: {"W1": (noise_dim, H), "b1": (H,), "W2": (H, H), "b2": (H,), "W3": (H, output_dim), "b3": (output_dim,)}
    """
    return _init_params([noise_dim, hidden_dim, hidden_dim, output_dim], seed)


def _init_params(dims, seed):
    state = np.random.RandomState(seed) if seed is not None else np.random
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:], strict=True), start=1):
        bound = 1 / np.sqrt(fan_in)
        params[f"W{i}"] = state.uniform(-bound, bound, size=(fan_in, fan_out))
        params[f"b{i}"] = np.zeros(fan_out)
    return params


def discriminator_forward(x, params):
    """The discriminator: affine - leaky ReLU - affine - leaky ReLU - affine, giving one logit per image.

    The leaky ReLUs use alpha = 0.01 (CS231n's discriminator).

    Inputs:
    - x: images, of shape (N, D)
    - params: {"W1": (D, H), "b1": (H,), "W2": (H, H), "b2": (H,), "W3": (H, 1), "b3": (1,)}

    Returns a tuple of:
    - logits: of shape (N,)
    - cache: the layers' caches, for discriminator_backward
    """
    logits, cache = None, None
    ###########################################################################
    # TODO: Use affine_forward and leaky_relu_forward; flatten the last      #
    # layer's (N, 1) output to (N,).                                         #
    ###########################################################################
    h1, affine1 = affine_forward(x, params["W1"], params["b1"])  # (N, H)
    a1, leaky1 = leaky_relu_forward(h1, 0.01)
    h2, affine2 = affine_forward(a1, params["W2"], params["b2"])  # (N, H)
    a2, leaky2 = leaky_relu_forward(h2, 0.01)
    out, affine3 = affine_forward(a2, params["W3"], params["b3"])  # (N, 1)
    logits = out[:, 0]  # (N,)
    cache = (affine1, leaky1, affine2, leaky2, affine3)
    return logits, cache


def discriminator_backward(dlogits, cache):
    """Backward pass of discriminator_forward.

    Inputs:
    - dlogits: upstream derivative, of shape (N,)
    - cache: from discriminator_forward

    Returns a tuple of:
    - dx: gradient with respect to the images x, of shape (N, D) (the generator trains through it)
    - grads: {"W1", "b1", "W2", "b2", "W3", "b3"}, each of its parameter's shape
    """
    dx, grads = None, {}
    affine1, leaky1, affine2, leaky2, affine3 = cache
    da2, grads["W3"], grads["b3"] = affine_backward(dlogits[:, None], affine3)  # (N, 1) -> (N, H)
    dh2 = leaky_relu_backward(da2, leaky2)
    da1, grads["W2"], grads["b2"] = affine_backward(dh2, affine2)
    dh1 = leaky_relu_backward(da1, leaky1)
    dx, grads["W1"], grads["b1"] = affine_backward(dh1, affine1)  # (N, D)
    return dx, grads


def generator_forward(z, params):
    """The generator: affine - ReLU - affine - ReLU - affine - tanh, giving an image per noise vector.

    Inputs:
    - z: noise, of shape (N, noise_dim)
    - params: {"W1": (noise_dim, H), "b1": (H,), "W2": (H, H), "b2": (H,), "W3": (H, D), "b3": (D,)}

    Returns a tuple of:
    - images: of shape (N, D), values in (-1, 1)
    - cache: the layers' caches, for generator_backward
    """
    images, cache = None, None
    ###########################################################################
    # TODO: Use affine_forward, relu_forward and tanh_forward.                #
    ###########################################################################
    h1, affine1 = affine_forward(z, params["W1"], params["b1"])  # (N, H)
    a1, relu1 = relu_forward(h1)
    h2, affine2 = affine_forward(a1, params["W2"], params["b2"])  # (N, H)
    a2, relu2 = relu_forward(h2)
    h3, affine3 = affine_forward(a2, params["W3"], params["b3"])  # (N, D)
    images, tanh3 = tanh_forward(h3)
    cache = (affine1, relu1, affine2, relu2, affine3, tanh3)
    return images, cache


def generator_backward(dimages, cache):
    """Backward pass of generator_forward.

    Inputs:
    - dimages: upstream derivative, of shape (N, D)
    - cache: from generator_forward

    Returns a tuple of:
    - dz: gradient with respect to the noise z, of shape (N, noise_dim)
    - grads: {"W1", "b1", "W2", "b2", "W3", "b3"}, each of its parameter's shape
    """
    dz, grads = None, {}
    affine1, relu1, affine2, relu2, affine3, tanh3 = cache
    dh3 = tanh_backward(dimages, tanh3)
    da2, grads["W3"], grads["b3"] = affine_backward(dh3, affine3)
    dh2 = relu_backward(da2, relu2)
    da1, grads["W2"], grads["b2"] = affine_backward(dh2, affine2)
    dh1 = relu_backward(da1, relu1)
    dz, grads["W1"], grads["b1"] = affine_backward(dh1, affine1)
    return dz, grads


# ----------------------------------------------------------------------------------------------
# Training


def adam_configs(params, learning_rate=1e-3, beta1=0.5):
    """One Adam config per parameter, with CS231n's GAN settings (learning rate 1e-3, beta1 0.5)."""
    return {key: {"learning_rate": learning_rate, "beta1": beta1} for key in params}


def gan_train_step(x_real, z_d, z_g, D_params, G_params, D_configs, G_configs, loss="vanilla"):
    """One step of GAN training: an Adam step of the discriminator, then one of the generator.

    1. The discriminator sees the real images and G(z_d), computes its loss, and every D
       parameter takes an Adam step (the generator is left unchanged).
    2. The generator makes G(z_g), the updated discriminator scores it, and every G parameter
       takes an Adam step on the generator loss, whose gradient flows back through D into G.

    Inputs:
    - x_real: real images, of shape (N, D)
    - z_d: noise for the discriminator's step, of shape (N, noise_dim)
    - z_g: noise for the generator's step, of shape (M, noise_dim)
    - D_params, G_params: parameter dicts; their entries are replaced by the updated arrays
    - D_configs, G_configs: dicts of Adam configs, one per parameter; replaced by the updated ones
    - loss: "vanilla" (discriminator_loss, generator_loss) or "ls" (the least-squares losses)

    Returns a tuple of:
    - d_loss: float, the discriminator's loss before its update
    - g_loss: float, the generator's loss (with the updated D) before its update
    """
    if loss not in ("vanilla", "ls"):
        raise ValueError(f"loss must be 'vanilla' or 'ls', not {loss!r}")
    d_loss_fn = discriminator_loss if loss == "vanilla" else ls_discriminator_loss
    g_loss_fn = generator_loss if loss == "vanilla" else ls_generator_loss
    d_loss, g_loss = None, None
    ###########################################################################
    # TODO: Implement the two steps. Update each parameter k with Adam:       #
    # D_params[k], D_configs[k] = adam(D_params[k], grads[k], D_configs[k])   #
    ###########################################################################
    fake_images, _ = generator_forward(z_d, G_params)
    logits_real, real_cache = discriminator_forward(x_real, D_params)
    logits_fake, fake_cache = discriminator_forward(fake_images, D_params)
    d_loss, dlogits_real, dlogits_fake = d_loss_fn(logits_real, logits_fake)
    _, grads_real = discriminator_backward(dlogits_real, real_cache)
    _, grads_fake = discriminator_backward(dlogits_fake, fake_cache)
    for k in D_params:
        D_params[k], D_configs[k] = adam(D_params[k], grads_real[k] + grads_fake[k], D_configs[k])

    fake_images, g_cache = generator_forward(z_g, G_params)
    logits_fake, fake_cache = discriminator_forward(fake_images, D_params)
    g_loss, dlogits_fake = g_loss_fn(logits_fake)
    dimages, _ = discriminator_backward(dlogits_fake, fake_cache)
    _, grads = generator_backward(dimages, g_cache)
    for k in G_params:
        G_params[k], G_configs[k] = adam(G_params[k], grads[k], G_configs[k])
    return d_loss, g_loss


def train_gan(X, D_params, G_params, loss="vanilla", num_iterations=1000, batch_size=128,
              learning_rate=1e-3, beta1=0.5, show_every=250, num_samples=16, seed=0, verbose=True):
    """Train a GAN by gan_train_step on random minibatches of X (CS231n's run_a_gan).

    At each iteration, draw a minibatch of batch_size real images at random (with or without
    replacement, with any numpy call: e.g. np.random.choice(N, batch_size), as Solver does) and
    fresh noise z_d and z_g of shape (batch_size, noise_dim) with sample_noise, then take one
    gan_train_step with the given loss. np.random is seeded with seed at the start, so a run is
    reproducible. The Adam configs are made here by adam_configs(params, learning_rate, beta1).

    Inputs:
    - X: real images, of shape (N, D), values in [-1, 1]
    - D_params, G_params: initial parameters, updated in place (so they hold the trained networks)
    - loss: "vanilla" or "ls", as in gan_train_step
    - num_iterations, batch_size, learning_rate, beta1: training settings
    - show_every: every show_every iterations (and after the last) generate num_samples images
      from fixed noise (sample_noise(num_samples, noise_dim, seed=seed)) and record them
    - seed: seed of np.random for the whole run (None: do not reseed)
    - verbose: print the losses at every snapshot

    Returns a dict with:
    - "d_loss", "g_loss": lists of the num_iterations losses returned by gan_train_step
    - "samples": dict {iteration: images of shape (num_samples, D)}, iteration counting from 1
    """
    history = {"d_loss": [], "g_loss": [], "samples": {}}
    noise_dim = G_params["W1"].shape[0]
    fixed_noise = sample_noise(num_samples, noise_dim, seed=seed)
    D_configs = adam_configs(D_params, learning_rate, beta1)
    G_configs = adam_configs(G_params, learning_rate, beta1)
    if seed is not None:
        np.random.seed(seed)
    ###########################################################################
    # TODO: The training loop, filling history as described above.           #
    ###########################################################################
    for iteration in range(1, num_iterations + 1):
        x_real = X[np.random.choice(X.shape[0], batch_size)]
        z_d = sample_noise(batch_size, noise_dim)
        z_g = sample_noise(batch_size, noise_dim)
        d_loss, g_loss = gan_train_step(x_real, z_d, z_g, D_params, G_params, D_configs, G_configs, loss)
        history["d_loss"].append(d_loss)
        history["g_loss"].append(g_loss)
        if iteration % show_every == 0 or iteration == num_iterations:
            history["samples"][iteration] = generator_forward(fixed_noise, G_params)[0]
            if verbose:
                print(f"Iter: {iteration}, D: {d_loss:.4f}, G: {g_loss:.4f}")
    return history


# ----------------------------------------------------------------------------------------------
# Showing and scoring samples


def show_images(images, image_shape=(8, 8), ax=None, padding=1):
    """Show flattened images in [-1, 1] as a square grid (CS231n's show_images); returns the grid.

    Inputs:
    - images: of shape (N, H * W)
    - image_shape: (H, W)
    - ax: a matplotlib Axes to draw into; None draws into a new figure
    """
    grid = image_grid(images, image_shape, padding)
    import matplotlib.pyplot as plt

    if ax is None:
        size = max(2.0, 0.35 * grid.shape[0] / (image_shape[0] + padding))
        _, ax = plt.subplots(figsize=(size, size))
    ax.imshow(grid, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    ax.axis("off")
    return grid


def image_grid(images, image_shape=(8, 8), padding=1):
    """Tile flattened images (N, H * W) into one (G * (H + padding) - padding, ...) array, G = ceil(sqrt(N))."""
    images = np.asarray(images).reshape(-1, *image_shape)
    N, H, W = images.shape
    G = int(np.ceil(np.sqrt(N)))
    grid = -np.ones((G * (H + padding) - padding, G * (W + padding) - padding))
    for index in range(N):
        row, col = divmod(index, G)
        grid[row * (H + padding): row * (H + padding) + H, col * (W + padding): col * (W + padding) + W] = images[index]
    return grid
