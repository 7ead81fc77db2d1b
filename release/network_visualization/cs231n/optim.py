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
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    next_w = None
    ###########################################################################
    # TODO: Implement the momentum update. Store the updated weights in      #
    # next_w and the updated velocity in v.                                   #
    ###########################################################################
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v

    return next_w, config


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
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))

    next_w = None
    ###########################################################################
    # TODO: Implement the RMSprop update formula, storing the next value of  #
    # w in next_w and the new moving average in config["cache"].              #
    ###########################################################################
    cache = config["decay_rate"] * config["cache"] + (1 - config["decay_rate"]) * dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache

    return next_w, config


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
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    next_w = None
    ###########################################################################
    # TODO: Implement the Adam update formula, storing the next value of w in #
    # next_w and the new m, v and t in config. Increment t before you use it, #
    # so that your results match the reference (as in the original paper).    #
    ###########################################################################
    t = config["t"] + 1
    beta1, beta2 = config["beta1"], config["beta2"]
    m = beta1 * config["m"] + (1 - beta1) * dw
    v = beta2 * config["v"] + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    config["t"], config["m"], config["v"] = t, m, v

    return next_w, config
