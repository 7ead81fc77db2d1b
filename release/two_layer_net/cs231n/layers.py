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
    # YOUR CODE HERE
    raise NotImplementedError()
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
    # YOUR CODE HERE
    raise NotImplementedError()
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
    # YOUR CODE HERE
    raise NotImplementedError()
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
    # YOUR CODE HERE
    raise NotImplementedError()
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
    # YOUR CODE HERE
    raise NotImplementedError()
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
    # YOUR CODE HERE
    raise NotImplementedError()
    return loss, dx
