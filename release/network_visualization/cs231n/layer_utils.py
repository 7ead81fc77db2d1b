"""Sandwich layers: common sequences of layers as one forward and one backward."""

from .fast_layers import conv_backward_fast, conv_forward_fast, max_pool_backward_fast, max_pool_forward_fast
from .layers import (
    affine_backward,
    affine_forward,
    relu_backward,
    relu_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)


def affine_relu_forward(x, w, b):
    """An affine layer followed by a ReLU.

    Inputs:
    - x: input to the affine layer, of shape (N, d_1, ..., d_k)
    - w: weights, of shape (D, M), D = d_1 * ... * d_k
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output of the ReLU, of shape (N, M)
    - cache: (fc_cache, relu_cache), the caches of affine_forward and relu_forward
    """
    out, cache = None, None
    ###########################################################################
    # TODO: Call affine_forward, then relu_forward.                           #
    ###########################################################################
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    """Backward pass of affine_relu_forward.

    Inputs:
    - dout: upstream derivative, of shape (N, M)
    - cache: (fc_cache, relu_cache) from affine_relu_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    dx, dw, db = None, None, None
    ###########################################################################
    # TODO: Call relu_backward, then affine_backward.                         #
    ###########################################################################
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db


# ---- Convolution and pooling (convnet) ----
# Given code: these sandwiches use the fast layers of fast_layers.py.


def conv_relu_forward(x, w, b, conv_param):
    """A convolution followed by a ReLU.

    Inputs:
    - x: input to the convolutional layer, of shape (N, C, H, W)
    - w, b, conv_param: weights (F, C, HH, WW), biases (F,) and parameters of the convolutional layer

    Returns a tuple of:
    - out: output of the ReLU, of shape (N, F, H', W')
    - cache: (conv_cache, relu_cache), for conv_relu_backward
    """
    conv_out, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(conv_out)
    return out, (conv_cache, relu_cache)


def conv_relu_backward(dout, cache):
    """Backward pass of conv_relu_forward: returns (dx, dw, db)."""
    conv_cache, relu_cache = cache
    dconv_out = relu_backward(dout, relu_cache)
    return conv_backward_fast(dconv_out, conv_cache)


def conv_bn_relu_forward(x, w, b, gamma, beta, conv_param, bn_param):
    """A convolution, spatial batch normalization and a ReLU.

    Inputs:
    - x: input to the convolutional layer, of shape (N, C, H, W)
    - w, b, conv_param: weights (F, C, HH, WW), biases (F,) and parameters of the convolutional layer
    - gamma, beta: scale and shift of the spatial batch normalization, of shape (F,)
    - bn_param: dictionary of parameters of the spatial batch normalization

    Returns a tuple of:
    - out: output of the ReLU, of shape (N, F, H', W')
    - cache: (conv_cache, bn_cache, relu_cache), for conv_bn_relu_backward
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    an, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(an)
    return out, (conv_cache, bn_cache, relu_cache)


def conv_bn_relu_backward(dout, cache):
    """Backward pass of conv_bn_relu_forward: returns (dx, dw, db, dgamma, dbeta)."""
    conv_cache, bn_cache, relu_cache = cache
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = spatial_batchnorm_backward(dan, bn_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db, dgamma, dbeta


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """A convolution, a ReLU and a max pool.

    Inputs:
    - x: input to the convolutional layer, of shape (N, C, H, W)
    - w, b, conv_param: weights (F, C, HH, WW), biases (F,) and parameters of the convolutional layer
    - pool_param: parameters of the pooling layer

    Returns a tuple of:
    - out: output of the pooling layer
    - cache: (conv_cache, relu_cache, pool_cache), for conv_relu_pool_backward
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    return out, (conv_cache, relu_cache, pool_cache)


def conv_relu_pool_backward(dout, cache):
    """Backward pass of conv_relu_pool_forward: returns (dx, dw, db)."""
    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    da = relu_backward(ds, relu_cache)
    return conv_backward_fast(da, conv_cache)
