"""Planted alternatives of the gan assignment: correct solution cells written from the notebook's contracts.

Each is a whole solution cell as a student who read only the contract paragraph above it might
write it, differently from the reference (another numpy call, another stable form of a formula,
inline numpy instead of the layer functions, another loop order, another random call where the
contract leaves it free). Every one must keep full marks.
"""

from __future__ import annotations

from ...gan import gan_train_step, train_gan
from ..samples import library_cell, planted_alternative

PLANTED_ALTERNATIVES = (
    # ------------------------------------------------------------------------------------------ noise
    planted_alternative("sample_noise_uniform", "sample_noise", '''
def sample_noise(batch_size, dim, seed=None):
    """Noise uniform in [-1, 1], with uniform(low, high, size) instead of rand."""
    state = np.random.RandomState(seed) if seed is not None else np.random
    return state.uniform(-1, 1, size=(batch_size, dim))
''', "uniform(-1, 1, size) of a RandomState or of the global np.random"),
    planted_alternative("sample_noise_default_rng", "sample_noise", '''
def sample_noise(batch_size, dim, seed=None):
    """With a seed, numpy's newer Generator; without one, the global np.random (another stream)."""
    if seed is None:
        return 1 - 2 * np.random.random_sample((batch_size, dim))
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (batch_size, dim))
''', "np.random.default_rng(seed) for a seed, 1 - 2 * random_sample otherwise: other values, same contract"),
    # ------------------------------------------------------------------------------------------ activations
    planted_alternative("leaky_relu_forward_maximum", "leaky_relu_forward", '''
def leaky_relu_forward(x, alpha=0.01):
    """max(x, alpha * x), which is the leaky ReLU for 0 <= alpha < 1."""
    out = np.maximum(x, alpha * x)
    cache = (x, alpha)
    return out, cache
''', "np.maximum(x, alpha * x)"),
    planted_alternative("leaky_relu_forward_masked_copy", "leaky_relu_forward", '''
def leaky_relu_forward(x, alpha=0.01):
    out = np.array(x, dtype=float)  # a copy: x itself stays as it is
    out[out < 0] *= alpha
    cache = (x, alpha)
    return out, cache
''', "scales the negative entries of a copy in place (x <= 0 vs x < 0: the same at 0)"),
    planted_alternative("leaky_relu_backward_slope", "leaky_relu_backward", '''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    slope = np.where(x >= 0, 1.0, alpha)  # slope 1 at exactly 0: another valid subgradient
    dx = dout * slope
    return dx
''', "multiplies by a slope array, taking slope 1 at exactly 0"),
    planted_alternative("leaky_relu_backward_masks", "leaky_relu_backward", '''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    positive = x > 0
    dx = dout * positive + alpha * dout * ~positive
    return dx
''', "sums the two masked branches"),
    planted_alternative("tanh_forward_sinh_cosh", "tanh_forward", '''
def tanh_forward(x):
    out = np.sinh(x) / np.cosh(x)
    cache = out
    return out, cache
''', "sinh(x) / cosh(x)"),
    planted_alternative("tanh_forward_sigmoid", "tanh_forward", '''
def tanh_forward(x):
    """tanh(x) = 2 sigmoid(2x) - 1, with exp of a non-positive number only."""
    e = np.exp(-2 * np.abs(x))
    out = np.sign(x) * (1 - e) / (1 + e)
    cache = out
    return out, cache
''', "the odd extension of (1 - e^{-2|x|}) / (1 + e^{-2|x|})"),
    planted_alternative("tanh_backward_expanded", "tanh_backward", '''
def tanh_backward(dout, cache):
    out = cache
    dx = dout - dout * out * out
    return dx
''', "dout - dout * out * out"),
    planted_alternative("tanh_backward_factored", "tanh_backward", '''
def tanh_backward(dout, cache):
    out = cache
    dx = np.multiply(dout, (1 - out) * (1 + out))
    return dx
''', "(1 - out)(1 + out)"),
    # ------------------------------------------------------------------------------------------ losses
    planted_alternative("bce_loss_logaddexp", "bce_loss", '''
def bce_loss(logits, targets):
    """-log sigma(s) = softplus(-s) and -log(1 - sigma(s)) = softplus(s), with softplus by np.logaddexp."""
    loss = np.mean(targets * np.logaddexp(0, -logits) + (1 - targets) * np.logaddexp(0, logits))
    sigmoid = 0.5 * (1 + np.tanh(0.5 * logits))
    dlogits = (sigmoid - targets) / np.size(logits)
    return float(loss), dlogits
''', "softplus by np.logaddexp, the sigmoid by tanh"),
    planted_alternative("bce_loss_two_branches", "bce_loss", '''
def bce_loss(logits, targets):
    """The loss on each side of 0 written with exp(-|s|), the sigmoid as exp(min(s, 0)) / (1 + exp(-|s|))."""
    s, t = logits, targets
    e = np.exp(-np.abs(s))
    per_entry = np.where(s > 0, (1 - t) * s, -t * s) + np.log1p(e)
    loss = per_entry.sum() / per_entry.size
    dlogits = (np.exp(np.minimum(s, 0)) / (1 + e) - t) / s.size
    return loss, dlogits
''', "two branches around 0, a sum / size, and a numpy scalar loss"),
    planted_alternative("discriminator_loss_direct", "discriminator_loss", '''
def discriminator_loss(logits_real, logits_fake):
    """Written out: bce(s, 1) = mean softplus(-s), bce(s, 0) = mean softplus(s)."""
    loss = np.mean(np.logaddexp(0, -logits_real)) + np.mean(np.logaddexp(0, logits_fake))
    dlogits_real = -np.exp(-np.logaddexp(0, logits_real)) / logits_real.shape[0]  # (sigma(s) - 1) / N
    dlogits_fake = np.exp(-np.logaddexp(0, -logits_fake)) / logits_fake.shape[0]  # sigma(s) / N
    return loss, dlogits_real, dlogits_fake
''', "without bce_loss: softplus and sigmoid from np.logaddexp"),
    planted_alternative("discriminator_loss_one_batch", "discriminator_loss", '''
def discriminator_loss(logits_real, logits_fake):
    """One bce over both batches (equal sizes N): its mean over 2N is half the sum of the two means."""
    N = logits_real.shape[0]
    logits = np.concatenate([logits_real, logits_fake])
    targets = np.concatenate([np.ones(N), np.zeros(N)])
    loss, dlogits = bce_loss(logits, targets)
    return 2 * loss, 2 * dlogits[:N], 2 * dlogits[N:]
''', "one bce_loss call on the concatenated batches"),
    planted_alternative("generator_loss_direct", "generator_loss", '''
def generator_loss(logits_fake):
    loss = np.mean(np.maximum(-logits_fake, 0) + np.log1p(np.exp(-np.abs(logits_fake))))
    dlogits_fake = -np.exp(-np.logaddexp(0, logits_fake)) / logits_fake.size  # sigma(s) - 1 = -sigma(-s)
    return loss, dlogits_fake
''', "softplus(-s) written out, the gradient as -sigma(-s) / N"),
    planted_alternative("generator_loss_flipped_sign", "generator_loss", '''
def generator_loss(logits_fake):
    """bce(s, 1) = bce(-s, 0): the loss of the negated logits against 0, and the gradient's sign flipped back."""
    loss, dneg = bce_loss(-logits_fake, np.zeros(logits_fake.shape))
    return loss, -dneg
''', "bce_loss of -logits against 0"),
    planted_alternative("ls_discriminator_loss_sums", "ls_discriminator_loss", '''
def ls_discriminator_loss(scores_real, scores_fake):
    N = len(scores_real)
    loss = 0.5 * (np.sum(np.square(scores_real - 1)) + np.sum(np.square(scores_fake))) / N
    dscores_real = (scores_real - 1) / N
    dscores_fake = scores_fake / N
    return loss, dscores_real, dscores_fake
''', "sums over N, np.square, a numpy scalar loss"),
    planted_alternative("ls_discriminator_loss_dot", "ls_discriminator_loss", '''
def ls_discriminator_loss(scores_real, scores_fake):
    r, f = scores_real - 1, scores_fake
    dscores_real, dscores_fake = r / r.size, f / f.size
    loss = 0.5 * (r @ dscores_real + f @ dscores_fake)
    return float(loss), dscores_real, dscores_fake
''', "the gradients first, the loss as dot products with them"),
    planted_alternative("ls_generator_loss_square", "ls_generator_loss", '''
def ls_generator_loss(scores_fake):
    diff = scores_fake - 1.0
    loss = np.square(diff).mean() / 2
    dscores_fake = diff / len(diff)
    return loss, dscores_fake
''', "np.square(...).mean() / 2"),
    planted_alternative("ls_generator_loss_dot", "ls_generator_loss", '''
def ls_generator_loss(scores_fake):
    N = scores_fake.shape[0]
    diff = scores_fake - np.ones(N)
    loss = diff.dot(diff) / (2 * N)
    dscores_fake = diff / N
    return loss, dscores_fake
''', "a dot product over 2N"),
    # ------------------------------------------------------------------------------------------ networks
    planted_alternative("discriminator_forward_loop", "discriminator_forward", '''
def discriminator_forward(x, params):
    """The three affine layers in a loop, a leaky ReLU after each but the last."""
    caches, h = [], x
    for i in (1, 2, 3):
        h, affine_cache = affine_forward(h, params[f"W{i}"], params[f"b{i}"])
        caches.append(affine_cache)
        if i < 3:
            h, leaky_cache = leaky_relu_forward(h, alpha=0.01)
            caches.append(leaky_cache)
    logits = h.reshape(-1)
    cache = tuple(caches)
    return logits, cache
''', "a loop over the layers, reshape(-1) for the logits"),
    planted_alternative("discriminator_forward_inline", "discriminator_forward", '''
def discriminator_forward(x, params):
    """Plain numpy, building the same caches as the layer functions would ((x, w, b) and (x, alpha))."""
    W1, b1, W2, b2, W3, b3 = (params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    h1 = x.dot(W1) + b1
    a1 = np.where(h1 > 0, h1, 0.01 * h1)
    h2 = a1.dot(W2) + b2
    a2 = np.where(h2 > 0, h2, 0.01 * h2)
    logits = (a2.dot(W3) + b3).ravel()
    cache = ((x, W1, b1), (h1, 0.01), (a1, W2, b2), (h2, 0.01), (a2, W3, b3))
    return logits, cache
''', "inline numpy with .dot and ravel"),
    planted_alternative("discriminator_backward_loop", "discriminator_backward", '''
def discriminator_backward(dlogits, cache):
    affine1, leaky1, affine2, leaky2, affine3 = cache
    grads = {}
    d = dlogits.reshape(-1, 1)
    for i, affine_cache, leaky_cache in ((3, affine3, leaky2), (2, affine2, leaky1), (1, affine1, None)):
        d, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(d, affine_cache)
        if leaky_cache is not None:
            d = leaky_relu_backward(d, leaky_cache)
    dx = d
    return dx, grads
''', "a loop from the last layer back, grads filled in the order W3, W2, W1"),
    planted_alternative("discriminator_backward_inline", "discriminator_backward", '''
def discriminator_backward(dlogits, cache):
    (x, W1, b1), (h1, alpha1), (a1, W2, b2), (h2, alpha2), (a2, W3, b3) = cache
    dout = np.outer(dlogits, np.ones(1))  # (N, 1)
    grads = {"W3": a2.T @ dout, "b3": dout.sum(axis=0)}
    dh2 = (dout @ W3.T) * np.where(h2 > 0, 1.0, alpha2)
    grads["W2"], grads["b2"] = a1.T @ dh2, np.sum(dh2, axis=0)
    dh1 = (dh2 @ W2.T) * np.where(h1 > 0, 1.0, alpha1)
    grads["W1"], grads["b1"] = x.T @ dh1, np.sum(dh1, axis=0)
    dx = dh1 @ W1.T
    return dx, grads
''', "inline numpy on the caches' contents"),
    planted_alternative("generator_forward_loop", "generator_forward", '''
def generator_forward(z, params):
    caches, h = [], z
    for i in range(1, 4):
        h, affine_cache = affine_forward(h, params["W%d" % i], params["b%d" % i])
        caches.append(affine_cache)
        h, activation_cache = relu_forward(h) if i < 3 else tanh_forward(h)
        caches.append(activation_cache)
    images, cache = h, tuple(caches)
    return images, cache
''', "a loop over the layers"),
    planted_alternative("generator_forward_inline", "generator_forward", '''
def generator_forward(z, params):
    h1 = np.matmul(z, params["W1"]) + params["b1"]
    a1 = h1 * (h1 > 0)
    h2 = np.matmul(a1, params["W2"]) + params["b2"]
    a2 = h2 * (h2 > 0)
    h3 = np.matmul(a2, params["W3"]) + params["b3"]
    images = np.tanh(h3)
    cache = ((z, params["W1"], params["b1"]), h1, (a1, params["W2"], params["b2"]), h2,
             (a2, params["W3"], params["b3"]), images)
    return images, cache
''', "inline numpy with np.matmul; the same caches as the layer functions build"),
    planted_alternative("generator_backward_loop", "generator_backward", '''
def generator_backward(dimages, cache):
    affine1, relu1, affine2, relu2, affine3, tanh3 = cache
    grads = {}
    d = tanh_backward(dimages, tanh3)
    for i, affine_cache, relu_cache in ((3, affine3, relu2), (2, affine2, relu1), (1, affine1, None)):
        d, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(d, affine_cache)
        if relu_cache is not None:
            d = relu_backward(d, relu_cache)
    dz = d
    return dz, grads
''', "a loop from the last layer back"),
    planted_alternative("generator_backward_inline", "generator_backward", '''
def generator_backward(dimages, cache):
    (z, W1, b1), h1, (a1, W2, b2), h2, (a2, W3, b3), images = cache
    dh3 = dimages * (1 - images**2)
    dh2 = np.tensordot(dh3, W3, axes=(1, 1)) * (h2 > 0)
    dh1 = np.tensordot(dh2, W2, axes=(1, 1)) * (h1 > 0)
    grads = {
        "W1": np.tensordot(z, dh1, axes=(0, 0)), "b1": dh1.sum(0),
        "W2": np.tensordot(a1, dh2, axes=(0, 0)), "b2": dh2.sum(0),
        "W3": np.tensordot(a2, dh3, axes=(0, 0)), "b3": dh3.sum(0),
    }
    dz = np.einsum("nk,dk->nd", dh1, W1)  # (N, noise_dim): a small product, einsum is fast enough
    return dz, grads
''', "inline numpy with tensordot (and one einsum) on the caches' contents"),
    # ------------------------------------------------------------------------------------------ training
    planted_alternative("gan_train_step_one_batch", "gan_train_step", library_cell(gan_train_step, '''
# The discriminator sees the real and the fake batch as one batch of 2N images.
N = x_real.shape[0]
fakes = generator_forward(z_d, G_params)[0]
logits, d_cache = discriminator_forward(np.vstack([x_real, fakes]), D_params)
d_loss, dlogits_real, dlogits_fake = d_loss_fn(logits[:N], logits[N:])
_, d_grads = discriminator_backward(np.hstack([dlogits_real, dlogits_fake]), d_cache)
for name in sorted(D_params):
    D_params[name], D_configs[name] = adam(D_params[name], d_grads[name], D_configs[name])
# The generator, through the updated discriminator.
images, g_cache = generator_forward(z_g, G_params)
logits_fake, d_cache = discriminator_forward(images, D_params)
g_loss, dlogits_fake = g_loss_fn(logits_fake)
dimages = discriminator_backward(dlogits_fake, d_cache)[0]
g_grads = generator_backward(dimages, g_cache)[1]
for name in sorted(G_params):
    G_params[name], G_configs[name] = adam(G_params[name], g_grads[name], G_configs[name])
'''), "one discriminator pass over the stacked real and fake batches"),
    planted_alternative("gan_train_step_accumulated", "gan_train_step", library_cell(gan_train_step, '''
logits_fake, fake_cache = discriminator_forward(generator_forward(z_d, G_params)[0], D_params)
logits_real, real_cache = discriminator_forward(x_real, D_params)
d_loss, dlogits_real, dlogits_fake = d_loss_fn(logits_real, logits_fake)
d_grads = {k: np.zeros_like(v) for k, v in D_params.items()}
for dlogits, cache in ((dlogits_fake, fake_cache), (dlogits_real, real_cache)):
    for k, g in discriminator_backward(dlogits, cache)[1].items():
        d_grads[k] += g
new_D = {k: adam(D_params[k], d_grads[k], D_configs[k]) for k in D_params}
for k, (value, config) in new_D.items():
    D_params[k], D_configs[k] = value, config
images, g_cache = generator_forward(z_g, G_params)
logits, d_cache = discriminator_forward(images, D_params)
g_loss, dlogits = g_loss_fn(logits)
dz, g_grads = generator_backward(discriminator_backward(dlogits, d_cache)[0], g_cache)
for k in list(G_params):
    G_params[k], G_configs[k] = adam(G_params[k], g_grads[k], G_configs[k])
'''), "the fake batch's gradients first, accumulated into zeros; updates after all gradients"),
    planted_alternative("train_gan_without_replacement", "train_gan", library_cell(train_gan, '''
# Minibatches without replacement, and the generator's noise drawn first.
for t in range(num_iterations):
    x_real = X[np.random.permutation(len(X))[:batch_size]]
    z_g = sample_noise(batch_size, noise_dim)
    z_d = sample_noise(batch_size, noise_dim)
    d_loss, g_loss = gan_train_step(x_real, z_d, z_g, D_params, G_params, D_configs, G_configs, loss=loss)
    history["d_loss"].append(d_loss)
    history["g_loss"].append(g_loss)
    if (t + 1) % show_every == 0 or t + 1 == num_iterations:
        history["samples"][t + 1] = generator_forward(fixed_noise, G_params)[0]
        if verbose:
            print("Iter: {}, D: {:.4}, G: {:.4}".format(t + 1, d_loss, g_loss))
'''), "minibatches by permutation, z_g before z_d, iterations counted from 0"),
    planted_alternative("train_gan_generator", "train_gan", library_cell(train_gan, '''
# Minibatches from numpy's newer Generator, both noise batches in one draw.
rng = np.random.default_rng(seed)
iteration = 0
while iteration < num_iterations:
    iteration += 1
    x_real = X[rng.integers(0, X.shape[0], size=batch_size)]
    z = sample_noise(2 * batch_size, noise_dim)
    losses = gan_train_step(x_real, z[:batch_size], z[batch_size:], D_params, G_params, D_configs, G_configs,
                            loss)
    for key, value in zip(("d_loss", "g_loss"), losses):
        history[key].append(value)
    if iteration == num_iterations or iteration % show_every == 0:
        history["samples"][iteration] = generator_forward(fixed_noise, G_params)[0]
        if verbose:
            print(f"Iter: {iteration}, D: {losses[0]:.4f}, G: {losses[1]:.4f}")
'''), "minibatches from np.random.default_rng, both noise batches in one sample_noise call, a while loop"),
)
