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
        self.params = {}
        self.reg = reg
        self.dtype = dtype
        ############################################################################
        # TODO: Initialize weights and biases for the three-layer convolutional    #
        # network. Weights should be initialized from a Gaussian centered at 0.0  #
        # with standard deviation equal to weight_scale; biases should be         #
        # initialized to zero. All weights and biases should be stored in the     #
        #  dictionary self.params. Store weights and biases for the convolutional #
        # layer using the keys "W1" (F, C, filter_size, filter_size) and "b1"     #
        # (F,); use keys "W2" and "b2" for the weights and biases of the hidden   #
        # affine layer, and keys "W3" and "b3" for the weights and biases of the  #
        # output affine layer. Draw W1, then W2, then W3.                         #
        #                                                                          #
        # IMPORTANT: For this assignment, you can assume that the padding         #
        # and stride of the first convolutional layer are chosen so that          #
        # **the width and height of the input are preserved**. Take a look at     #
        # the start of the loss() function to see how that happens.               #
        ############################################################################
        C, H, W = input_dim
        F = num_filters
        pooled_dim = F * (H // 2) * (W // 2)  # the 2x2 pool halves the conv output, which has the input's size
        self.params["W1"] = weight_scale * np.random.randn(F, C, filter_size, filter_size)
        self.params["b1"] = np.zeros(F)
        self.params["W2"] = weight_scale * np.random.randn(pooled_dim, hidden_dim)
        self.params["b2"] = np.zeros(hidden_dim)
        self.params["W3"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b3"] = np.zeros(num_classes)
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

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
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]

        # pass conv_param to the forward pass for the convolutional layer
        # Padding and stride chosen to preserve the input spatial size
        filter_size = W1.shape[2]
        conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}

        # pass pool_param to the forward pass for the max-pooling layer
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        scores = None
        ############################################################################
        # TODO: Implement the forward pass for the three-layer convolutional net, #
        # computing the class scores for X and storing them in the scores         #
        # variable.                                                                #
        #                                                                          #
        # Remember you can use the functions defined in cs231n/fast_layers.py and #
        # cs231n/layer_utils.py in your implementation (already imported).        #
        ############################################################################
        pooled, conv_cache = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)  # (N, F, H/2, W/2)
        hidden, hidden_cache = affine_relu_forward(pooled, W2, b2)  # (N, hidden_dim)
        scores, scores_cache = affine_forward(hidden, W3, b3)  # (N, num_classes)

        if y is None:
            return scores

        loss, grads = 0, {}
        ############################################################################
        # TODO: Implement the backward pass for the three-layer convolutional net,#
        # storing the loss and gradients in the loss and grads variables. Compute #
        # data loss using softmax, and make sure that grads[k] holds the gradients#
        # for self.params[k]. Don't forget to add L2 regularization!              #
        #                                                                          #
        # NOTE: To ensure that your implementation matches ours and you pass the  #
        # automated tests, make sure that your L2 regularization includes a factor#
        # of 0.5 to simplify the expression for the gradient.                     #
        ############################################################################
        data_loss, dscores = softmax_loss(scores, y)
        loss = data_loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(W3 * W3))
        dhidden, grads["W3"], grads["b3"] = affine_backward(dscores, scores_cache)
        dpooled, grads["W2"], grads["b2"] = affine_relu_backward(dhidden, hidden_cache)
        _, grads["W1"], grads["b1"] = conv_relu_pool_backward(dpooled, conv_cache)
        for name, W in (("W1", W1), ("W2", W2), ("W3", W3)):
            grads[name] += self.reg * W

        return loss, grads
