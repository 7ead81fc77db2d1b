"""Sandwich layers: common sequences of layers as one forward and one backward."""

from .layers import affine_backward, affine_forward, relu_backward, relu_forward


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
    # YOUR CODE HERE
    raise NotImplementedError()
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
    # YOUR CODE HERE
    raise NotImplementedError()
    return dx, dw, db
