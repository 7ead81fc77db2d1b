import numpy as np
import pytest

from cs231n_lib.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)


def test_rel_error_is_the_largest_elementwise_relative_error():
    x = np.array([1.0, 2.0, 0.0])
    y = np.array([1.0, 2.2, 0.0])
    # |2 - 2.2| / (2 + 2.2); the all-zero entry is guarded by the 1e-8 floor.
    assert rel_error(x, y) == pytest.approx(0.2 / 4.2, rel=1e-12)
    assert rel_error(x, x) == 0.0


def test_numerical_gradient_of_a_quadratic_matches_the_analytic_gradient():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    analytic = (A + A.T) @ x
    numeric = eval_numerical_gradient(lambda v: v @ A @ v, x.copy(), verbose=False)
    assert rel_error(numeric, analytic) < 1e-8


def test_numerical_gradient_restores_its_input():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    eval_numerical_gradient(lambda v: np.sum(v**3), x, verbose=False)
    assert np.array_equal(x, before)


def test_numerical_gradient_array_uses_the_upstream_gradient():
    rng = np.random.default_rng(1)
    x, dout = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    numeric = eval_numerical_gradient_array(np.tanh, x.copy(), dout)
    assert rel_error(numeric, dout * (1 - np.tanh(x) ** 2)) < 1e-8


def test_grad_check_sparse_is_reproducible_with_numpy_seed(capsys):
    x = np.linspace(-1, 1, 20).reshape(4, 5)
    np.random.seed(7)
    first = grad_check_sparse(lambda v: np.sum(v**2), x, 2 * x, num_checks=5)
    np.random.seed(7)
    second = grad_check_sparse(lambda v: np.sum(v**2), x, 2 * x, num_checks=5)
    assert first == second
    assert max(first) < 1e-8
    assert "relative error" in capsys.readouterr().out


def test_grad_check_sparse_reports_a_wrong_gradient():
    x = np.linspace(1, 2, 6)
    np.random.seed(0)
    errors = grad_check_sparse(lambda v: np.sum(v**2), x, 3 * x, num_checks=4)
    assert min(errors) > 0.1
