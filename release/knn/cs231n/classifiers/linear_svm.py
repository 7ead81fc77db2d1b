"""Multiclass SVM (hinge) loss of a linear classifier, with loops and vectorized."""

import numpy as np


def svm_loss_naive(W, X, y, reg):
    """Structured SVM loss and its gradient, naive implementation (with loops).

    Scores are s = X[i] @ W; each wrong class j costs max(0, s[j] - s[y[i]] + 1)
    (margin delta = 1). The loss is the average cost over the N examples plus
    reg * np.sum(W * W).

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
    raise NotImplementedError("svm_loss_naive is written in a later assignment (svm_softmax)")


def svm_loss_vectorized(W, X, y, reg):
    """Structured SVM loss and its gradient, vectorized implementation.

    Inputs and outputs are the same as svm_loss_naive.
    """
    raise NotImplementedError("svm_loss_vectorized is written in a later assignment (svm_softmax)")
