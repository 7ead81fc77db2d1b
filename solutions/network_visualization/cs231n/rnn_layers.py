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
    next_h, cache = None, None
    ##############################################################################
    # TODO: Implement a single forward step of the vanilla RNN. Store the next   #
    # hidden state and anything you need for the backward pass in next_h and    #
    # cache.                                                                     #
    ##############################################################################
    next_h = np.tanh(prev_h @ Wh + x @ Wx + b)  # (N, H)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


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
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    ##############################################################################
    # TODO: Implement the backward pass of a single step of the vanilla RNN.    #
    # HINT: the derivative of tanh(z) is 1 - tanh(z)**2, and tanh(z) is next_h. #
    ##############################################################################
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h * (1 - next_h * next_h)  # (N, H), through the tanh
    dx = dz @ Wx.T  # (N, D)
    dprev_h = dz @ Wh.T  # (N, H)
    dWx = x.T @ dz  # (D, H)
    dWh = prev_h.T @ dz  # (H, H)
    db = dz.sum(axis=0)  # (H,)
    return dx, dprev_h, dWx, dWh, db


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
    h, cache = None, None
    ##############################################################################
    # TODO: Implement the forward pass of a vanilla RNN on a sequence of data.  #
    # You may use the rnn_step_forward function you defined above; one loop    #
    # over the T timesteps is expected.                                          #
    ##############################################################################
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx, Wh, b))
    step_caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        step_caches.append(step_cache)
    cache = step_caches
    return h, cache


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
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    ##############################################################################
    # TODO: Implement the backward pass of a vanilla RNN running on a sequence. #
    # You may use the rnn_step_backward function you defined above; loop over  #
    # the timesteps from last to first.                                          #
    ##############################################################################
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D), dtype=dh.dtype)
    dWx, dWh, db = 0, 0, 0
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    """Word embeddings: out[n, t] = W[x[n, t]], the vector of word x[n, t].

    Inputs:
    - x: integer array of shape (N, T) of word indices, each in the range 0 <= idx < V
    - W: weights, of shape (V, D), one word vector per row

    Returns a tuple of:
    - out: of shape (N, T, D), the word vectors of all the input words
    - cache: what word_embedding_backward needs
    """
    out, cache = None, None
    ##############################################################################
    # TODO: Implement the forward pass for word embeddings, without loops.     #
    # HINT: this can be done in one line using numpy's array indexing.         #
    ##############################################################################
    out = W[x]  # (N, T, D)
    cache = (x, W.shape)
    return out, cache


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
    dW = None
    ##############################################################################
    # TODO: Implement the backward pass for word embeddings, without loops.    #
    # HINT: look up np.add.at.                                                   #
    ##############################################################################
    x, W_shape = cache
    dW = np.zeros(W_shape, dtype=dout.dtype)
    np.add.at(dW, x, dout)  # accumulates repeated indices, unlike dW[x] += dout
    return dW


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
    next_h, next_c, cache = None, None, None
    #############################################################################
    # TODO: Implement the forward pass for a single timestep of an LSTM. Use   #
    # the numerically stable sigmoid implementation above.                     #
    #############################################################################
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b  # (N, 4H)
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), sigmoid(a[:, 2 * H : 3 * H])  # (N, H) each
    g = np.tanh(a[:, 3 * H :])  # (N, H)
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    return next_h, next_c, cache


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
    dx, dprev_h, dprev_c, dWx, dWh, db = None, None, None, None, None, None
    #############################################################################
    # TODO: Implement the backward pass for a single timestep of an LSTM.      #
    # HINT: for sigmoid and tanh you can compute the local derivative in terms #
    # of the output value of the nonlinearity.                                  #
    #############################################################################
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)  # (N, H): both paths into next_c
    da = np.concatenate([
        dc * g * i * (1 - i),  # input gate
        dc * prev_c * f * (1 - f),  # forget gate
        dnext_h * tanh_c * o * (1 - o),  # output gate
        dc * i * (1 - g * g),  # block input
    ], axis=1)  # (N, 4H)
    dx = da @ Wx.T  # (N, D)
    dprev_h = da @ Wh.T  # (N, H)
    dprev_c = dc * f  # (N, H)
    dWx = x.T @ da  # (D, 4H)
    dWh = prev_h.T @ da  # (H, 4H)
    db = da.sum(axis=0)  # (4H,)
    return dx, dprev_h, dprev_c, dWx, dWh, db


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
    h, cache = None, None
    #############################################################################
    # TODO: Implement the forward pass for an LSTM over an entire timeseries.  #
    # You may use the lstm_step_forward function you just defined. (For speed, #
    # the input products x Wx of all timesteps can be computed before the     #
    # loop, in one matrix product; only prev_h Wh depends on the loop.)        #
    #############################################################################
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, Wx, Wh, b)
    # Time-major (T, N, ...) arrays, so that each timestep is one contiguous block.
    xs = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, N, D)
    gates = (xs.reshape(T * N, D) @ Wx + b).reshape(T, N, 4 * H).astype(dtype, copy=False)  # x Wx + b for all t
    c = np.empty((T, N, H), dtype=dtype)  # cell states
    tanh_c = np.empty((T, N, H), dtype=dtype)
    hs = np.empty((T + 1, N, H), dtype=dtype)  # hs[0] = h0, hs[t + 1] = h_t
    hs[0] = h0
    prev_c = np.zeros((N, H), dtype=dtype)
    for t in range(T):
        a = gates[t]  # (N, 4H): becomes i, f, o, g in place
        a += hs[t] @ Wh
        ifo = a[:, : 3 * H]  # sigmoid(z) = (1 + tanh(z / 2)) / 2, computed in place
        ifo *= 0.5
        np.tanh(ifo, out=ifo)
        ifo += 1
        ifo *= 0.5
        np.tanh(a[:, 3 * H :], out=a[:, 3 * H :])
        i, f, o, g = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        prev_c = c[t] = f * prev_c + i * g
        np.tanh(prev_c, out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=hs[t + 1])
    h = np.ascontiguousarray(hs[1:].transpose(1, 0, 2))  # (N, T, H)
    cache = (xs, hs, Wx, Wh, gates, c, tanh_c)
    return h, cache


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
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    #############################################################################
    # TODO: Implement the backward pass for an LSTM over an entire timeseries. #
    # You may use the lstm_step_backward function you just defined. (For      #
    # speed, keep every timestep's gate gradients and compute dx, dWx, dWh and #
    # db after the loop, each in one matrix product.)                           #
    #############################################################################
    xs, hs, Wx, Wh, gates, c, tanh_c = cache  # time-major, as lstm_forward keeps them
    N, T, H = dh.shape
    D = xs.shape[2]
    dhs = np.ascontiguousarray(dh.transpose(1, 0, 2))  # (T, N, H)
    da = np.empty((T, N, 4 * H), dtype=gates.dtype)  # gradients of the activations a of every timestep
    dprev_h, dprev_c = np.zeros((N, H), dtype=dh.dtype), np.zeros((N, H), dtype=dh.dtype)
    zeros = np.zeros((N, H), dtype=c.dtype)
    for t in reversed(range(T)):
        i, f, o, g = (gates[t, :, k * H : (k + 1) * H] for k in range(4))
        prev_c = c[t - 1] if t > 0 else zeros
        dnext_h = dhs[t] + dprev_h
        dc = dnext_h * o
        dc *= 1 - tanh_c[t] * tanh_c[t]
        dc += dprev_c  # (N, H): from h_t and from c_{t+1}
        da_i, da_f, da_o, da_g = (da[t, :, k * H : (k + 1) * H] for k in range(4))
        np.multiply(dc * g, i * (1 - i), out=da_i)
        np.multiply(dc * prev_c, f * (1 - f), out=da_f)
        np.multiply(dnext_h * tanh_c[t], o * (1 - o), out=da_o)
        np.multiply(dc * i, 1 - g * g, out=da_g)
        dprev_h = da[t] @ Wh.T  # (N, H)
        dprev_c = dc * f
    dh0 = dprev_h
    da_flat = da.reshape(T * N, 4 * H)
    dx = np.ascontiguousarray((da_flat @ Wx.T).reshape(T, N, D).transpose(1, 0, 2))  # (N, T, D)
    dWx = xs.reshape(T * N, D).T @ da_flat  # (D, 4H)
    dWh = hs[:-1].reshape(T * N, H).T @ da_flat  # (H, 4H): h_{t-1} of every t
    db = da_flat.sum(axis=0)  # (4H,)
    return dx, dh0, dWx, dWh, db


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
