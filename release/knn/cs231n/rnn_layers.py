"""Layers of recurrent networks: vanilla RNN and LSTM (one step and whole sequences), word embedding,
and the temporal versions of the affine layer and of the softmax loss.

Shapes: a minibatch of N sequences of length T; D is the input dimension, H the hidden dimension,
V the vocabulary size and M the output dimension of a temporal affine layer. Every forward
returns (out, cache), every backward takes (dout, cache), as in layers.py.
"""

import numpy as np


def sigmoid(x):
    """Numerically stable logistic sigmoid 1 / (1 + exp(-x)), elementwise, in the dtype of x.

    exp is only taken of -|x|, so it never overflows (exp(-x) does for x < -710), and negative
    inputs use exp(x) / (1 + exp(x)), which keeps full relative precision for tiny outputs.
    """
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One timestep of a vanilla RNN with a tanh activation: next_h = tanh(prev_h Wh + x Wx + b).

    Inputs:
    - x: input data for this timestep, of shape (N, D)
    - prev_h: hidden state from the previous timestep, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H)
    - cache: what rnn_step_backward needs (your choice, e.g. (x, prev_h, Wx, Wh, next_h))
    """
    raise NotImplementedError("rnn_step_forward is written in a later assignment (rnn_captioning)")


def rnn_step_backward(dnext_h, cache):
    """Backward pass of one timestep of a vanilla RNN.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, of shape (N, H)
    - cache: the cache rnn_step_forward returned

    Returns a tuple of:
    - dx: gradient with respect to the input data, of shape (N, D)
    - dprev_h: gradient with respect to the previous hidden state, of shape (N, H)
    - dWx: gradient with respect to the input-to-hidden weights, of shape (D, H)
    - dWh: gradient with respect to the hidden-to-hidden weights, of shape (H, H)
    - db: gradient with respect to the biases, of shape (H,)
    """
    raise NotImplementedError("rnn_step_backward is written in a later assignment (rnn_captioning)")


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN run over a whole sequence of T timesteps, from the initial hidden state h0.

    Inputs:
    - x: input data for the entire timeseries, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)

    Returns a tuple of:
    - h: hidden states for the entire timeseries, of shape (N, T, H)
    - cache: what rnn_backward needs
    """
    raise NotImplementedError("rnn_forward is written in a later assignment (rnn_captioning)")


def rnn_backward(dh, cache):
    """Backward pass of a vanilla RNN over a whole sequence.

    Inputs:
    - dh: upstream gradients of all hidden states, of shape (N, T, H). It holds only the gradients
      coming from the layers above (e.g. the temporal affine layer), not those flowing between
      timesteps, which you compute here.
    - cache: the cache rnn_forward returned

    Returns a tuple of:
    - dx: gradient of the inputs, of shape (N, T, D)
    - dh0: gradient of the initial hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, H)
    - db: gradient of the biases, of shape (H,)
    """
    raise NotImplementedError("rnn_backward is written in a later assignment (rnn_captioning)")


def word_embedding_forward(x, W):
    """Word embeddings: out[n, t] = W[x[n, t]], the vector of word x[n, t].

    Inputs:
    - x: integer array of shape (N, T) of word indices, each in the range 0 <= idx < V
    - W: weights, of shape (V, D), one word vector per row

    Returns a tuple of:
    - out: of shape (N, T, D), the word vectors of all the input words
    - cache: what word_embedding_backward needs
    """
    raise NotImplementedError("word_embedding_forward is written in a later assignment (rnn_captioning)")


def word_embedding_backward(dout, cache):
    """Backward pass of word embeddings: dW[v] is the sum of dout over every position holding word v.

    Words can repeat, within a sequence and across the minibatch, and each occurrence contributes.
    We cannot back-propagate into the words since they are integers, so only dW is returned.

    Inputs:
    - dout: upstream gradients, of shape (N, T, D)
    - cache: the cache word_embedding_forward returned

    Returns:
    - dW: gradient of the word embedding matrix, of shape (V, D)
    """
    raise NotImplementedError("word_embedding_backward is written in a later assignment (rnn_captioning)")


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One timestep of an LSTM.

    The activation vector a = x Wx + prev_h Wh + b, of shape (N, 4H), splits into four blocks of H
    columns, in this order: the input gate i = sigmoid(a[:, :H]), the forget gate
    f = sigmoid(a[:, H:2H]), the output gate o = sigmoid(a[:, 2H:3H]) and the block input
    g = tanh(a[:, 3H:]). Then next_c = f * prev_c + i * g and next_h = o * tanh(next_c).

    Inputs:
    - x: input data, of shape (N, D)
    - prev_h: previous hidden state, of shape (N, H)
    - prev_c: previous cell state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 4H)
    - Wh: hidden-to-hidden weights, of shape (H, 4H)
    - b: biases, of shape (4H,)

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H)
    - next_c: next cell state, of shape (N, H)
    - cache: what lstm_step_backward needs
    """
    raise NotImplementedError("lstm_step_forward is written in a later assignment (rnn_captioning)")


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of one timestep of an LSTM.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, of shape (N, H)
    - dnext_c: gradient of the loss with respect to next_c, of shape (N, H)
    - cache: the cache lstm_step_forward returned

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, D)
    - dprev_h: gradient of the previous hidden state, of shape (N, H)
    - dprev_c: gradient of the previous cell state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, 4H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, 4H)
    - db: gradient of the biases, of shape (4H,)
    """
    raise NotImplementedError("lstm_step_backward is written in a later assignment (rnn_captioning)")


def lstm_forward(x, h0, Wx, Wh, b):
    """An LSTM run over a whole sequence of T timesteps, from h0 and an initial cell state of zero.

    The cell state is internal: it is neither an input nor an output.

    Inputs:
    - x: input data, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 4H)
    - Wh: hidden-to-hidden weights, of shape (H, 4H)
    - b: biases, of shape (4H,)

    Returns a tuple of:
    - h: hidden states for all timesteps of all sequences, of shape (N, T, H)
    - cache: what lstm_backward needs
    """
    raise NotImplementedError("lstm_forward is written in a later assignment (rnn_captioning)")


def lstm_backward(dh, cache):
    """Backward pass of an LSTM over a whole sequence.

    Inputs:
    - dh: upstream gradients of the hidden states, of shape (N, T, H); as in rnn_backward, only the
      gradients from the layers above
    - cache: the cache lstm_forward returned

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, T, D)
    - dh0: gradient of the initial hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, 4H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, 4H)
    - db: gradient of the biases, of shape (4H,)
    """
    raise NotImplementedError("lstm_backward is written in a later assignment (rnn_captioning)")


def temporal_affine_forward(x, w, b):
    """An affine layer applied at every timestep: out[n, t] = x[n, t] @ w + b.

    Inputs:
    - x: input data, of shape (N, T, D)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output data, of shape (N, T, M)
    - cache: (x, w, b, out), for temporal_affine_backward
    """
    N, T, D = x.shape
    M = b.shape[0]
    out = (x.reshape(N * T, D) @ w).reshape(N, T, M) + b
    cache = x, w, b, out
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward pass of temporal_affine_forward.

    Inputs:
    - dout: upstream gradients, of shape (N, T, M)
    - cache: (x, w, b, out) from temporal_affine_forward

    Returns a tuple of:
    - dx: gradient of the input, of shape (N, T, D)
    - dw: gradient of the weights, of shape (D, M)
    - db: gradient of the biases, of shape (M,)
    """
    x, w, b, out = cache
    N, T, D = x.shape
    M = b.shape[0]
    dx = (dout.reshape(N * T, M) @ w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, M)
    db = dout.sum(axis=(0, 1))
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Softmax loss at every timestep, summed over the timesteps where mask is True, divided by N.

    Used for captions padded to a common length with <NULL> tokens: the mask leaves the padding out
    of the loss.

    Inputs:
    - x: scores of every word of the vocabulary, of shape (N, T, V)
    - y: ground-truth indices, of shape (N, T), each in the range 0 <= y[i, t] < V
    - mask: boolean array of shape (N, T); mask[i, t] says whether the score x[i, t] counts
    - verbose: print the shapes of the intermediate gradient

    Returns a tuple of:
    - loss: scalar
    - dx: gradient of the loss with respect to the scores x, of shape (N, T, V)
    """
    N, T, V = x.shape
    x_flat, y_flat, mask_flat = x.reshape(N * T, V), y.reshape(N * T), mask.reshape(N * T)
    shifted = x_flat - np.max(x_flat, axis=1, keepdims=True)  # no overflow in exp
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    rows = np.arange(N * T)
    loss = -np.sum(mask_flat * log_probs[rows, y_flat]) / N
    dx_flat = np.exp(log_probs)
    dx_flat[rows, y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    if verbose:
        print("dx_flat: ", dx_flat.shape)
    dx = dx_flat.reshape(N, T, V)
    return loss, dx
