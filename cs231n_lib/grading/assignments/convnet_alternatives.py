"""Planted alternatives of the convnet assignment: correct cells written from the contracts.

Each is a whole solution cell as a student who read only the notebook's contract (or who did
CS231n) might write it: CS231n's textbook loops over every index, loops over the filter offsets
instead of the output positions, the gradient to every tied maximum, another random call that
draws the same numbers, another but valid cache content.

Caches: the checks give a backward pass the cache of the student's own forward. The in-process test
substitutes one cell at a time, so a backward alternative also reads the reference forward's cache;
the group norm pair stores std as (N, G, 1) where the reference keeps (N, G, 1, 1, 1), and both
backward alternatives read either shape.
"""

from __future__ import annotations

from ..samples import library_cell, planted_alternative

CONV_FORWARD_TEXTBOOK = '''
def conv_forward_naive(x, w, b, conv_param):
    """CS231n's public solution: four loops, np.zeros (float64) output."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant", constant_values=0)
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache
'''

CONV_FORWARD_OFFSETS = '''
def conv_forward_naive(x, w, b, conv_param):
    """A loop over the HH * WW filter offsets: each adds one strided slice of the padded input times
    that offset's weights, summed over the channels by einsum."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    s, p = conv_param["stride"], conv_param["pad"]
    H_out, W_out = 1 + (H + 2 * p - HH) // s, 1 + (W + 2 * p - WW) // s
    x_pad = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=x.dtype)
    x_pad[:, :, p:p + H, p:p + W] = x
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype) + b.reshape(1, F, 1, 1)
    for k in range(HH):
        for l in range(WW):
            patch = x_pad[:, :, k:k + s * (H_out - 1) + 1:s, l:l + s * (W_out - 1) + 1:s]  # (N, C, H', W')
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, k, l])
    return out, (x, w, b, conv_param)
'''

CONV_BACKWARD_TEXTBOOK = '''
def conv_backward_naive(dout, cache):
    """CS231n's public solution: four loops; the padding cropped with explicit end indices."""
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    dx_pad = np.zeros(x_pad.shape)
    dw = np.zeros(w.shape)
    db = np.zeros(b.shape)
    for n in range(N):
        for f in range(F):
            db[f] += np.sum(dout[n, f])
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    dw[f] += x_pad[n, :, hs:hs + HH, ws:ws + WW] * dout[n, f, i, j]
                    dx_pad[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
    dx = dx_pad[:, :, pad:H + pad, pad:W + pad]
    return dx, dw, db
'''

CONV_BACKWARD_OFFSETS = '''
def conv_backward_naive(dout, cache):
    """A loop over the filter offsets: dw[:, :, k, l] is one einsum over a strided slice, and dx
    gets that slice's gradient added (a slice never overlaps itself)."""
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    s, p = conv_param["stride"], conv_param["pad"]
    H_out, W_out = dout.shape[2], dout.shape[3]
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.empty_like(w)
    for k in range(HH):
        for l in range(WW):
            rows, cols = slice(k, k + s * (H_out - 1) + 1, s), slice(l, l + s * (W_out - 1) + 1, s)
            dw[:, :, k, l] = np.einsum("nfhw,nchw->fc", dout, x_pad[:, :, rows, cols])
            dx_pad[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, k, l])
    db = np.einsum("nfhw->f", dout)
    return dx_pad[:, :, p:p + H, p:p + W], dw, db
'''

POOL_FORWARD_TEXTBOOK = '''
def max_pool_forward_naive(x, pool_param):
    """CS231n's public solution: four loops, np.zeros (float64) output."""
    N, C, H, W = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = np.max(x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw])
    cache = (x, pool_param)
    return out, cache
'''

POOL_FORWARD_OFFSETS = '''
def max_pool_forward_naive(x, pool_param):
    """A running maximum over the window offsets, starting from -inf."""
    N, C, H, W = x.shape
    PH, PW, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = 1 + (H - PH) // s, 1 + (W - PW) // s
    out = np.full((N, C, H_out, W_out), -np.inf)
    for k in range(PH):
        for l in range(PW):
            np.maximum(out, x[:, :, k:k + s * (H_out - 1) + 1:s, l:l + s * (W_out - 1) + 1:s], out=out)
    return out, (x, pool_param)
'''

POOL_BACKWARD_EVERY_MAXIMUM = '''
def max_pool_backward_naive(dout, cache):
    """A mask of each window's maximum: with ties, every maximum gets the gradient (ties are not
    graded); overlapping windows add up."""
    x, pool_param = cache
    PH, PW, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s:i * s + PH, j * s:j * s + PW]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * s:i * s + PH, j * s:j * s + PW] += mask * dout[:, :, i, j][:, :, None, None]
    return dx
'''

POOL_BACKWARD_TEXTBOOK = '''
def max_pool_backward_naive(dout, cache):
    """CS231n's public solution: four loops, np.unravel_index of each window's argmax."""
    x, pool_param = cache
    N, C, H, W = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    _, _, H_out, W_out = dout.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]
    return dx
'''

SPATIAL_BN_FORWARD_MOVEAXIS = '''
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Channels moved last with np.moveaxis, one row per pixel, then the given batch norm."""
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(np.moveaxis(x, 1, -1).reshape(-1, C), gamma, beta, bn_param)
    out = np.moveaxis(out.reshape(N, H, W, C), -1, 1)
    return out, cache
'''

SPATIAL_BN_FORWARD_COPY = '''
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """CS231n's public solution: transpose, reshape, and a contiguous copy of the result."""
    N, C, H, W = x.shape
    x_flat = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)
    out_flat, cache = batchnorm_forward(x_flat, gamma, beta, bn_param)
    out = np.ascontiguousarray(out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2))
    return out, cache
'''

SPATIAL_BN_BACKWARD_GRAPH = '''
from cs231n.layers import batchnorm_backward


def spatial_batchnorm_backward(dout, cache):
    """The staged batch norm backward (batchnorm_backward), through np.moveaxis."""
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(np.moveaxis(dout, 1, -1).reshape(-1, C), cache)
    dx = np.moveaxis(dx.reshape(N, H, W, C), -1, 1)
    return dx, dgamma, dbeta
'''

SPATIAL_BN_BACKWARD_ALT = '''
def spatial_batchnorm_backward(dout, cache):
    """CS231n's public solution: transpose and reshape around batchnorm_backward_alt."""
    N, C, H, W = dout.shape
    dout_flat = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_flat, dgamma, dbeta = batchnorm_backward_alt(dout_flat, cache)
    dx = dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return dx, dgamma, dbeta
'''

SPATIAL_GN_FORWARD_FLAT = '''
def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """CS231n's public solution: each group's values flattened on one axis; std kept as (N, G, 1)."""
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    x_group = x.reshape(N, G, -1)  # (N, G, C // G * H * W)
    mean = np.mean(x_group, axis=2, keepdims=True)
    var = np.var(x_group, axis=2, keepdims=True)
    std = np.sqrt(var + eps)
    x_hat = ((x_group - mean) / std).reshape(N, C, H, W)
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma, G)
    return out, cache
'''

SPATIAL_GN_FORWARD_SUMS = '''
def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Mean and biased variance from sums over the group axes; gamma and beta applied with einsum."""
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    groups = x.reshape(N, G, C // G, H, W)
    count = groups[0, 0].size
    mean = groups.sum(axis=(2, 3, 4), keepdims=True) / count
    centered = groups - mean
    std = np.sqrt((centered ** 2).sum(axis=(2, 3, 4), keepdims=True) / count + eps)
    x_hat = (centered / std).reshape(N, C, H, W)
    out = np.einsum("nchw,c->nchw", x_hat, gamma.reshape(C)) + beta
    return out, (x_hat, std, gamma, G)
'''

SPATIAL_GN_BACKWARD_FORMULA = '''
def spatial_groupnorm_backward(dout, cache):
    """CS231n's public solution: the one-line normalization gradient over each group's M values."""
    x_hat, std, gamma, G = cache
    N, C, H, W = dout.shape
    dbeta = np.sum(dout, axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)
    dx_hat = (dout * gamma).reshape(N, G, -1)
    x_hat_g = x_hat.reshape(N, G, -1)
    M = x_hat_g.shape[2]
    std = std.reshape(N, G, 1)
    dx = (M * dx_hat - dx_hat.sum(axis=2, keepdims=True)
          - x_hat_g * np.sum(dx_hat * x_hat_g, axis=2, keepdims=True)) / (M * std)
    return dx.reshape(N, C, H, W), dgamma, dbeta
'''

SPATIAL_GN_BACKWARD_GRAPH = '''
def spatial_groupnorm_backward(dout, cache):
    """The staged computational graph (through the variance and the mean), as batchnorm_backward."""
    x_hat, std, gamma, G = cache
    N, C, H, W = dout.shape
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3)).reshape(1, C, 1, 1)
    dbeta = dout.sum(axis=(0, 2, 3)).reshape(1, C, 1, 1)
    dx_hat = (dout * gamma).reshape(N, G, -1)
    std = std.reshape(N, G, 1)
    x_mu = x_hat.reshape(N, G, -1) * std
    M = x_mu.shape[2]
    dvar = np.sum(dx_hat * x_mu, axis=2, keepdims=True) * -0.5 * std ** -3
    dmean = np.sum(-dx_hat / std, axis=2, keepdims=True) + dvar * np.mean(-2 * x_mu, axis=2, keepdims=True)
    dx = dx_hat / std + dvar * 2 * x_mu / M + dmean / M
    return dx.reshape(N, C, H, W), dgamma, dbeta
'''

CNN_INIT_TEXTBOOK = """
C, H, W = input_dim
self.params["W1"] = weight_scale * np.random.randn(num_filters, C, filter_size, filter_size)
self.params["b1"] = np.zeros(num_filters)
self.params["W2"] = weight_scale * np.random.randn(num_filters * (H // 2) * (W // 2), hidden_dim)
self.params["b2"] = np.zeros(hidden_dim)
self.params["W3"] = weight_scale * np.random.randn(hidden_dim, num_classes)
self.params["b3"] = np.zeros(num_classes)
"""
CNN_FORWARD_TEXTBOOK = """
out1, cache1 = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)
out2, cache2 = affine_relu_forward(out1, W2, b2)
scores, cache3 = affine_forward(out2, W3, b3)
"""
CNN_BACKWARD_TEXTBOOK = """
loss, dscores = softmax_loss(scores, y)
loss += 0.5 * self.reg * (np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3)))
dout2, dW3, db3 = affine_backward(dscores, cache3)
dout1, dW2, db2 = affine_relu_backward(dout2, cache2)
dx, dW1, db1 = conv_relu_pool_backward(dout1, cache1)
grads = {"W1": dW1 + self.reg * W1, "b1": db1, "W2": dW2 + self.reg * W2, "b2": db2,
         "W3": dW3 + self.reg * W3, "b3": db3}
"""

# np.random.normal(0, scale, shape) draws the same numbers as scale * np.random.randn(*shape).
CNN_INIT_NORMAL = """
C, H, W = input_dim
shapes = {"W1": (num_filters, C, filter_size, filter_size),
          "W2": (num_filters * (H // 2) * (W // 2), hidden_dim), "W3": (hidden_dim, num_classes)}
for layer in (1, 2, 3):
    shape = shapes[f"W{layer}"]
    self.params[f"W{layer}"] = np.random.normal(0.0, weight_scale, size=shape)
    self.params[f"b{layer}"] = np.zeros(shape[-1] if layer > 1 else shape[0])
"""
# Layer by layer with the given fast layers and an inline ReLU.
CNN_FORWARD_LAYERS = """
conv, conv_cache = conv_forward_fast(X, W1, b1, conv_param)
relu1 = np.maximum(conv, 0)
pooled, pool_cache = max_pool_forward_fast(relu1, pool_param)
hidden_in = pooled.reshape(pooled.shape[0], -1) @ W2 + b2
hidden = np.maximum(hidden_in, 0)
scores = hidden @ W3 + b3
"""
CNN_BACKWARD_LAYERS = """
loss, dscores = softmax_loss(scores, y)
loss += 0.5 * self.reg * sum(np.sum(W * W) for W in (W1, W2, W3))
grads["W3"] = hidden.T @ dscores + self.reg * W3
grads["b3"] = dscores.sum(axis=0)
dhidden = (dscores @ W3.T) * (hidden_in > 0)
grads["W2"] = pooled.reshape(pooled.shape[0], -1).T @ dhidden + self.reg * W2
grads["b2"] = dhidden.sum(axis=0)
dpooled = (dhidden @ W2.T).reshape(pooled.shape)
drelu1 = max_pool_backward_fast(dpooled, pool_cache) * (conv > 0)
_, dW1, grads["b1"] = conv_backward_fast(drelu1, conv_cache)
grads["W1"] = dW1 + self.reg * W1
"""


def _alternatives():
    from ...classifiers.cnn import ThreeLayerConvNet

    return (
        planted_alternative("conv_forward_textbook", "conv_forward_naive", CONV_FORWARD_TEXTBOOK,
                            "four loops, np.zeros (float64) output"),
        planted_alternative("conv_forward_offsets", "conv_forward_naive", CONV_FORWARD_OFFSETS,
                            "a loop over filter offsets with einsum"),
        planted_alternative("conv_backward_textbook", "conv_backward_naive", CONV_BACKWARD_TEXTBOOK,
                            "four loops"),
        planted_alternative("conv_backward_offsets", "conv_backward_naive", CONV_BACKWARD_OFFSETS,
                            "a loop over filter offsets with einsum"),
        planted_alternative("max_pool_forward_textbook", "max_pool_forward_naive", POOL_FORWARD_TEXTBOOK,
                            "four loops, np.zeros (float64) output"),
        planted_alternative("max_pool_forward_offsets", "max_pool_forward_naive", POOL_FORWARD_OFFSETS,
                            "a running maximum over window offsets"),
        planted_alternative("max_pool_backward_every_maximum", "max_pool_backward_naive",
                            POOL_BACKWARD_EVERY_MAXIMUM, "a mask of the maximum (every tied maximum)"),
        planted_alternative("max_pool_backward_textbook", "max_pool_backward_naive", POOL_BACKWARD_TEXTBOOK,
                            "four loops, unravel_index of the argmax"),
        planted_alternative("three_layer_convnet_textbook", "ThreeLayerConvNet",
                            library_cell(ThreeLayerConvNet, CNN_INIT_TEXTBOOK, CNN_FORWARD_TEXTBOOK,
                                           CNN_BACKWARD_TEXTBOOK), "CS231n's sandwich layers"),
        planted_alternative("three_layer_convnet_layers", "ThreeLayerConvNet",
                            library_cell(ThreeLayerConvNet, CNN_INIT_NORMAL, CNN_FORWARD_LAYERS,
                                           CNN_BACKWARD_LAYERS),
                            "np.random.normal draws, fast layers one by one, inline ReLU and affine"),
        planted_alternative("spatial_batchnorm_forward_moveaxis", "spatial_batchnorm_forward",
                            SPATIAL_BN_FORWARD_MOVEAXIS, "np.moveaxis"),
        planted_alternative("spatial_batchnorm_forward_copy", "spatial_batchnorm_forward",
                            SPATIAL_BN_FORWARD_COPY, "transpose and a contiguous copy"),
        planted_alternative("spatial_batchnorm_backward_graph", "spatial_batchnorm_backward",
                            SPATIAL_BN_BACKWARD_GRAPH, "the staged batchnorm_backward"),
        planted_alternative("spatial_batchnorm_backward_alt", "spatial_batchnorm_backward",
                            SPATIAL_BN_BACKWARD_ALT, "batchnorm_backward_alt"),
        planted_alternative("spatial_groupnorm_forward_flat", "spatial_groupnorm_forward",
                            SPATIAL_GN_FORWARD_FLAT, "groups flattened on one axis, std of shape (N, G, 1)"),
        planted_alternative("spatial_groupnorm_forward_sums", "spatial_groupnorm_forward",
                            SPATIAL_GN_FORWARD_SUMS, "statistics from sums, einsum scale"),
        planted_alternative("spatial_groupnorm_backward_formula", "spatial_groupnorm_backward",
                            SPATIAL_GN_BACKWARD_FORMULA, "the one-line normalization gradient"),
        planted_alternative("spatial_groupnorm_backward_graph", "spatial_groupnorm_backward",
                            SPATIAL_GN_BACKWARD_GRAPH, "the staged graph through variance and mean"),
    )


PLANTED_ALTERNATIVES = _alternatives()
