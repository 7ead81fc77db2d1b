"""Fully connected networks built from the layers in layers.py and layer_utils.py."""

import numpy as np

from ..layer_utils import affine_relu_backward, affine_relu_forward
from ..layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward_alt,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
)


class TwoLayerNet:
    """A two-layer fully connected network with a ReLU and a softmax loss.

    The architecture is affine - relu - affine - softmax, for inputs of
    dimension D, a hidden layer of dimension H and C classes.

    The learnable parameters are stored in the dictionary self.params, which
    maps parameter names to numpy arrays; the model does no optimization
    itself: a Solver runs it.
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        """Initialize a new network.

        Inputs:
        - input_dim: size D of the input
        - hidden_dim: size H of the hidden layer
        - num_classes: number C of classes
        - weight_scale: standard deviation of the random initialization of the weights
        - reg: strength of the L2 regularization
        """
        self.params = {}
        self.reg = reg
        ############################################################################
        # TODO: Initialize the weights and biases of the two-layer net. Weights    #
        # are drawn from a Gaussian centered at 0.0 with standard deviation equal  #
        # to weight_scale (weight_scale * np.random.randn), biases are zero. Store #
        # the first layer's in self.params["W1"] (D, H) and self.params["b1"]      #
        # (H,), the second layer's in "W2" (H, C) and "b2" (C,). Draw W1 first.    #
        ############################################################################
        self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b2"] = np.zeros(num_classes)

    def loss(self, X, y=None):
        """Compute the loss and gradient for a minibatch of data.

        Inputs:
        - X: input data, of shape (N, d_1, ..., d_k), d_1 * ... * d_k = D
        - y: labels, of shape (N,); y[i] is the label of X[i]

        Returns:
        If y is None, run a test-time forward pass and return:
        - scores: of shape (N, C); scores[i, c] is the score of class c for X[i]

        If y is not None, run a training-time forward and backward pass and return a tuple of:
        - loss: scalar, the softmax loss plus 0.5 * reg * (sum(W1**2) + sum(W2**2))
        - grads: dictionary with the same keys as self.params, mapping parameter
          names to the gradients of the loss with respect to those parameters
        """
        scores = None
        ############################################################################
        # TODO: Compute the class scores for X and store them in scores, using    #
        # affine_relu_forward and affine_forward.                                 #
        ############################################################################
        W1, b1, W2, b2 = self.params["W1"], self.params["b1"], self.params["W2"], self.params["b2"]
        hidden, hidden_cache = affine_relu_forward(X, W1, b1)  # (N, H)
        scores, scores_cache = affine_forward(hidden, W2, b2)  # (N, C)

        # If y is None then we are in test mode so just return scores
        if y is None:
            return scores

        loss, grads = 0, {}
        ############################################################################
        # TODO: Compute the loss with softmax_loss and the gradients of every     #
        # parameter, in grads["W1"], grads["b1"], ... Add L2 regularization of    #
        # the weights (not the biases) with a factor of 0.5, so that the gradient #
        # of 0.5 * reg * sum(W**2) is simply reg * W.                              #
        ############################################################################
        data_loss, dscores = softmax_loss(scores, y)
        loss = data_loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dhidden, grads["W2"], grads["b2"] = affine_backward(dscores, scores_cache)
        _, grads["W1"], grads["b1"] = affine_relu_backward(dhidden, hidden_cache)
        grads["W2"] += self.reg * W2
        grads["W1"] += self.reg * W1

        return loss, grads

    def save(self, fname):
        """Save the parameters to the file fname (a .npz archive)."""
        np.savez(fname, **self.params)

    def load(self, fname):
        """Replace the parameters by those saved in fname with save()."""
        with np.load(fname) as saved:
            self.params = {name: saved[name] for name in saved.files}


class FullyConnectedNet:
    """A fully connected network with any number of hidden layers.

    The architecture is

        {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

    where the normalization and dropout are optional and the {...} block is
    repeated L - 1 times, for a network of L layers.

    Normalization and dropout belong to the batchnorm_dropout assignment: the
    constructor accepts them and sets up their parameters, and loss() hands a
    network that uses them to normalized_loss(), which that assignment provides.

    The learnable parameters are stored in the dictionary self.params; a
    Solver trains the network.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        dropout_keep_ratio=1,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
    ):
        """Initialize a new network.

        Inputs:
        - hidden_dims: list of the sizes of the hidden layers
        - input_dim: size D of the input
        - num_classes: number C of classes
        - dropout_keep_ratio: scalar between 0 and 1, the probability of keeping a unit
          in dropout; 1 means no dropout
        - normalization: None, "batchnorm" or "layernorm"
        - reg: strength of the L2 regularization
        - weight_scale: standard deviation of the random initialization of the weights
        - dtype: numpy datatype of all computations; float32 is faster, float64 is
          needed for numeric gradient checks
        - seed: if not None, the random seed of the dropout layers (the weights are
          drawn from numpy's global random state, so np.random.seed sets them)
        """
        if normalization not in (None, "batchnorm", "layernorm"):
            raise ValueError(f"normalization must be None, 'batchnorm' or 'layernorm', got {normalization!r}")
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        ############################################################################
        # TODO: Initialize the parameters of the network in self.params: weights  #
        # and biases of the first layer in "W1" and "b1", of the second in "W2"   #
        # and "b2", and so on. Draw the weights layer by layer, first to last, as #
        # weight_scale * np.random.randn(fan_in, fan_out); biases are zero.       #
        ############################################################################
        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1])

        # With normalization, hidden layer i has a scale gamma{i} (ones) and a shift beta{i} (zeros).
        if self.normalization is not None:
            for i, dim in enumerate(hidden_dims, start=1):
                self.params[f"gamma{i}"] = np.ones(dim)
                self.params[f"beta{i}"] = np.zeros(dim)

        # Dropout layers share one dropout_param, which says the keep probability and the mode.
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        # Each normalization layer keeps its own running statistics in self.bn_params[i].
        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        if self.normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]

        # Cast all parameters to the correct datatype.
        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None):
        """Compute the loss and gradient for the fully connected net.

        Inputs:
        - X: input data, of shape (N, d_1, ..., d_k), d_1 * ... * d_k = D
        - y: labels, of shape (N,); y[i] is the label of X[i]

        Returns:
        If y is None, run a test-time forward pass and return:
        - scores: of shape (N, C); scores[i, c] is the score of class c for X[i]

        If y is not None, run a training-time forward and backward pass and return a tuple of:
        - loss: scalar, the softmax loss plus 0.5 * reg * (sum of the squares of all weights)
        - grads: dictionary with the same keys as self.params, mapping parameter
          names to the gradients of the loss with respect to those parameters
        """
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"

        # Batch normalization and dropout behave differently in training and at test time.
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        if self.normalization is not None or self.use_dropout:
            return self.normalized_loss(X, y)

        scores = None
        ############################################################################
        # TODO: Implement the forward pass: L - 1 layers of affine_relu_forward,  #
        # then affine_forward; store the class scores in scores. Keep each        #
        # layer's cache for the backward pass.                                     #
        ############################################################################
        L = self.num_layers
        caches = {}
        hidden = X
        for i in range(1, L):
            hidden, caches[i] = affine_relu_forward(hidden, self.params[f"W{i}"], self.params[f"b{i}"])
        scores, caches[L] = affine_forward(hidden, self.params[f"W{L}"], self.params[f"b{L}"])  # (N, C)

        # If test mode return early.
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        ############################################################################
        # TODO: Implement the backward pass: compute the loss with softmax_loss,  #
        # and the gradient of every parameter in grads, under the same names as   #
        # in self.params. Add L2 regularization of the weights with a factor of   #
        # 0.5, as in TwoLayerNet.                                                  #
        ############################################################################
        loss, dout = softmax_loss(scores, y)
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, caches[L])
        for i in range(L - 1, 0, -1):
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dout, caches[i])
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W

        return loss, grads

    def normalized_loss(self, X, y=None):
        """loss() of a network with batch/layer normalization or dropout (the batchnorm_dropout assignment).

        The architecture is

            {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

        loss() calls this method after casting X to self.dtype and setting the "mode" of
        self.dropout_param and (for batch norm) of each of self.bn_params to "train" (y given)
        or "test" (y is None).
        It uses:
        - self.params: "W1", "b1", ..., "W{L}", "b{L}", and with normalization the scale
          "gamma{i}" and shift "beta{i}" of hidden layer i (1 <= i <= L - 1)
        - self.num_layers: the number L of affine layers
        - self.normalization: None, "batchnorm" or "layernorm"
        - self.bn_params: one parameter dictionary per normalization layer (bn_params[i - 1]
          for hidden layer i), passed to batchnorm_forward / layernorm_forward
        - self.use_dropout, self.dropout_param: whether to use dropout, and the dictionary of
          every dropout layer, passed to dropout_forward
        - self.reg: strength of the L2 regularization of the weights

        Inputs:
        - X: input data, of shape (N, d_1, ..., d_k), d_1 * ... * d_k = D
        - y: labels, of shape (N,), or None

        Returns:
        If y is None: the scores, of shape (N, C).
        Otherwise a tuple of:
        - loss: scalar, the softmax loss plus 0.5 * reg * (sum of the squares of the weights W1 ... W{L});
          gammas and betas are not regularized
        - grads: dictionary with the same keys as self.params, of the gradients of the loss
        """
        scores = None
        ############################################################################
        # TODO: Implement the forward pass. Hidden layer i is affine, then        #
        # batchnorm_forward or layernorm_forward with gamma{i}, beta{i} and        #
        # self.bn_params[i - 1] (if self.normalization says so), then relu, then  #
        # dropout_forward with self.dropout_param (if self.use_dropout). The last #
        # layer is affine only. Keep every layer's cache.                         #
        ############################################################################
        L = self.num_layers
        norm_forward = {"batchnorm": batchnorm_forward, "layernorm": layernorm_forward}.get(self.normalization)
        caches = {}
        hidden = X
        for i in range(1, L):
            hidden, fc_cache = affine_forward(hidden, self.params[f"W{i}"], self.params[f"b{i}"])  # (N, H_i)
            norm_cache = drop_cache = None
            if norm_forward is not None:
                gamma, beta = self.params[f"gamma{i}"], self.params[f"beta{i}"]
                hidden, norm_cache = norm_forward(hidden, gamma, beta, self.bn_params[i - 1])
            hidden, relu_cache = relu_forward(hidden)
            if self.use_dropout:
                hidden, drop_cache = dropout_forward(hidden, self.dropout_param)
            caches[i] = (fc_cache, norm_cache, relu_cache, drop_cache)
        scores, caches[L] = affine_forward(hidden, self.params[f"W{L}"], self.params[f"b{L}"])  # (N, C)

        if y is None:
            return scores

        loss, grads = 0.0, {}
        ############################################################################
        # TODO: Implement the backward pass: the softmax loss, then each layer's  #
        # backward in reverse order (batchnorm_backward_alt for batch norm), with #
        # the gradients in grads under the names of self.params. Add the L2       #
        # regularization of the weights (not of gammas, betas or biases) with a   #
        # factor of 0.5.                                                          #
        ############################################################################
        norm_backward = {"batchnorm": batchnorm_backward_alt, "layernorm": layernorm_backward}.get(self.normalization)
        loss, dout = softmax_loss(scores, y)
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, caches[L])
        for i in range(L - 1, 0, -1):
            fc_cache, norm_cache, relu_cache, drop_cache = caches[i]
            if self.use_dropout:
                dout = dropout_backward(dout, drop_cache)
            dout = relu_backward(dout, relu_cache)
            if norm_backward is not None:
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = norm_backward(dout, norm_cache)
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * W

        return loss, grads

    def save(self, fname):
        """Save the parameters to the file fname (a .npz archive)."""
        np.savez(fname, **self.params)

    def load(self, fname):
        """Replace the parameters by those saved in fname with save()."""
        with np.load(fname) as saved:
            self.params = {name: saved[name] for name in saved.files}
