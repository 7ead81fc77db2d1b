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
    # Initialize the loss and gradient to zero.
    loss = 0.0
    dW = np.zeros_like(W)

    #############################################################################
    # TODO: compute the softmax loss and its gradient using explicit loops.     #
    # Store the loss in loss and the gradient in dW. If you are not careful     #
    # here, it is easy to run into numeric instability. Don't forget the        #
    # regularization!                                                           #
    #############################################################################
    num_train, num_labels = X.shape[0], W.shape[1]
    for i in range(num_train):
        example_scores = X[i].dot(W)  # (C,)
        # Subtracting the largest score changes no probability and keeps exp from overflowing.
        example_scores -= np.max(example_scores)
        exp_scores = np.exp(example_scores)
        normalizer = np.sum(exp_scores)
        loss += np.log(normalizer) - example_scores[y[i]]
        for j in range(num_labels):
            probability = exp_scores[j] / normalizer
            # d loss_i / d s_j = p_j - [j == y[i]], and d s_j / d W[:, j] = X[i].
            dW[:, j] += (probability - (j == y[i])) * X[i]
    loss = loss / num_train + reg * np.sum(W**2)
    dW = dW / num_train + 2 * reg * W

    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and its gradient, vectorized implementation.

    Inputs and outputs are the same as softmax_loss_naive.
    """
    # Initialize the loss and gradient to zero.
    loss = 0.0
    dW = np.zeros_like(W)

    #############################################################################
    # TODO: compute the softmax loss and its gradient using no explicit loops.  #
    # Store the loss in loss and the gradient in dW. If you are not careful     #
    # here, it is easy to run into numeric instability. Don't forget the        #
    # regularization!                                                           #
    #############################################################################
    num_train = X.shape[0]
    examples = np.arange(num_train)
    logits = X @ W  # (N, C)
    # Subtracting each row's largest score changes no probability and keeps exp from overflowing.
    logits -= np.max(logits, axis=1, keepdims=True)
    log_normalizers = np.log(np.sum(np.exp(logits), axis=1))  # (N,)
    loss = np.mean(log_normalizers - logits[examples, y]) + reg * np.sum(W**2)

    # d loss_i / d logits_i = softmax(logits_i) - onehot(y[i])
    dlogits = np.exp(logits - log_normalizers[:, np.newaxis])  # (N, C)
    dlogits[examples, y] -= 1.0
    dW = X.T @ dlogits / num_train + 2 * reg * W  # (D, C)

    return loss, dW
