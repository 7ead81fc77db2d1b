"""A linear classifier trained by minibatch SGD, and its SVM and softmax versions."""

import numpy as np

from .linear_svm import svm_loss_vectorized
from .softmax import softmax_loss_vectorized


class LinearClassifier:
    """A linear classifier, scores = X @ W, trained by stochastic gradient descent.

    Subclasses say which loss to minimize by defining loss().
    """

    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        """Train this linear classifier using stochastic gradient descent.

        Each iteration samples a minibatch with np.random.choice(num_train, batch_size)
        (with replacement), evaluates self.loss on it and takes one step of size
        learning_rate against the gradient. W is created on the first call, as
        0.001 * np.random.randn(dim, num_classes); later calls continue from it.

        Inputs:
        - X: training data, of shape (N, D); there are N training samples each of dimension D
        - y: training labels, of shape (N,); y[i] = c means that X[i] has label 0 <= c < C
          for C classes
        - learning_rate: (float) learning rate for optimization
        - reg: (float) regularization strength
        - num_iters: (integer) number of steps to take when optimizing
        - batch_size: (integer) number of training examples to use at each step
        - verbose: (boolean) if true, print progress during optimization

        Returns:
        - loss_history: list of the minibatch loss at each training iteration
        """
        num_train, dim = X.shape
        num_classes = np.max(y) + 1  # assume y takes values 0...K-1 where K is number of classes
        if self.W is None:
            # lazily initialize W
            self.W = 0.001 * np.random.randn(dim, num_classes)

        # Run stochastic gradient descent to optimize W
        loss_history = []
        for it in range(num_iters):
            X_batch = None
            y_batch = None

            #########################################################################
            # TODO: sample batch_size elements from the training data and their    #
            # labels to use in this round of gradient descent. Store them in       #
            # X_batch, of shape (batch_size, dim), and y_batch, of shape           #
            # (batch_size,).                                                       #
            #                                                                       #
            # Hint: use np.random.choice(num_train, batch_size) to draw the        #
            # indices; sampling with replacement is faster than without.           #
            #########################################################################
            minibatch = np.random.choice(num_train, batch_size)
            X_batch, y_batch = X[minibatch], y[minibatch]  # (batch_size, dim), (batch_size,)

            # evaluate loss and gradient
            loss, grad = self.loss(X_batch, y_batch, reg)
            loss_history.append(loss)

            # perform parameter update
            #########################################################################
            # TODO: update the weights using the gradient and the learning rate.   #
            #########################################################################
            self.W = self.W - learning_rate * grad

            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")

        return loss_history

    def predict(self, X):
        """Predict labels for data points with the trained weights of this classifier.

        Inputs:
        - X: data, of shape (N, D); each row is a D-dimensional point

        Returns:
        - y_pred: predicted labels, an integer array of shape (N,); y_pred[i] is the
          class with the highest score for X[i]
        """
        y_pred = np.zeros(X.shape[0], dtype=np.int64)
        ###########################################################################
        # TODO: implement this method. Store the predicted labels in y_pred.      #
        ###########################################################################
        y_pred = np.argmax(X @ self.W, axis=1)
        return y_pred

    def loss(self, X_batch, y_batch, reg):
        """Compute the loss function and its derivative; subclasses override this.

        Inputs:
        - X_batch: a minibatch of N data points, of shape (N, D)
        - y_batch: their labels, of shape (N,)
        - reg: (float) regularization strength

        Returns a tuple of:
        - loss: a float
        - dW: gradient with respect to self.W, an array of the same shape as W
        """
        raise NotImplementedError("use a subclass of LinearClassifier, such as LinearSVM or Softmax")


class LinearSVM(LinearClassifier):
    """A linear classifier that minimizes the multiclass SVM loss."""

    def loss(self, X_batch, y_batch, reg):
        """The SVM loss of self.W on the minibatch: what svm_loss_vectorized returns."""
        loss, dW = None, None
        loss, dW = svm_loss_vectorized(self.W, X_batch, y_batch, reg)
        return loss, dW


class Softmax(LinearClassifier):
    """A linear classifier that minimizes the softmax (cross-entropy) loss."""

    def loss(self, X_batch, y_batch, reg):
        """The softmax loss of self.W on the minibatch: what softmax_loss_vectorized returns."""
        loss, dW = None, None
        loss, dW = softmax_loss_vectorized(self.W, X_batch, y_batch, reg)
        return loss, dW
