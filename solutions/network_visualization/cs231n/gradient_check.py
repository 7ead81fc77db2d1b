"""Numerical gradients and the relative error used by every gradient check."""

import numpy as np


def rel_error(x, y):
    """Largest elementwise relative error: max(|x - y| / max(1e-8, |x| + |y|))."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Centered-difference gradient of a scalar function at x.

    Inputs:
    - f: function taking an array like x and returning a scalar
    - x: array of any shape; perturbed in place and restored
    - verbose: print each coordinate's gradient
    - h: step size

    Returns:
    - grad: array of the same shape as x
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h
        fxph = f(x)
        x[ix] = old_value - h
        fxmh = f(x)
        x[ix] = old_value
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Centered-difference gradient of sum(f(x) * df) for an array-valued f.

    Inputs:
    - f: function taking an array like x and returning an array like df
    - x: array of any shape; perturbed in place and restored
    - df: upstream gradient, of the shape of f(x)
    - h: step size

    Returns:
    - grad: array of the same shape as x
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h
        pos = f(x).copy()
        x[ix] = old_value - h
        neg = f(x).copy()
        x[ix] = old_value
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5):
    """Compare the analytic gradient with centered differences at random coordinates.

    Coordinates are drawn from numpy's global RNG, so ``np.random.seed`` makes
    the checked coordinates reproducible, as in CS231n.

    Inputs:
    - f: function taking an array like x and returning a scalar
    - x: array of any shape; perturbed in place and restored
    - analytic_grad: array of the same shape as x
    - num_checks: how many coordinates to check
    - h: step size

    Returns:
    - errors: list of relative errors, one per checked coordinate (also printed)
    """
    errors = []
    for _ in range(num_checks):
        ix = tuple(np.random.randint(m) for m in x.shape)
        old_value = x[ix]
        x[ix] = old_value + h
        fxph = f(x)
        x[ix] = old_value - h
        fxmh = f(x)
        x[ix] = old_value
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        error = abs(grad_numerical - grad_analytic) / max(1e-12, abs(grad_numerical) + abs(grad_analytic))
        errors.append(error)
        print(f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, relative error: {error:e}")
    return errors
