"""cs231n_lib.rnn_layers and CaptioningRNN: forwards against independent computations, backwards
against numerical gradients (float64), CS231n's published check values, and sampling."""

import numpy as np
import pytest

from cs231n_lib import rnn_layers as L
from cs231n_lib.classifiers.rnn import CaptioningRNN
from cs231n_lib.gradient_check import rel_error


def numerical_gradient(f, x, dout, h=1e-6):
    """Centered differences of sum(f(x) * dout) with respect to x (x is restored)."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = np.sum(f(x) * dout)
        x[index] = old - h
        minus = np.sum(f(x) * dout)
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def scaled_error(got, expected):
    """Largest difference relative to the largest expected entry: the measure for numerical gradients
    of a multi-step model, whose finite-difference noise (~1e-10 absolute) swamps rel_error on tiny entries."""
    return float(np.max(np.abs(got - expected)) / np.max(np.abs(expected)))


def small_weights(rng, D, H, gates):
    return (0.5 * rng.normal(size=(D, gates * H)), 0.5 * rng.normal(size=(H, gates * H)),
            0.3 * rng.normal(size=gates * H))


def reference_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_sigmoid_is_stable_and_keeps_the_dtype():
    x = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with np.errstate(over="raise"):
        out = L.sigmoid(x)
    assert np.allclose(out[1:4], reference_sigmoid(x[1:4]), rtol=1e-12, atol=0)
    assert out[0] == 0.0 and out[-1] == 1.0
    assert L.sigmoid(x.astype(np.float32)).dtype == np.float32


def test_rnn_step_forward_reproduces_cs231n_values():
    N, D, H = 3, 10, 4
    x = np.linspace(-0.4, 0.7, num=N * D).reshape(N, D)
    prev_h = np.linspace(-0.2, 0.5, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.1, 0.9, num=D * H).reshape(D, H)
    Wh = np.linspace(-0.3, 0.7, num=H * H).reshape(H, H)
    b = np.linspace(-0.2, 0.4, num=H)
    expected = np.asarray([[-0.58172089, -0.50182032, -0.41232771, -0.31410098],
                           [0.66854692, 0.79562378, 0.87755553, 0.92795967],
                           [0.97934501, 0.99144213, 0.99646691, 0.99854353]])
    assert rel_error(L.rnn_step_forward(x, prev_h, Wx, Wh, b)[0], expected) < 1e-7


def test_rnn_forward_matches_an_explicit_recurrence():
    rng = np.random.default_rng(0)
    N, T, D, H = 3, 7, 4, 5
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = small_weights(rng, D, H, 1)
    h, _ = L.rnn_forward(x, h0, Wx, Wh, b)
    prev = h0
    for t in range(T):
        prev = np.tanh(x[:, t] @ Wx + prev @ Wh + b)
        assert np.allclose(h[:, t], prev, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("position, name", list(enumerate(["x", "prev_h", "Wx", "Wh", "b"])))
def test_rnn_step_backward_matches_numerical_gradients(position, name):
    rng = np.random.default_rng(1)
    N, D, H = 4, 3, 5
    args = [rng.normal(size=(N, D)), rng.normal(size=(N, H)), *small_weights(rng, D, H, 1)]
    dnext_h = rng.normal(size=(N, H))
    grads = L.rnn_step_backward(dnext_h, L.rnn_step_forward(*args)[1])

    def f(value):
        trial = list(args)
        trial[position] = value
        return L.rnn_step_forward(*trial)[0]

    assert rel_error(grads[position], numerical_gradient(f, args[position].copy(), dnext_h)) < 1e-7, name


@pytest.mark.parametrize("forward, backward, gates", [(L.rnn_forward, L.rnn_backward, 1),
                                                      (L.lstm_forward, L.lstm_backward, 4)])
def test_sequence_backward_matches_numerical_gradients(forward, backward, gates):
    rng = np.random.default_rng(2)
    N, T, D, H = 2, 6, 3, 4
    args = [rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), *small_weights(rng, D, H, gates)]
    dh = rng.normal(size=(N, T, H))
    grads = backward(dh, forward(*args)[1])
    for position, name in enumerate(["dx", "dh0", "dWx", "dWh", "db"]):
        def f(value, position=position):
            trial = list(args)
            trial[position] = value
            return forward(*trial)[0]

        error = scaled_error(grads[position], numerical_gradient(f, args[position].copy(), dh))
        assert error < 1e-8, f"{forward.__name__} {name}: {error:.1e}"


def test_word_embedding_backward_accumulates_repeated_indices():
    W = np.arange(12.0).reshape(4, 3)
    x = np.array([[1, 1, 3], [1, 0, 3]])
    out, cache = L.word_embedding_forward(x, W)
    assert np.array_equal(out, W[x])
    dout = np.ones((2, 3, 3))
    dW = L.word_embedding_backward(dout, cache)
    assert np.array_equal(dW, np.array([[1.0] * 3, [3.0] * 3, [0.0] * 3, [2.0] * 3]))


def test_lstm_step_forward_reads_gates_in_order_i_f_o_g():
    N, D, H = 2, 3, 2
    a = np.array([2.0, -1.0, 0.5, -1.5])  # activations of i, f, o, g
    x, prev_h, prev_c = np.ones((N, D)), np.ones((N, H)), np.full((N, H), 0.7)
    next_h, next_c, _ = L.lstm_step_forward(x, prev_h, prev_c, np.zeros((D, 4 * H)), np.zeros((H, 4 * H)),
                                            np.repeat(a, H))
    i, f, o, g = reference_sigmoid(a[0]), reference_sigmoid(a[1]), reference_sigmoid(a[2]), np.tanh(a[3])
    assert np.allclose(next_c, f * 0.7 + i * g, rtol=1e-13)
    assert np.allclose(next_h, o * np.tanh(f * 0.7 + i * g), rtol=1e-13)


def test_lstm_forward_reproduces_cs231n_values_and_equals_its_steps():
    N, D, H, T = 2, 5, 4, 3
    x = np.linspace(-0.4, 0.6, num=N * T * D).reshape(N, T, D)
    h0 = np.linspace(-0.4, 0.8, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.2, 0.9, num=4 * D * H).reshape(D, 4 * H)
    Wh = np.linspace(-0.3, 0.6, num=4 * H * H).reshape(H, 4 * H)
    b = np.linspace(0.2, 0.7, num=4 * H)
    h, _ = L.lstm_forward(x, h0, Wx, Wh, b)
    expected_h = np.asarray([
        [[0.01764008, 0.01823233, 0.01882671, 0.0194232], [0.11287491, 0.12146228, 0.13018446, 0.13902939],
         [0.31358768, 0.33338627, 0.35304453, 0.37250975]],
        [[0.45767879, 0.4761092, 0.4936887, 0.51041945], [0.6704845, 0.69350089, 0.71486014, 0.7346449],
         [0.81733511, 0.83677871, 0.85403753, 0.86935314]]])
    assert rel_error(h, expected_h) < 1e-7
    prev_h, prev_c = h0, np.zeros((N, H))
    for t in range(T):
        prev_h, prev_c, _ = L.lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        assert np.allclose(h[:, t], prev_h, rtol=1e-12)


def test_lstm_step_backward_matches_numerical_gradients():
    rng = np.random.default_rng(3)
    N, D, H = 3, 4, 3
    args = [rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H)), *small_weights(rng, D, H, 4)]
    dnext_h, dnext_c = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    grads = L.lstm_step_backward(dnext_h, dnext_c, L.lstm_step_forward(*args)[2])
    for position in range(6):
        def f(value, position=position):
            trial = list(args)
            trial[position] = value
            h, c, _ = L.lstm_step_forward(*trial)
            return np.concatenate([h, c], axis=1)

        numeric = numerical_gradient(f, args[position].copy(), np.concatenate([dnext_h, dnext_c], axis=1))
        assert rel_error(grads[position], numeric) < 1e-7, position


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sequence_layers_keep_the_dtype(dtype):
    rng = np.random.default_rng(4)
    x, h0 = rng.normal(size=(2, 3, 4)).astype(dtype), rng.normal(size=(2, 5)).astype(dtype)
    for forward, backward, gates in ((L.rnn_forward, L.rnn_backward, 1), (L.lstm_forward, L.lstm_backward, 4)):
        weights = [w.astype(dtype) for w in small_weights(rng, 4, 5, gates)]
        h, cache = forward(x, h0, *weights)
        assert h.dtype == dtype
        assert all(g.dtype == dtype for g in backward(np.ones_like(h), cache))


def test_temporal_softmax_loss_matches_a_direct_computation_and_ignores_masked_steps():
    rng = np.random.default_rng(5)
    N, T, V = 3, 4, 6
    x, y = rng.normal(size=(N, T, V)), rng.integers(0, V, size=(N, T))
    mask = np.array([[1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]], dtype=bool)
    loss, dx = L.temporal_softmax_loss(x, y, mask)
    log_probs = x - np.log(np.exp(x).sum(axis=2, keepdims=True))
    expected = -sum(log_probs[n, t, y[n, t]] for n in range(N) for t in range(T) if mask[n, t]) / N
    assert abs(loss - expected) < 1e-12
    assert np.all(dx[~mask] == 0)
    numeric = numerical_gradient(lambda v: L.temporal_softmax_loss(v, y, mask)[0], x.copy(), 1.0)
    assert rel_error(dx, numeric) < 1e-7


def fixed_model(cell_type, word_to_idx, D=20, W=30, H=40):
    model = CaptioningRNN(word_to_idx, input_dim=D, wordvec_dim=W, hidden_dim=H, cell_type=cell_type,
                          dtype=np.float64)
    for name in sorted(model.params):
        model.params[name] = np.linspace(-1.4, 1.3, num=model.params[name].size).reshape(model.params[name].shape)
    return model


def test_captioning_rnn_loss_reproduces_cs231n_value():
    N, D, T = 10, 20, 13
    word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
    features = np.linspace(-1.5, 0.3, num=N * D).reshape(N, D)
    captions = (np.arange(N * T) % 3).reshape(N, T)
    loss, _ = fixed_model("rnn", word_to_idx).loss(features, captions)
    assert abs(loss - 9.83235591003) < 1e-10  # CS231n's RNN_Captioning.ipynb


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_captioning_rnn_loss_equals_its_layers_and_gradients_are_numerical(cell_type):
    rng = np.random.default_rng(6)
    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "b": 4}
    np.random.seed(0)
    model = CaptioningRNN(word_to_idx, input_dim=4, wordvec_dim=3, hidden_dim=5, cell_type=cell_type,
                          dtype=np.float64)
    features = rng.normal(size=(2, 4))
    captions = np.array([[1, 3, 4, 3, 2, 0], [1, 4, 2, 0, 0, 0]])
    loss, grads = model.loss(features, captions)
    p = model.params
    forward = L.rnn_forward if cell_type == "rnn" else L.lstm_forward
    h, _ = forward(p["W_embed"][captions[:, :-1]], features @ p["W_proj"] + p["b_proj"], p["Wx"], p["Wh"], p["b"])
    scores = h @ p["W_vocab"] + p["b_vocab"]
    expected, _ = L.temporal_softmax_loss(scores, captions[:, 1:], captions[:, 1:] != 0)
    assert abs(loss - expected) < 1e-12
    for name, value in p.items():
        numeric = numerical_gradient(lambda _: np.array(model.loss(features, captions)[0]), value, 1.0, h=1e-5)
        assert scaled_error(grads[name], numeric) < 1e-7, name


def test_captioning_rnn_rejects_an_unknown_cell_type():
    with pytest.raises(ValueError, match="gru"):
        CaptioningRNN({"<NULL>": 0}, cell_type="gru")


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_sample_feeds_back_its_words_and_pads_after_end(cell_type):
    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "cat": 4, "dog": 5, "sat": 6}
    model = CaptioningRNN(word_to_idx, input_dim=3, wordvec_dim=4, hidden_dim=5, cell_type=cell_type,
                          dtype=np.float64)
    rs = np.random.RandomState(36)
    for name in sorted(model.params):
        model.params[name] = 2.0 * rs.randn(*model.params[name].shape)
    model.params["b_vocab"][:2] = -10.0
    features = np.linspace(-2.0, 2.0, num=9).reshape(3, 3)
    sampled = model.sample(features, max_length=6)
    # An independent greedy decoder, one caption at a time.
    p = model.params
    for row in range(3):
        h, c, word, expected = features[row : row + 1] @ p["W_proj"] + p["b_proj"], np.zeros((1, 5)), 1, []
        for _ in range(6):
            if cell_type == "rnn":
                h = np.tanh(p["W_embed"][[word]] @ p["Wx"] + h @ p["Wh"] + p["b"])
            else:
                h, c, _ = L.lstm_step_forward(p["W_embed"][[word]], h, c, p["Wx"], p["Wh"], p["b"])
            word = int(np.argmax(h @ p["W_vocab"] + p["b_vocab"]))
            expected.append(word if 2 not in expected else 0)
        assert sampled[row].tolist() == expected
    assert (sampled[:, :-1] == 2).any()  # the fixture does end a caption early
