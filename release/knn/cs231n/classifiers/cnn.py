"""Convolutional networks built from the layers in layers.py, fast_layers.py and layer_utils.py."""

import numpy as np

from ..layer_utils import affine_relu_backward, affine_relu_forward, conv_relu_pool_backward, conv_relu_pool_forward
from ..layers import affine_backward, affine_forward, softmax_loss


class ThreeLayerConvNet:
    """A three-layer convolutional network with the following architecture:

    conv - relu - 2x2 max pool - affine - relu - affine - softmax

    The network operates on minibatches of data that have shape (N, C, H, W)
    consisting of N images, each with height H and width W and with C input
    channels. The convolution keeps the spatial size (stride 1, zero padding
    (filter_size - 1) // 2), and the pool halves it.
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0, dtype=np.float32):
        """Initialize a new network.

        Inputs:
        - input_dim: tuple (C, H, W) giving the size of input data
        - num_filters: number F of filters to use in the convolutional layer
        - filter_size: width and height of the filters to use in the convolutional layer (odd)
        - hidden_dim: number of units to use in the fully-connected hidden layer
        - num_classes: number of scores to produce from the final affine layer
        - weight_scale: scalar giving the standard deviation for random initialization of the weights
        - reg: scalar giving the L2 regularization strength
        - dtype: numpy datatype to use for computation
        """
        raise NotImplementedError("ThreeLayerConvNet is written in a later assignment (convnet)")

    def loss(self, X, y=None):
        """Evaluate loss and gradient for the three-layer convolutional network.

        Inputs:
        - X: input data, of shape (N, C, H, W)
        - y: labels, of shape (N,); y[i] is the label of X[i]

        Returns:
        If y is None, run a test-time forward pass and return:
        - scores: of shape (N, num_classes); scores[i, c] is the score of class c for X[i]

        If y is not None, run a training-time forward and backward pass and return a tuple of:
        - loss: scalar, the softmax loss plus 0.5 * reg * (sum(W1**2) + sum(W2**2) + sum(W3**2))
        - grads: dictionary with the same keys as self.params, mapping parameter
          names to the gradients of the loss with respect to those parameters
        """
        raise NotImplementedError("ThreeLayerConvNet is written in a later assignment (convnet)")
