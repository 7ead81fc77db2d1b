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
        raise NotImplementedError("TwoLayerNet is written in a later assignment (two_layer_net)")

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
        raise NotImplementedError("TwoLayerNet is written in a later assignment (two_layer_net)")

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
        raise NotImplementedError("FullyConnectedNet is written in a later assignment (two_layer_net)")

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
        raise NotImplementedError("FullyConnectedNet is written in a later assignment (two_layer_net)")

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
        raise NotImplementedError("FullyConnectedNet.normalized_loss is written in a later assignment (batchnorm_dropout)")

    def save(self, fname):
        """Save the parameters to the file fname (a .npz archive)."""
        np.savez(fname, **self.params)

    def load(self, fname):
        """Replace the parameters by those saved in fname with save()."""
        with np.load(fname) as saved:
            self.params = {name: saved[name] for name in saved.files}
