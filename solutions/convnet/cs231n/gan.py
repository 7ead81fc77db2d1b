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
    raise NotImplementedError("sample_noise is written in a later assignment (gan)")


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
    raise NotImplementedError("leaky_relu_forward is written in a later assignment (gan)")


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky ReLU.

    Inputs:
    - dout: upstream derivative, of any shape
    - cache: (x, alpha) from leaky_relu_forward; x has the shape of dout

    Returns:
    - dx: gradient with respect to x, of the shape of x
    """
    raise NotImplementedError("leaky_relu_backward is written in a later assignment (gan)")


def tanh_forward(x):
    """Hyperbolic tangent, elementwise.

    Inputs:
    - x: input, of any shape

    Returns a tuple of:
    - out: tanh(x), of the same shape as x, in (-1, 1)
    - cache: out, for tanh_backward (the derivative is 1 - out**2)
    """
    raise NotImplementedError("tanh_forward is written in a later assignment (gan)")


def tanh_backward(dout, cache):
    """Backward pass of tanh.

    Inputs:
    - dout: upstream derivative, of any shape
    - cache: out = tanh(x) from tanh_forward, of the shape of dout

    Returns:
    - dx: gradient with respect to x, of the shape of dout
    """
    raise NotImplementedError("tanh_backward is written in a later assignment (gan)")


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
    raise NotImplementedError("bce_loss is written in a later assignment (gan)")


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
    raise NotImplementedError("discriminator_loss is written in a later assignment (gan)")


def generator_loss(logits_fake):
    """The generator's (non-saturating) loss: BCE of the fake images' logits against 1.

    Inputs:
    - logits_fake: D's logits for generated images, of shape (N,)

    Returns a tuple of:
    - loss: float, bce(logits_fake, 1)
    - dlogits_fake: of shape (N,)
    """
    raise NotImplementedError("generator_loss is written in a later assignment (gan)")


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
    raise NotImplementedError("ls_discriminator_loss is written in a later assignment (gan)")


def ls_generator_loss(scores_fake):
    """The least-squares GAN generator loss: 1/2 mean((f - 1)**2).

    Inputs:
    - scores_fake: D's scores for generated images, of shape (N,)

    Returns a tuple of:
    - loss: float
    - dscores_fake: of shape (N,)
    """
    raise NotImplementedError("ls_generator_loss is written in a later assignment (gan)")


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
    raise NotImplementedError("discriminator_forward is written in a later assignment (gan)")


def discriminator_backward(dlogits, cache):
    """Backward pass of discriminator_forward.

    Inputs:
    - dlogits: upstream derivative, of shape (N,)
    - cache: from discriminator_forward

    Returns a tuple of:
    - dx: gradient with respect to the images x, of shape (N, D) (the generator trains through it)
    - grads: {"W1", "b1", "W2", "b2", "W3", "b3"}, each of its parameter's shape
    """
    raise NotImplementedError("discriminator_backward is written in a later assignment (gan)")


def generator_forward(z, params):
    """The generator: affine - ReLU - affine - ReLU - affine - tanh, giving an image per noise vector.

    Inputs:
    - z: noise, of shape (N, noise_dim)
    - params: {"W1": (noise_dim, H), "b1": (H,), "W2": (H, H), "b2": (H,), "W3": (H, D), "b3": (D,)}

    Returns a tuple of:
    - images: of shape (N, D), values in (-1, 1)
    - cache: the layers' caches, for generator_backward
    """
    raise NotImplementedError("generator_forward is written in a later assignment (gan)")


def generator_backward(dimages, cache):
    """Backward pass of generator_forward.

    Inputs:
    - dimages: upstream derivative, of shape (N, D)
    - cache: from generator_forward

    Returns a tuple of:
    - dz: gradient with respect to the noise z, of shape (N, noise_dim)
    - grads: {"W1", "b1", "W2", "b2", "W3", "b3"}, each of its parameter's shape
    """
    raise NotImplementedError("generator_backward is written in a later assignment (gan)")


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
    raise NotImplementedError("gan_train_step is written in a later assignment (gan)")


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
    raise NotImplementedError("train_gan is written in a later assignment (gan)")


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
