"""Planted alternatives of the rnn_captioning assignment: correct cells written from the contracts.

Each is a whole solution cell as a student who read only the notebook's contract (or who did
CS231n) might write it: the textbook loops of CS231n's public solutions, other products and
allocations, another sampling habit. The k-th alternative of every unit lands in the same
submission of the pipeline test (samples.alternative_groups), so alternatives that call each other
(lstm_forward looping over lstm_step_forward) are proven together there.

Layer caches: a backward alternative must also work on the reference forward's cache, since the
in-process test substitutes one cell at a time. The textbook lstm_backward (a loop over
lstm_step_backward) needs step caches, so its cell also defines the textbook lstm_forward that
builds them: a cell may redefine an earlier function, and then both are graded as redefined.
"""

from __future__ import annotations

from ..samples import library_cell, planted_alternative


def _captioning_rnn():
    from ...classifiers.rnn import CaptioningRNN

    return CaptioningRNN


RNN_STEP_FORWARD_DOT = '''
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """CS231n's public solution: np.dot, and the cache keeps b too."""
    next_h = np.tanh(np.dot(x, Wx) + np.dot(prev_h, Wh) + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache
'''

RNN_STEP_FORWARD_EINSUM = '''
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """Products with einsum, the activation in two statements."""
    a = np.einsum("nd,dh->nh", x, Wx)
    a = a + np.einsum("nk,kh->nh", prev_h, Wh) + b[None, :]
    next_h = np.tanh(a)
    return next_h, (x, prev_h, Wx, Wh, next_h)
'''

RNN_STEP_BACKWARD_DOT = '''
def rnn_step_backward(dnext_h, cache):
    """CS231n's public solution: np.dot with explicit transposes."""
    x, prev_h, Wx, Wh, next_h = cache
    dtanh = (1 - next_h ** 2) * dnext_h
    dx = np.dot(dtanh, Wx.T)
    dprev_h = np.dot(dtanh, Wh.T)
    dWx = np.dot(x.T, dtanh)
    dWh = np.dot(prev_h.T, dtanh)
    db = np.sum(dtanh, axis=0)
    return dx, dprev_h, dWx, dWh, db
'''

RNN_STEP_BACKWARD_EINSUM = '''
def rnn_step_backward(dnext_h, cache):
    """einsum everywhere; the bias gradient as a product with a vector of ones."""
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h - dnext_h * next_h * next_h
    dx = np.einsum("nh,dh->nd", dz, Wx)
    dprev_h = np.einsum("nh,kh->nk", dz, Wh)
    dWx = np.einsum("nd,nh->dh", x, dz)
    dWh = np.einsum("nk,nh->kh", prev_h, dz)
    db = np.ones(dz.shape[0]) @ dz
    return dx, dprev_h, dWx, dWh, db
'''

RNN_FORWARD_ZEROS = '''
def rnn_forward(x, h0, Wx, Wh, b):
    """CS231n's public solution: h allocated with np.zeros (float64 whatever the inputs)."""
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, cache_t = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(cache_t)
    return h, cache
'''

RNN_FORWARD_STACK = '''
def rnn_forward(x, h0, Wx, Wh, b):
    """Hidden states collected in a list and stacked at the end."""
    hs, cache = [], []
    h_t = h0
    for x_t in x.transpose(1, 0, 2):
        h_t, step_cache = rnn_step_forward(x_t, h_t, Wx, Wh, b)
        hs.append(h_t)
        cache.append(step_cache)
    return np.stack(hs, axis=1), cache
'''

RNN_BACKWARD_ZEROS = '''
def rnn_backward(dh, cache):
    """CS231n's public solution: zero-initialized accumulators, a loop over rnn_step_backward."""
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
'''

RNN_BACKWARD_UNROLLED = '''
def rnn_backward(dh, cache):
    """Through time by hand from the step caches; the weight gradients summed once at the end."""
    T = len(cache)
    xs = np.stack([step[0] for step in cache])  # (T, N, D)
    prevs = np.stack([step[1] for step in cache])  # (T, N, H)
    nexts = np.stack([step[4] for step in cache])  # (T, N, H)
    Wx, Wh = cache[0][2], cache[0][3]
    dz = np.empty_like(nexts)
    carry = np.zeros_like(dh[:, 0, :])
    for t in reversed(range(T)):
        dz[t] = (dh[:, t, :] + carry) * (1 - nexts[t] ** 2)
        carry = dz[t] @ Wh.T
    dx = np.tensordot(dz, Wx, axes=(2, 1)).transpose(1, 0, 2)
    dWx = np.tensordot(xs, dz, axes=((0, 1), (0, 1)))
    dWh = np.tensordot(prevs, dz, axes=((0, 1), (0, 1)))
    db = dz.sum(axis=(0, 1))
    return dx, carry, dWx, dWh, db
'''

WORD_EMBEDDING_FORWARD_TAKE = '''
def word_embedding_forward(x, W):
    """np.take along the rows."""
    out = np.take(W, x, axis=0)
    cache = (x, W.shape)
    return out, cache
'''

WORD_EMBEDDING_FORWARD_ONE_HOT = '''
def word_embedding_forward(x, W):
    """A one-hot matrix product, as some public solutions write it (exact: one nonzero per row)."""
    V = W.shape[0]
    one_hot = (x[:, :, None] == np.arange(V)).astype(W.dtype)  # (N, T, V)
    out = one_hot @ W
    return out, (x, W.shape)
'''

WORD_EMBEDDING_BACKWARD_ONE_HOT = '''
def word_embedding_backward(dout, cache):
    """A one-hot matrix product: dW = onehot(x)^T dout (CS231n public solutions do this)."""
    x, (V, D) = cache
    one_hot = np.zeros((x.size, V))
    one_hot[np.arange(x.size), x.reshape(-1)] = 1
    dW = one_hot.T @ dout.reshape(x.size, -1)
    return dW
'''

WORD_EMBEDDING_BACKWARD_BINCOUNT = '''
def word_embedding_backward(dout, cache):
    """np.bincount with weights, one column of dW at a time (a loop over D would be a loop; this
    uses a flat index over (word, column) pairs instead)."""
    x, (V, D) = cache
    flat = (x.reshape(-1, 1) * D + np.arange(D)).reshape(-1)
    dW = np.bincount(flat, weights=dout.reshape(-1), minlength=V * D).reshape(V, D)
    return dW
'''

LSTM_STEP_FORWARD_TEXTBOOK = '''
def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """CS231n's public solution: np.split into i, f, o, g."""
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    ai, af, ao, ag = np.split(a, 4, axis=1)
    i, f, o, g = sigmoid(ai), sigmoid(af), sigmoid(ao), np.tanh(ag)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, np.tanh(next_c))
    return next_h, next_c, cache
'''

LSTM_STEP_FORWARD_RESHAPE = '''
def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """Gates through a reshape to (N, 4, H); the sigmoid written out as 1 / (1 + exp(-a))."""
    N, H = prev_h.shape
    a = (x @ Wx + prev_h @ Wh + b).reshape(N, 4, H)
    ifo = 1 / (1 + np.exp(-a[:, :3]))
    i, f, o = ifo[:, 0], ifo[:, 1], ifo[:, 2]
    g = np.tanh(a[:, 3])
    next_c = prev_c * f + g * i
    tanh_c = np.tanh(next_c)
    next_h = tanh_c * o
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
'''

LSTM_STEP_BACKWARD_TEXTBOOK = '''
def lstm_step_backward(dnext_h, dnext_c, cache):
    """CS231n's public solution: dnext_c updated in place, the four blocks stacked with np.hstack."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dnext_c += dnext_h * o * (1 - tanh_c ** 2)
    di = dnext_c * g
    df = dnext_c * prev_c
    do = dnext_h * tanh_c
    dg = dnext_c * i
    dprev_c = dnext_c * f
    da = np.hstack((di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)))
    dx = np.dot(da, Wx.T)
    dprev_h = np.dot(da, Wh.T)
    dWx = np.dot(x.T, da)
    dWh = np.dot(prev_h.T, da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db
'''

LSTM_STEP_BACKWARD_PREALLOCATED = '''
def lstm_step_backward(dnext_h, dnext_c, cache):
    """The activation gradient written block by block into a preallocated (N, 4H) array."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    H = prev_h.shape[1]
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)
    da = np.zeros((x.shape[0], 4 * H))
    da[:, :H] = dc * g * i * (1 - i)
    da[:, H:2 * H] = dc * prev_c * f * (1 - f)
    da[:, 2 * H:3 * H] = dnext_h * tanh_c * o * (1 - o)
    da[:, 3 * H:] = dc * i * (1 - g * g)
    dx = np.einsum("nk,dk->nd", da, Wx)
    dprev_h = np.einsum("nk,hk->nh", da, Wh)
    dWx = np.einsum("nd,nk->dk", x, da)
    dWh = np.einsum("nh,nk->hk", prev_h, da)
    return dx, dprev_h, dc * f, dWx, dWh, da.sum(axis=0)
'''

LSTM_FORWARD_TEXTBOOK = '''
def lstm_forward(x, h0, Wx, Wh, b):
    """CS231n's public solution: a loop over lstm_step_forward, h allocated with np.zeros."""
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    prev_h, prev_c = h0, np.zeros((N, H))
    for t in range(T):
        prev_h, prev_c, cache_t = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(cache_t)
    return h, cache
'''

LSTM_FORWARD_BATCHED_INPUT = '''
def lstm_forward(x, h0, Wx, Wh, b):
    """x Wx + b for all timesteps in one tensordot before the loop; time-major arrays in the cache
    (xs, hs, Wx, Wh, gates, c, tanh_c), with hs[0] = h0 and the activated gates i, f, o, g."""
    N, T, D = x.shape
    H = h0.shape[1]
    xs = x.transpose(1, 0, 2)  # (T, N, D)
    gates = np.tensordot(xs, Wx, axes=(2, 0)) + b  # (T, N, 4H), becomes the activated gates
    hs = np.zeros((T + 1, N, H))
    c = np.zeros((T, N, H))
    tanh_c = np.zeros((T, N, H))
    hs[0] = h0
    c_prev = np.zeros((N, H))
    for t in range(T):
        gates[t] += hs[t] @ Wh
        gates[t, :, :3 * H] = 1 / (1 + np.exp(-gates[t, :, :3 * H]))
        gates[t, :, 3 * H:] = np.tanh(gates[t, :, 3 * H:])
        i, f, o, g = np.split(gates[t], 4, axis=1)
        c[t] = f * c_prev + i * g
        tanh_c[t] = np.tanh(c[t])
        hs[t + 1] = o * tanh_c[t]
        c_prev = c[t]
    return hs[1:].transpose(1, 0, 2), (xs, hs, Wx, Wh, gates, c, tanh_c)
'''

LSTM_BACKWARD_TEXTBOOK = LSTM_FORWARD_TEXTBOOK + '''

def lstm_backward(dh, cache):
    """CS231n's public solution: a loop over lstm_step_backward (its lstm_forward is above)."""
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
'''

LSTM_BACKWARD_STACKED = '''
def lstm_backward(dh, cache):
    """From the reference layout's time-major arrays: the activation gradients of every step first,
    then each weight gradient as one einsum over time and batch."""
    xs, hs, Wx, Wh, gates, c, tanh_c = cache
    T, N, H = c.shape
    da = np.zeros_like(gates)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        i, f, o, g = np.split(gates[t], 4, axis=1)
        c_prev = c[t - 1] if t else np.zeros((N, H))
        dh_t = dh[:, t] + dh_next
        dc_t = dc_next + dh_t * o * (1 - tanh_c[t] ** 2)
        da[t] = np.concatenate([dc_t * g * i * (1 - i), dc_t * c_prev * f * (1 - f),
                                dh_t * tanh_c[t] * o * (1 - o), dc_t * i * (1 - g ** 2)], axis=1)
        dh_next = da[t] @ Wh.T
        dc_next = dc_t * f
    dx = np.einsum("tnk,dk->ntd", da, Wx)
    dWx = np.einsum("tnd,tnk->dk", xs, da)
    dWh = np.einsum("tnh,tnk->hk", hs[:-1], da)
    db = np.einsum("tnk->k", da)
    return dx, dh_next, dWx, dWh, db
'''

CAPTIONING_LOSS_TEXTBOOK = """
# CS231n's public solution: one branch per cell type.
h0, cache_h0 = affine_forward(features, W_proj, b_proj)
x, cache_embed = word_embedding_forward(captions_in, W_embed)
if self.cell_type == "rnn":
    h, cache_rnn = rnn_forward(x, h0, Wx, Wh, b)
else:
    h, cache_rnn = lstm_forward(x, h0, Wx, Wh, b)
scores, cache_scores = temporal_affine_forward(h, W_vocab, b_vocab)
loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cache_scores)
if self.cell_type == "rnn":
    dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache_rnn)
else:
    dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cache_rnn)
grads["W_embed"] = word_embedding_backward(dx, cache_embed)
dfeatures, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_h0)
"""

# CS231n's sample: max_length words, whatever follows <END> (the contract does not grade it).
CAPTIONING_SAMPLE_TEXTBOOK = """
prev_h = features.dot(W_proj) + b_proj
prev_c = np.zeros(prev_h.shape)
prev_word = self._start * np.ones(N, dtype=np.int32)
for t in range(max_length):
    x = W_embed[prev_word]
    if self.cell_type == "rnn":
        next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
    else:
        next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
        prev_c = next_c
    scores = next_h.dot(W_vocab) + b_vocab
    prev_word = np.argmax(scores, axis=1)
    captions[:, t] = prev_word
    prev_h = next_h
"""

CAPTIONING_LOSS_INLINE = """
# The projection and the output layer written inline with einsum; the embedding's backward and
# the sequence layers are the notebook's.
forward, backward = (lstm_forward, lstm_backward) if self.cell_type == "lstm" else (rnn_forward, rnn_backward)
h0 = features @ W_proj + b_proj
words, embed_cache = word_embedding_forward(captions_in, W_embed)
h, seq_cache = forward(words, h0, Wx, Wh, b)
scores = np.einsum("nth,hv->ntv", h, W_vocab) + b_vocab
loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
grads["W_vocab"] = np.einsum("nth,ntv->hv", h, dscores)
grads["b_vocab"] = dscores.sum(axis=(0, 1))
dh = np.einsum("ntv,hv->nth", dscores, W_vocab)
dwords, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dh, seq_cache)
grads["W_embed"] = word_embedding_backward(dwords, embed_cache)
grads["W_proj"] = features.T @ dh0
grads["b_proj"] = dh0.sum(axis=0)
"""

# Stops once every caption has ended; the captions array keeps its <NULL>s after that.
CAPTIONING_SAMPLE_EARLY_STOP = """
h = affine_forward(features, W_proj, b_proj)[0]
c = np.zeros_like(h)
words = np.full(N, self._start)
ended = np.zeros(N, dtype=bool)
for t in range(max_length):
    if self.cell_type == "lstm":
        h, c, _ = lstm_step_forward(W_embed[words], h, c, Wx, Wh, b)
    else:
        h, _ = rnn_step_forward(W_embed[words], h, Wx, Wh, b)
    words = (h @ W_vocab + b_vocab).argmax(axis=1)
    captions[~ended, t] = words[~ended]
    ended = ended | (words == self._end)
    if ended.all():
        break
"""


def _alternatives():
    model = _captioning_rnn()
    return (
        planted_alternative("rnn_step_forward_dot", "rnn_step_forward", RNN_STEP_FORWARD_DOT,
                            "np.dot, as CS231n's public solutions"),
        planted_alternative("rnn_step_forward_einsum", "rnn_step_forward", RNN_STEP_FORWARD_EINSUM,
                            "einsum products"),
        planted_alternative("rnn_step_backward_dot", "rnn_step_backward", RNN_STEP_BACKWARD_DOT,
                            "np.dot with transposes"),
        planted_alternative("rnn_step_backward_einsum", "rnn_step_backward", RNN_STEP_BACKWARD_EINSUM,
                            "einsum, db as a product with ones"),
        planted_alternative("rnn_forward_zeros", "rnn_forward", RNN_FORWARD_ZEROS,
                            "np.zeros allocation (float64 for float32 inputs)"),
        planted_alternative("rnn_forward_stack", "rnn_forward", RNN_FORWARD_STACK,
                            "hidden states stacked from a list"),
        planted_alternative("rnn_backward_zeros", "rnn_backward", RNN_BACKWARD_ZEROS,
                            "zero accumulators, a loop over rnn_step_backward"),
        planted_alternative("rnn_backward_unrolled", "rnn_backward", RNN_BACKWARD_UNROLLED,
                            "by hand through time, weight gradients by tensordot at the end"),
        planted_alternative("word_embedding_forward_take", "word_embedding_forward",
                            WORD_EMBEDDING_FORWARD_TAKE, "np.take; W in the cache"),
        planted_alternative("word_embedding_forward_one_hot", "word_embedding_forward",
                            WORD_EMBEDDING_FORWARD_ONE_HOT, "a one-hot matrix product"),
        planted_alternative("word_embedding_backward_one_hot", "word_embedding_backward",
                            WORD_EMBEDDING_BACKWARD_ONE_HOT, "a one-hot matrix product (float64 dW)"),
        planted_alternative("word_embedding_backward_bincount", "word_embedding_backward",
                            WORD_EMBEDDING_BACKWARD_BINCOUNT, "np.bincount with weights"),
        planted_alternative("lstm_step_forward_split", "lstm_step_forward", LSTM_STEP_FORWARD_TEXTBOOK,
                            "np.split into gates"),
        planted_alternative("lstm_step_forward_reshape", "lstm_step_forward", LSTM_STEP_FORWARD_RESHAPE,
                            "gates by reshape to (N, 4, H), sigmoid as 1 / (1 + exp(-a))"),
        planted_alternative("lstm_step_backward_in_place", "lstm_step_backward", LSTM_STEP_BACKWARD_TEXTBOOK,
                            "updates dnext_c in place, as every public CS231n solution does"),
        planted_alternative("lstm_step_backward_preallocated", "lstm_step_backward",
                            LSTM_STEP_BACKWARD_PREALLOCATED, "da written block by block; einsum"),
        planted_alternative("lstm_forward_textbook", "lstm_forward", LSTM_FORWARD_TEXTBOOK,
                            "a loop over lstm_step_forward, np.zeros allocation"),
        planted_alternative("lstm_forward_batched_input", "lstm_forward", LSTM_FORWARD_BATCHED_INPUT,
                            "x Wx by tensordot before the loop, per-step caches"),
        planted_alternative("lstm_backward_textbook", "lstm_backward", LSTM_BACKWARD_TEXTBOOK,
                            "a loop over lstm_step_backward (with the textbook lstm_forward that builds its cache)"),
        planted_alternative("lstm_backward_einsum", "lstm_backward", LSTM_BACKWARD_STACKED,
                            "activation gradients first, weight gradients by einsum over time"),
        planted_alternative("captioning_rnn_textbook", "CaptioningRNN",
                            library_cell(model, CAPTIONING_LOSS_TEXTBOOK, CAPTIONING_SAMPLE_TEXTBOOK),
                            "CS231n's public solution: samples max_length words, whatever follows <END>"),
        planted_alternative("captioning_rnn_inline", "CaptioningRNN",
                            library_cell(model, CAPTIONING_LOSS_INLINE, CAPTIONING_SAMPLE_EARLY_STOP),
                            "einsum output layer, sampling that stops when every caption has ended"),
    )


PLANTED_ALTERNATIVES = _alternatives()
