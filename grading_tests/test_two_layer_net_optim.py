"""Update rules: CS231n's published arrays, and several steps against an independent implementation."""

import numpy as np
import pytest

from cs231n_lib.gradient_check import rel_error
from cs231n_lib.optim import adam, rmsprop, sgd, sgd_momentum

N, D = 4, 5
W = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
DW = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)


def test_sgd_momentum_reproduces_cs231n_check_values():
    config = {"learning_rate": 1e-3, "velocity": np.linspace(0.6, 0.9, num=N * D).reshape(N, D)}
    next_w, config = sgd_momentum(W, DW, config=config)
    expected_next_w = np.asarray([
        [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
        [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
        [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
        [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])
    expected_velocity = np.asarray([
        [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
        [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
        [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
        [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])
    assert rel_error(next_w, expected_next_w) < 1e-8
    assert rel_error(config["velocity"], expected_velocity) < 1e-8


def test_rmsprop_reproduces_cs231n_check_values():
    config = {"learning_rate": 1e-2, "cache": np.linspace(0.6, 0.9, num=N * D).reshape(N, D)}
    next_w, config = rmsprop(W, DW, config=config)
    expected_next_w = np.asarray([
        [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
        [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
        [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
        [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]])
    expected_cache = np.asarray([
        [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
        [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
        [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
        [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]])
    assert rel_error(next_w, expected_next_w) < 2e-7  # the published values have 8 decimals
    assert rel_error(config["cache"], expected_cache) < 1e-8


def test_adam_reproduces_cs231n_check_values():
    m = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    next_w, config = adam(W, DW, config={"learning_rate": 1e-2, "m": m, "v": v, "t": 5})
    expected_next_w = np.asarray([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
    expected_v = np.asarray([
        [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
        [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
        [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
        [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
    expected_m = np.asarray([
        [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
        [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
        [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
        [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])
    assert rel_error(next_w, expected_next_w) < 2e-7
    assert rel_error(config["v"], expected_v) < 1e-8
    assert rel_error(config["m"], expected_m) < 1e-8
    assert config["t"] == 6


def reference_steps(rule_name, w, gradients, **hyper):
    """The update formulas written out with explicit state, for several steps from zero state."""
    lr = hyper["learning_rate"]
    state = {"v": np.zeros_like(w), "cache": np.zeros_like(w), "m": np.zeros_like(w), "t": 0}
    trajectory = []
    for dw in gradients:
        if rule_name == "sgd_momentum":
            state["v"] = hyper["momentum"] * state["v"] - lr * dw
            w = w + state["v"]
        elif rule_name == "rmsprop":
            state["cache"] = hyper["decay_rate"] * state["cache"] + (1 - hyper["decay_rate"]) * dw * dw
            w = w - lr * dw / (np.sqrt(state["cache"]) + hyper["epsilon"])
        else:
            state["t"] += 1
            b1, b2, t = hyper["beta1"], hyper["beta2"], state["t"]
            state["m"] = b1 * state["m"] + (1 - b1) * dw
            state["v"] = b2 * state["v"] + (1 - b2) * dw * dw
            w = w - lr * (state["m"] / (1 - b1**t)) / (np.sqrt(state["v"] / (1 - b2**t)) + hyper["epsilon"])
        trajectory.append(w)
    return trajectory


DEFAULTS = {
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}


@pytest.mark.parametrize("rule", [sgd_momentum, rmsprop, adam], ids=lambda r: r.__name__)
@pytest.mark.parametrize("scale", [1.0, 1e-5])
def test_rules_follow_their_formulas_over_several_steps_from_the_defaults(rule, scale):
    rng = np.random.default_rng(12)
    w = rng.normal(size=(3, 4))
    gradients = [scale * rng.normal(size=(3, 4)) for _ in range(5)]
    expected = reference_steps(rule.__name__, w, gradients, **DEFAULTS[rule.__name__])
    config = None
    for dw, expected_w in zip(gradients, expected, strict=True):
        w, config = rule(w, dw, config)
        np.testing.assert_allclose(w, expected_w, rtol=1e-13, atol=1e-15)
    assert {k: config[k] for k in DEFAULTS[rule.__name__]} == DEFAULTS[rule.__name__]
    if rule is adam:
        assert config["t"] == 5


def test_momentum_zero_is_sgd():
    rng = np.random.default_rng(13)
    w, dw = rng.normal(size=6), rng.normal(size=6)
    expected, _ = sgd(w.copy(), dw, {"learning_rate": 0.1})
    got, _ = sgd_momentum(w, dw, {"learning_rate": 0.1, "momentum": 0.0})
    np.testing.assert_allclose(got, expected, rtol=1e-15)


@pytest.mark.parametrize("rule", [sgd_momentum, rmsprop, adam], ids=lambda r: r.__name__)
def test_rules_keep_float32_and_leave_w_and_dw_alone(rule):
    rng = np.random.default_rng(14)
    w, dw = rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=(2, 3)).astype(np.float32)
    w_before, dw_before = w.copy(), dw.copy()
    next_w, _ = rule(w, dw)
    assert next_w.dtype == np.float32
    assert np.array_equal(w, w_before) and np.array_equal(dw, dw_before)
