"""Layers of a modular network: each forward returns (out, cache), each backward takes (dout, cache).

The loss layers take class scores and labels and return (loss, dx), averaged
over the N examples of the batch.
"""

import numpy as np


def affine_forward(x, w, b):
    """Fully connected (affine) layer: out = x.reshape(N, D) @ w + b.

    The input x has shape (N, d_1, ..., d_k): a minibatch of N examples, each
    of shape (d_1, ..., d_k). Each example is flattened into a vector of
    dimension D = d_1 * ... * d_k and transformed to a vector of dimension M.

    Inputs:
    - x: input data, of shape (N, d_1, ..., d_k)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (x, w, b), for affine_backward
    """
    out = None
    ###########################################################################
    # TODO: Compute the forward pass. Flatten each example of x into a row;  #
    # do not change x itself. Store the result in out.                       #
    ###########################################################################
    out = x.reshape(x.shape[0], -1) @ w + b  # (N, M)
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Inputs:
    - dout: upstream derivative, of shape (N, M)
    - cache: (x, w, b) from affine_forward:
      - x: input data, of shape (N, d_1, ..., d_k)
      - w: weights, of shape (D, M)
      - b: biases, of shape (M,)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k), like x
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    x, w, b = cache
    dx, dw, db = None, None, None
    ###########################################################################
    # TODO: Implement the affine backward pass.                               #
    ###########################################################################
    dx = (dout @ w.T).reshape(x.shape)  # (N, D) -> (N, d_1, ..., d_k)
    dw = x.reshape(x.shape[0], -1).T @ dout  # (D, M)
    db = dout.sum(axis=0)  # (M,)
    return dx, dw, db


def relu_forward(x):
    """Rectified linear units: out = max(0, x), elementwise.

    Inputs:
    - x: input, of any shape

    Returns a tuple of:
    - out: output, of the same shape as x
    - cache: x, for relu_backward
    """
    out = None
    ###########################################################################
    # TODO: Implement the ReLU forward pass without changing x.              #
    ###########################################################################
    out = np.maximum(x, 0)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of a layer of rectified linear units.

    The gradient flows where the input was positive: dx = dout * (x > 0).

    Inputs:
    - dout: upstream derivatives, of any shape
    - cache: x, the input of relu_forward, of the same shape as dout

    Returns:
    - dx: gradient with respect to x, of the same shape as x
    """
    dx, x = None, cache
    ###########################################################################
    # TODO: Implement the ReLU backward pass.                                 #
    ###########################################################################
    dx = dout * (x > 0)
    return dx


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss with margin 1, averaged over the batch.

    loss = (1 / N) * sum_i sum_{j != y[i]} max(0, x[i, j] - x[i, y[i]] + 1)

    Inputs:
    - x: class scores, of shape (N, C); x[i, j] is the score of class j for example i
    - y: labels, of shape (N,); 0 <= y[i] < C is the label of x[i]

    Returns a tuple of:
    - loss: scalar
    - dx: gradient of the loss with respect to x, of shape (N, C)
    """
    loss, dx = None, None
    ###########################################################################
    # TODO: Compute the loss and its gradient without any Python loop.       #
    ###########################################################################
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0, x - x[rows, y][:, np.newaxis] + 1)  # (N, C)
    margins[rows, y] = 0
    loss = margins.sum() / N
    positive = (margins > 0).astype(x.dtype)  # (N, C)
    dx = positive
    dx[rows, y] = -positive.sum(axis=1)
    dx /= N
    return loss, dx


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss, averaged over the batch.

    loss = -(1 / N) * sum_i log(exp(x[i, y[i]]) / sum_j exp(x[i, j]))

    Must stay finite for large scores (shift each row by its maximum first).

    Inputs:
    - x: class scores, of shape (N, C); x[i, j] is the score of class j for example i
    - y: labels, of shape (N,); 0 <= y[i] < C is the label of x[i]

    Returns a tuple of:
    - loss: scalar
    - dx: gradient of the loss with respect to x, of shape (N, C)
    """
    loss, dx = None, None
    ###########################################################################
    # TODO: Compute the loss and its gradient without any Python loop.       #
    ###########################################################################
    N = x.shape[0]
    rows = np.arange(N)
    shifted = x - x.max(axis=1, keepdims=True)  # (N, C); the largest score of each row is 0
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    loss = -log_probs[rows, y].sum() / N
    dx = np.exp(log_probs)  # softmax probabilities, (N, C)
    dx[rows, y] -= 1
    dx /= N
    return loss, dx


# ---- Normalization and dropout (batchnorm_dropout) ----


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    During training the sample mean and (biased) variance of each feature are
    computed over the minibatch and used to normalize the data; exponentially
    decaying running averages of them are kept for test time:

        running_mean = momentum * running_mean + (1 - momentum) * batch_mean
        running_var = momentum * running_var + (1 - momentum) * batch_var

    At test time the data is normalized with the running averages instead.
    The output is out = gamma * x_hat + beta, where x_hat is the normalized x.

    Inputs:
    - x: data, of shape (N, D)
    - gamma: scale parameter, of shape (D,)
    - beta: shift parameter, of shape (D,)
    - bn_param: dictionary with the keys
      - mode: "train" or "test"; required
      - eps: constant for numeric stability, default 1e-5
      - momentum: constant for the running averages, default 0.9
      - running_mean: array of shape (D,), the running mean of the features (zeros if absent)
      - running_var: array of shape (D,), the running variance of the features (zeros if absent)
      The running averages are written back into bn_param.

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: what the backward pass needs; in training mode (x_hat, x_centered, std, gamma):
      the normalized data (N, D), the centered data x - mean (N, D), the standard deviations
      sqrt(var + eps) (D,) and gamma (D,); None in test mode
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        #######################################################################
        # TODO: Implement the training-time forward pass of batch norm. Use  #
        # the minibatch statistics to compute the mean and (biased) variance, #
        # normalize the data with them, then scale and shift it by gamma and  #
        # beta. Store the output in out and what the backward pass needs in   #
        # cache. Update running_mean and running_var with the momentum as in  #
        # the formulas above.                                                 #
        #######################################################################
        sample_mean = x.mean(axis=0)  # (D,)
        x_centered = x - sample_mean  # (N, D)
        sample_var = np.mean(x_centered**2, axis=0)  # (D,), biased: divides by N
        std = np.sqrt(sample_var + eps)  # (D,)
        x_hat = x_centered / std  # (N, D)
        out = gamma * x_hat + beta
        cache = (x_hat, x_centered, std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == "test":
        #######################################################################
        # TODO: Implement the test-time forward pass of batch norm: normalize #
        # x with the running mean and variance, then scale and shift it by    #
        # gamma and beta. Store the result in out.                            #
        #######################################################################
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    else:
        raise ValueError(f'Invalid forward batchnorm mode "{mode}"')

    # Store the updated running means back into bn_param
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var

    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, through its computational graph.

    Work through the forward pass one intermediate value at a time (mean,
    centered data, variance, standard deviation, normalized data, output) and
    backpropagate through each in reverse order.

    Inputs:
    - dout: upstream derivatives, of shape (N, D)
    - cache: the cache of batchnorm_forward in training mode

    Returns a tuple of:
    - dx: gradient with respect to the inputs x, of shape (N, D)
    - dgamma: gradient with respect to the scale parameter gamma, of shape (D,)
    - dbeta: gradient with respect to the shift parameter beta, of shape (D,)
    """
    dx, dgamma, dbeta = None, None, None
    ###########################################################################
    # TODO: Implement the backward pass of batch normalization, one node of  #
    # the computational graph at a time.                                      #
    ###########################################################################
    x_hat, x_centered, std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)  # out = gamma * x_hat + beta
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma  # (N, D)
    dx_centered = dx_hat / std  # x_hat = x_centered / std, through its numerator
    dstd = -np.sum(dx_hat * x_centered, axis=0) / std**2  # (D,), and through its denominator
    dvar = dstd / (2 * std)  # std = sqrt(var + eps)
    dx_centered += 2 * x_centered * dvar / N  # var = mean(x_centered**2)
    dx = dx_centered - dx_centered.mean(axis=0)  # x_centered = x - mean(x)
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization, simplified to one expression for dx.

    Derive the gradient of the loss with respect to x on paper first; it
    simplifies to a single statement. Takes the same cache and returns the same
    values as batchnorm_backward, faster.

    Inputs / outputs: same as batchnorm_backward
    """
    dx, dgamma, dbeta = None, None, None
    ###########################################################################
    # TODO: Implement the backward pass of batch normalization with the      #
    # simplified expression for dx; no intermediate graph nodes.              #
    ###########################################################################
    x_hat, _, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx = gamma / std * (dout - (dbeta + x_hat * dgamma) / dout.shape[0])  # (N, D)
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass of layer normalization.

    Each example (each row of x) is normalized by the mean and (biased)
    variance of its own features, then scaled and shifted per feature by gamma
    and beta. Training and test time behave the same, and no running averages
    are kept.

    Inputs:
    - x: data, of shape (N, D)
    - gamma: scale parameter, of shape (D,)
    - beta: shift parameter, of shape (D,)
    - ln_param: dictionary with the key
      - eps: constant for numeric stability, default 1e-5

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: what layernorm_backward needs
    """
    out, cache = None, None
    eps = ln_param.get("eps", 1e-5)
    ###########################################################################
    # TODO: Implement the forward pass of layer normalization. Normalize     #
    # each example over its features (axis 1), then scale and shift. Hint:   #
    # it is batch normalization of the transposed data, with the per-feature #
    # gamma and beta applied afterwards.                                      #
    ###########################################################################
    x_centered = x - x.mean(axis=1, keepdims=True)  # (N, D)
    std = np.sqrt(np.mean(x_centered**2, axis=1, keepdims=True) + eps)  # (N, 1)
    x_hat = x_centered / std  # (N, D)
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma)
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    Inputs:
    - dout: upstream derivatives, of shape (N, D)
    - cache: the cache of layernorm_forward

    Returns a tuple of:
    - dx: gradient with respect to the inputs x, of shape (N, D)
    - dgamma: gradient with respect to the scale parameter gamma, of shape (D,)
    - dbeta: gradient with respect to the shift parameter beta, of shape (D,)
    """
    dx, dgamma, dbeta = None, None, None
    ###########################################################################
    # TODO: Implement the backward pass of layer normalization. Hint: your   #
    # batch norm backward, transposed, does most of it.                       #
    ###########################################################################
    x_hat, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma  # (N, D)
    # Batch norm's simplified backward, over the features of each example instead of the batch.
    dx = (dx_hat - dx_hat.mean(axis=1, keepdims=True)
          - x_hat * np.mean(dx_hat * x_hat, axis=1, keepdims=True)) / std
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    """Forward pass of (inverted) dropout.

    In training mode each unit is kept with probability p and zeroed
    otherwise, and the kept units are divided by p, so that the expected value
    of each output equals its input and test time needs no scaling. In test
    mode the input passes through unchanged.

    Inputs:
    - x: input data, of any shape
    - dropout_param: dictionary with the keys
      - p: the probability of KEEPING each unit (not of dropping it)
      - mode: "train" or "test"
      - seed: optional; if present, np.random.seed(seed) is called first, so the
        mask is deterministic (needed for gradient checks, never in real networks)

    Returns a tuple of:
    - out: of the same shape and dtype as x
    - cache: (dropout_param, mask); in training mode mask is the array that
      multiplied x (0 for dropped units, 1 / p for kept ones), in test mode None
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    out = None

    if mode == "train":
        #######################################################################
        # TODO: Implement training-phase forward pass for inverted dropout.   #
        # Draw the mask as (np.random.rand(*x.shape) < p) / p, so that a      #
        # seeded mask is the same as everyone's. Store it in mask.            #
        #######################################################################
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        #######################################################################
        # TODO: Implement the test phase forward pass for inverted dropout.   #
        #######################################################################
        out = x
    else:
        raise ValueError(f'Invalid forward dropout mode "{mode}"')

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)

    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of (inverted) dropout.

    Inputs:
    - dout: upstream derivatives, of any shape
    - cache: (dropout_param, mask) from dropout_forward

    Returns:
    - dx: gradient with respect to the input x, of the same shape and dtype as dout
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]

    dx = None
    if mode == "train":
        #######################################################################
        # TODO: Implement training phase backward pass for inverted dropout   #
        #######################################################################
        dx = dout * mask
    elif mode == "test":
        dx = dout
    return dx.astype(dout.dtype, copy=False)

# ---- Convolution and pooling (convnet) ----


def conv_forward_naive(x, w, b, conv_param):
    """A naive implementation of the forward pass of a convolutional layer.

    The input consists of N data points, each with C channels, height H and
    width W. Each input is convolved with F different filters, each of which
    spans all C channels and has height HH and width WW (strictly speaking it
    is a cross-correlation: the filter is not flipped).

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - w: filter weights, of shape (F, C, HH, WW)
    - b: biases, of shape (F,)
    - conv_param: dictionary with the keys
      - "stride": the number of pixels between adjacent receptive fields, in
        both the horizontal and the vertical direction
      - "pad": the number of pixels of zeros added on each side of the input,
        symmetrically along the height and the width axes

    During padding, "pad" zeros are placed before and after the height and
    width axes of x. Do not modify x: pad a copy.

    Returns a tuple of:
    - out: output data, of shape (N, F, H', W'), where H' and W' are given by
      H' = 1 + (H + 2 * pad - HH) // stride
      W' = 1 + (W + 2 * pad - WW) // stride
    - cache: (x, w, b, conv_param)
    """
    out = None
    ###########################################################################
    # TODO: Implement the convolutional forward pass. Loops over the output  #
    # positions are fine here. Hint: np.pad pads a copy of x.                #
    ###########################################################################
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H + 2 * pad, W + 2 * pad)
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]  # (N, C, HH, WW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b  # (N, F)
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """A naive implementation of the backward pass of a convolutional layer.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H', W')
    - cache: (x, w, b, conv_param), as in conv_forward_naive

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    """
    dx, dw, db = None, None, None
    ###########################################################################
    # TODO: Implement the convolutional backward pass. Loops over the output #
    # positions are fine here. Where windows overlap, gradients add up.      #
    ###########################################################################
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))  # (F,)
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
            d = dout[:, :, i, j]  # (N, F)
            dx_pad[:, :, rows, cols] += np.tensordot(d, w, axes=(1, 0))  # (N, C, HH, WW)
            dw += np.tensordot(d, x_pad[:, :, rows, cols], axes=(0, 0))  # (F, C, HH, WW)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """A naive implementation of the forward pass of a max pooling layer.

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - pool_param: dictionary with the keys
      - "pool_height": the height of each pooling region
      - "pool_width": the width of each pooling region
      - "stride": the distance between adjacent pooling regions

    No padding is necessary here. Windows may overlap (stride < pool size).

    Returns a tuple of:
    - out: output data, of shape (N, C, H', W'), where H' and W' are given by
      H' = 1 + (H - pool_height) // stride
      W' = 1 + (W - pool_width) // stride
    - cache: (x, pool_param)
    """
    out = None
    ###########################################################################
    # TODO: Implement the max pooling forward pass. Loops over the output    #
    # positions are fine here.                                               #
    ###########################################################################
    N, C, H, W = x.shape
    PH, PW, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = 1 + (H - PH) // stride, 1 + (W - PW) // stride
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + PH, j * stride:j * stride + PW]  # (N, C, PH, PW)
            out[:, :, i, j] = window.max(axis=(2, 3))
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """A naive implementation of the backward pass of a max pooling layer.

    The gradient of each output goes to the input element that was the maximum
    of its window. If several elements of a window share the maximum, all of it
    goes to the first of them in row-major order (the one np.argmax picks).
    Where windows overlap, gradients add up.

    Inputs:
    - dout: upstream derivatives, of shape (N, C, H', W')
    - cache: (x, pool_param), as in the forward pass

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    """
    dx = None
    ###########################################################################
    # TODO: Implement the max pooling backward pass. Loops over the output   #
    # positions are fine here.                                               #
    ###########################################################################
    x, pool_param = cache
    N, C, H, W = x.shape
    PH, PW, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    _, _, H_out, W_out = dout.shape
    dx = np.zeros(x.shape, dtype=dout.dtype)
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")  # (N, C) each
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + PH, j * stride:j * stride + PW]  # (N, C, PH, PW)
            first_max = window.reshape(N, C, PH * PW).argmax(axis=2)  # (N, C): row-major index in the window
            rows, cols = i * stride + first_max // PW, j * stride + first_max % PW
            dx[n, c, rows, cols] += dout[:, :, i, j]
    return dx


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of spatial batch normalization.

    Each channel is normalized over the minibatch and both spatial axes: the
    statistics of channel c come from all N * H * W values x[:, c, :, :].

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - gamma: scale parameter, of shape (C,)
    - beta: shift parameter, of shape (C,)
    - bn_param: dictionary with the keys
      - mode: "train" or "test"; required
      - eps: constant for numeric stability, default 1e-5
      - momentum: constant for the running averages, default 0.9
      - running_mean: array of shape (C,), the running mean of the channels
      - running_var: array of shape (C,), the running variance of the channels
      The running averages are written back into bn_param, as in batchnorm_forward.

    Returns a tuple of:
    - out: output data, of shape (N, C, H, W)
    - cache: the cache of batchnorm_forward, for spatial_batchnorm_backward
    """
    out, cache = None, None
    ###########################################################################
    # TODO: Implement the forward pass for spatial batch normalization.      #
    # HINT: You can implement spatial batch normalization by calling the     #
    # vanilla version of batch normalization you implemented above.         #
    # Your implementation should be very short; ours is less than five lines.#
    ###########################################################################
    N, C, H, W = x.shape
    x_rows = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)  # one row per pixel, one column per channel
    out_rows, cache = batchnorm_forward(x_rows, gamma, beta, bn_param)
    out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)  # (N, C, H, W)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial batch normalization.

    Inputs:
    - dout: upstream derivatives, of shape (N, C, H, W)
    - cache: values from the forward pass

    Returns a tuple of:
    - dx: gradient with respect to the inputs, of shape (N, C, H, W)
    - dgamma: gradient with respect to the scale parameter, of shape (C,)
    - dbeta: gradient with respect to the shift parameter, of shape (C,)
    """
    dx, dgamma, dbeta = None, None, None
    ###########################################################################
    # TODO: Implement the backward pass for spatial batch normalization.     #
    # HINT: You can implement spatial batch normalization by calling the     #
    # vanilla version of batch normalization you implemented above.         #
    ###########################################################################
    N, C, H, W = dout.shape
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(N * H * W, C)
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(dout_rows, cache)
    dx = dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)  # (N, C, H, W)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Forward pass of spatial group normalization.

    In contrast to layer normalization, group normalization splits each entry
    of the data into G contiguous pieces, which it then normalizes
    independently: the C channels form G groups of C // G consecutive
    channels, and each example's group is normalized by the mean and (biased)
    variance of its (C // G) * H * W values. Per-channel gamma and beta are
    then applied, as in layer normalization. Training and test time behave
    the same; there are no running averages.

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - gamma: scale parameter, of shape (1, C, 1, 1)
    - beta: shift parameter, of shape (1, C, 1, 1)
    - G: integer number of groups to split into; should divide C
    - gn_param: dictionary with the key
      - eps: constant for numeric stability, default 1e-5

    Returns a tuple of:
    - out: output data, of shape (N, C, H, W)
    - cache: (x_hat, std, gamma, G): the normalized data (N, C, H, W), the
      standard deviations sqrt(var + eps) of the groups (N, G, 1, 1, 1), gamma and G
    """
    out, cache = None, None
    eps = gn_param.get("eps", 1e-5)
    ###########################################################################
    # TODO: Implement the forward pass for spatial group normalization.      #
    # This will be extremely similar to the layer norm implementation.       #
    # In particular, think about how you could transform the matrix so that  #
    # the bulk of the code is similar to both train-time batch normalization #
    # and layer normalization!                                               #
    ###########################################################################
    N, C, H, W = x.shape
    x_groups = x.reshape(N, G, C // G, H, W)
    mean = x_groups.mean(axis=(2, 3, 4), keepdims=True)  # (N, G, 1, 1, 1)
    std = np.sqrt(x_groups.var(axis=(2, 3, 4), keepdims=True) + eps)  # (N, G, 1, 1, 1), biased variance
    x_hat = ((x_groups - mean) / std).reshape(N, C, H, W)
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma, G)
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """Backward pass of spatial group normalization.

    Inputs:
    - dout: upstream derivatives, of shape (N, C, H, W)
    - cache: values from the forward pass

    Returns a tuple of:
    - dx: gradient with respect to the inputs, of shape (N, C, H, W)
    - dgamma: gradient with respect to the scale parameter, of shape (1, C, 1, 1)
    - dbeta: gradient with respect to the shift parameter, of shape (1, C, 1, 1)
    """
    dx, dgamma, dbeta = None, None, None
    ###########################################################################
    # TODO: Implement the backward pass for spatial group normalization.     #
    # This will be extremely similar to the layer norm implementation.       #
    ###########################################################################
    x_hat, std, gamma, G = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)  # (1, C, 1, 1)
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)  # (1, C, 1, 1)
    dx_hat = (dout * gamma).reshape(N, G, C // G, H, W)
    x_hat_groups = x_hat.reshape(N, G, C // G, H, W)
    # The one-expression gradient of a normalization, over each group's values (as in batchnorm_backward_alt).
    dx = (dx_hat - dx_hat.mean(axis=(2, 3, 4), keepdims=True)
          - x_hat_groups * np.mean(dx_hat * x_hat_groups, axis=(2, 3, 4), keepdims=True)) / std
    dx = dx.reshape(N, C, H, W)
    return dx, dgamma, dbeta
