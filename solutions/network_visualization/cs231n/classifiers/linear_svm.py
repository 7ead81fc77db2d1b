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
    dW = np.zeros(W.shape)  # initialize the gradient as zero

    # compute the loss and the gradient
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                #############################################################
                # TODO: add this margin's contribution to the gradient dW.  #
                #############################################################
                # d margin / d W[:, j] = X[i] and d margin / d W[:, y[i]] = -X[i].
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]

    # Right now the loss is a sum over all training examples, but we want it
    # to be an average instead so we divide by num_train.
    loss /= num_train

    # Add regularization to the loss.
    loss += reg * np.sum(W * W)

    #############################################################################
    # TODO: finish the gradient: average it as the loss was averaged, and add   #
    # the gradient of the regularization term.                                  #
    #############################################################################
    dW /= num_train
    dW += 2 * reg * W

    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    """Structured SVM loss and its gradient, vectorized implementation.

    Inputs and outputs are the same as svm_loss_naive.
    """
    loss = 0.0
    dW = np.zeros(W.shape)  # initialize the gradient as zero

    #############################################################################
    # TODO: implement a vectorized version of the structured SVM loss and its   #
    # gradient, storing the results in loss and dW, without any Python loop.    #
    #                                                                           #
    # Hint: instead of computing the gradient from scratch, it may be easier    #
    # to reuse some of the intermediate values that you used to compute the     #
    # loss.                                                                     #
    #############################################################################
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W  # (N, C)
    correct_scores = scores[rows, y][:, np.newaxis]  # (N, 1)
    hinge = np.maximum(0.0, scores - correct_scores + 1.0)  # (N, C)
    hinge[rows, y] = 0.0  # the correct class is not a margin
    loss = np.sum(hinge) / num_train + reg * np.sum(W * W)

    # Each violated margin adds X[i] to its class's column and subtracts it from the correct one.
    coefficients = (hinge > 0).astype(np.float64)  # (N, C)
    coefficients[rows, y] = -np.sum(coefficients, axis=1)
    dW = X.T @ coefficients / num_train + 2 * reg * W  # (D, C)

    return loss, dW
