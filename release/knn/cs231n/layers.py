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
    raise NotImplementedError("affine_forward is written in a later assignment (two_layer_net)")


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
    raise NotImplementedError("affine_backward is written in a later assignment (two_layer_net)")


def relu_forward(x):
    """Rectified linear units: out = max(0, x), elementwise.

    Inputs:
    - x: input, of any shape

    Returns a tuple of:
    - out: output, of the same shape as x
    - cache: x, for relu_backward
    """
    raise NotImplementedError("relu_forward is written in a later assignment (two_layer_net)")


def relu_backward(dout, cache):
    """Backward pass of a layer of rectified linear units.

    The gradient flows where the input was positive: dx = dout * (x > 0).

    Inputs:
    - dout: upstream derivatives, of any shape
    - cache: x, the input of relu_forward, of the same shape as dout

    Returns:
    - dx: gradient with respect to x, of the same shape as x
    """
    raise NotImplementedError("relu_backward is written in a later assignment (two_layer_net)")


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
    raise NotImplementedError("svm_loss is written in a later assignment (two_layer_net)")


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
    raise NotImplementedError("softmax_loss is written in a later assignment (two_layer_net)")


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
    raise NotImplementedError("batchnorm_forward is written in a later assignment (batchnorm_dropout)")


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
    raise NotImplementedError("batchnorm_backward is written in a later assignment (batchnorm_dropout)")


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization, simplified to one expression for dx.

    Derive the gradient of the loss with respect to x on paper first; it
    simplifies to a single statement. Takes the same cache and returns the same
    values as batchnorm_backward, faster.

    Inputs / outputs: same as batchnorm_backward
    """
    raise NotImplementedError("batchnorm_backward_alt is written in a later assignment (batchnorm_dropout)")


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
    raise NotImplementedError("layernorm_forward is written in a later assignment (batchnorm_dropout)")


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
    raise NotImplementedError("layernorm_backward is written in a later assignment (batchnorm_dropout)")


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
    raise NotImplementedError("dropout_forward is written in a later assignment (batchnorm_dropout)")


def dropout_backward(dout, cache):
    """Backward pass of (inverted) dropout.

    Inputs:
    - dout: upstream derivatives, of any shape
    - cache: (dropout_param, mask) from dropout_forward

    Returns:
    - dx: gradient with respect to the input x, of the same shape and dtype as dout
    """
    raise NotImplementedError("dropout_backward is written in a later assignment (batchnorm_dropout)")

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
    raise NotImplementedError("conv_forward_naive is written in a later assignment (convnet)")


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
    raise NotImplementedError("conv_backward_naive is written in a later assignment (convnet)")


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
    raise NotImplementedError("max_pool_forward_naive is written in a later assignment (convnet)")


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
    raise NotImplementedError("max_pool_backward_naive is written in a later assignment (convnet)")


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
    raise NotImplementedError("spatial_batchnorm_forward is written in a later assignment (convnet)")


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
    raise NotImplementedError("spatial_batchnorm_backward is written in a later assignment (convnet)")


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
    raise NotImplementedError("spatial_groupnorm_forward is written in a later assignment (convnet)")


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
    raise NotImplementedError("spatial_groupnorm_backward is written in a later assignment (convnet)")
