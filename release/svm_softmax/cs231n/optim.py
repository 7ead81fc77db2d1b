"""First-order update rules.

Every rule has the interface

    def update(w, dw, config=None):

Inputs:
- w: an array of the current weights
- dw: an array of the same shape as w, the gradient of the loss with respect to w
- config: a dict of hyperparameters (learning rate, momentum, ...) and of the
  state the rule keeps between steps (velocity, caches, ...); None uses the defaults

Returns a tuple of:
- next_w: the weights after the update
- config: the dict to pass to the next call of the rule for these weights

The learning rate is usually the only hyperparameter you set; the other
defaults work well in practice. The state in config is what lets a rule
remember earlier gradients: the Solver keeps one config per parameter array.
"""

import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: w -= learning_rate * dw.

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    v = momentum * v - learning_rate * dw
    next_w = w + v

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - momentum: scalar between 0 and 1 giving the momentum value (default 0.9);
      momentum = 0 reduces to sgd
    - velocity: an array of the same shape as w and dw holding a moving average
      of the gradients (zeros if absent)
    """
    raise NotImplementedError("sgd_momentum is written in a later assignment (two_layer_net)")


def rmsprop(w, dw, config=None):
    """RMSProp: divide the step by a moving average of squared gradients.

    cache = decay_rate * cache + (1 - decay_rate) * dw**2
    next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - decay_rate: scalar between 0 and 1 giving the decay rate of the squared
      gradient cache (default 0.99)
    - epsilon: small scalar that avoids dividing by zero (default 1e-8)
    - cache: moving average of second moments of the gradients, of the shape of w
      (zeros if absent)
    """
    raise NotImplementedError("rmsprop is written in a later assignment (two_layer_net)")


def adam(w, dw, config=None):
    """Adam: moving averages of the gradient and its square, with bias correction.

    t = t + 1   (before it is used)
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    next_w = w - learning_rate * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + epsilon)

    config format:
    - learning_rate: scalar learning rate (default 1e-3)
    - beta1: decay rate of the moving average of the gradient (default 0.9)
    - beta2: decay rate of the moving average of the squared gradient (default 0.999)
    - epsilon: small scalar that avoids dividing by zero (default 1e-8)
    - m: moving average of the gradient, of the shape of w (zeros if absent)
    - v: moving average of the squared gradient, of the shape of w (zeros if absent)
    - t: iteration number (0 if absent)
    """
    raise NotImplementedError("adam is written in a later assignment (two_layer_net)")
