"""Softmax (cross-entropy) loss of a linear classifier, with loops and vectorized."""

import numpy as np


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and its gradient, naive implementation (with loops).

    Scores are s = X[i] @ W; example i costs -log(exp(s[y[i]]) / sum_j exp(s[j])).
    The loss is the average cost over the N examples plus reg * np.sum(W * W).
    Scores may be in the thousands: compute exp only of scores shifted so that
    their maximum is 0, or it overflows.

    Inputs have dimension D, there are C classes, and we operate on minibatches
    of N examples.

    Inputs:
    - W: weights, of shape (D, C)
    - X: a minibatch of data, of shape (N, D)
    - y: labels, of shape (N,); y[i] = c means that X[i] has label c, where 0 <= c < C
    - reg: (float) regularization strength

    Returns a tuple of:
    - loss: a float
    - dW: gradient of the loss with respect to W, of shape (D, C)
    """
    # Written and graded in svm_softmax.ipynb; edit it there. This copy calls the notebook's.
    from cs231n.notebook_units import written_in_notebook
    return written_in_notebook("softmax_loss_naive", "svm_softmax.ipynb")(W, X, y, reg)


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and its gradient, vectorized implementation.

    Inputs and outputs are the same as softmax_loss_naive.
    """
    # Written and graded in svm_softmax.ipynb; edit it there. This copy calls the notebook's.
    from cs231n.notebook_units import written_in_notebook
    return written_in_notebook("softmax_loss_vectorized", "svm_softmax.ipynb")(W, X, y, reg)
