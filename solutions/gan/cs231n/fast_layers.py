"""Fast convolution and max pooling in pure numpy: strided views and BLAS matrix products (no Cython).

Given code: the notebook times these against your naive layers, and the
ThreeLayerConvNet trains with them. They take the same arguments as the
naive layers and return the same values (to rounding):

- conv_forward_fast(x, w, b, conv_param) / conv_backward_fast(dout, cache)
- max_pool_forward_fast(x, pool_param) / max_pool_backward_fast(dout, cache)

How the convolution works (im2col with BLAS): the zero-padded input is laid
out channels first, (C, N, H, W); for each of the HH * WW filter offsets
(kh, kw), the strided slice of the input that the offset sees is copied as
one contiguous block into a matrix cols of shape (HH * WW * C, N * H' * W').
The convolution is then one BLAS product of the filters, reshaped to
(F, HH * WW * C), with cols. The backward pass reuses cols for dw; for dx it
forms the gradient of cols with one product and adds each offset's block
back into the slice it came from ("col2im"). Copying whole blocks per offset
keeps every memory access long and contiguous, which is what makes this
faster than gathering windows with numpy.lib.stride_tricks.

float32 3x3 convolutions of stride 1 between layers of at least 16 channels take
another path, Winograd's minimal filtering (Lavin & Gray, "Fast Algorithms for
Convolutional Neural Networks", 2016): the output is cut into m x m tiles, each computed
from the (m + 2) x (m + 2) input tile around it as Y = A^T [(G g G^T) * (B^T d B)] A.
The (m + 2)**2 elementwise products of transformed tiles, summed over channels, become as
many products of (F, C) by (C, tiles) matrices. F(4x4, 3x3) (m = 4, the default) needs 36 / 144
of im2col's multiplications, F(2x2, 3x3) 16 / 36; the backward pass is the exact transpose of
the forward one. In float32, F(4x4, 3x3) is about 1e-5 off relative to the output's size (F(2x2, 3x3)
and im2col about 5e-7). float64 keeps im2col (its rounding is the reference's), and so do
other sizes, strides and the first layer of a network (3 channels: the transforms cost more
than they save).

Every stride and padding the naive layers accept works: strides of any size
(one that does not tile the padded input drops the rows and columns past the
last whole window, as the naive formula H' = 1 + (H + 2 * pad - HH) // stride
does), padding of any size, filters as large as the padded input.
Pooling windows may overlap (stride < pool size); a gradient then adds up
where windows overlap. When several elements of a pooling window share the
maximum, the gradient goes to the first of them in row-major order, as
np.argmax picks (the naive layers do the same).
"""

import numpy as np


def _output_size(size, field, pad, stride, what):
    """Number of positions a window of length field takes along a padded axis of length size."""
    span = size + 2 * pad - field
    if span < 0 or stride < 1:
        raise ValueError(f"{what}: a window of {field} does not fit an input of {size} padded by {pad} on each "
                         f"side, or the stride {stride} is not positive")
    return 1 + span // stride  # as in the naive layers: positions past the last whole window are dropped


def _padded_channels_first(x, pad):
    """x (N, C, H, W) zero-padded and laid out as (C, N, H + 2 * pad, W + 2 * pad), C-contiguous."""
    N, C, H, W = x.shape
    x_pad = np.zeros((C, N, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    x_pad[:, :, pad:pad + H, pad:pad + W] = x.transpose(1, 0, 2, 3)
    return x_pad


def _winograd_matrices(m):
    """Winograd F(m x m, 3 x 3) (Lavin & Gray 2016), m = 2 or 4: A^T (m, alpha), G (alpha, 3), B^T (alpha, alpha).

    One output tile Y (m, m) from an input tile d (alpha, alpha), alpha = m + 2, and a 3x3 filter g is
    Y = A^T [(G g G^T) * (B^T d B)] A, * elementwise.
    """
    if m == 2:
        AT = [[1, 1, 1, 0], [0, 1, -1, -1]]
        G = [[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]]
        BT = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    else:
        AT = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
        G = [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
             [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]
        BT = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0],
              [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
    return np.array(AT, dtype=float), np.array(G, dtype=float), np.array(BT, dtype=float)


_WINOGRAD_M = 4  # output tile size


def _uses_winograd(x, w, conv_param):
    """Whether conv_forward_fast takes the Winograd path: float32, 3x3 filters, stride 1, C and F >= 16.

    With fewer channels the transforms, whose cost grows as C + F, outweigh the saving on the
    products, which grows as C * F (measured: im2col is 2x faster for C = 3, F = 32).
    """
    return (x.dtype == np.float32 and w.dtype == np.float32 and w.shape[2:] == (3, 3)
            and conv_param["stride"] == 1 and min(w.shape[:2]) >= 16)


def _tiles(a, m, alpha, TH, TW):
    """Read-only view of a (C, H, W, N) as alpha x alpha tiles m apart, of shape (alpha, alpha, C, TH, TW, N).

    [r, s, c, i, j] is a[c, m * i + r, m * j + s]: tile (i, j)'s value at (r, s).
    """
    sc, sh, sw, sn = a.strides
    return np.lib.stride_tricks.as_strided(a, (alpha, alpha, a.shape[0], TH, TW, a.shape[3]),
                                           (sh, sw, sc, m * sh, m * sw, sn), writeable=False)


def _both_axes(L, a):
    """L t L^T for every t = a[:, :, k]: a (q, q, K) -> (p, p, K), L (p, q); two BLAS products, rows then columns.

    (One product with the Kronecker product of L with itself would do it too, but spends most of its
    multiplications on zeros: this is 1.3-1.4x faster.)
    """
    p, q = L.shape
    rows = (L @ a.reshape(q, -1)).reshape(p, q, -1)  # (p, q, K): L t
    return np.matmul(L, rows)  # (p, p, K): (L t) L^T, p products (p, q) @ (q, K)


def _to_last_axis(a):
    """(N, C, H, W) -> a (C, H, W, N) view of a channels-first copy: copying it on is ~3x faster than one
    long-strided transpose of a."""
    by_channel = np.ascontiguousarray(a.transpose(1, 0, 2, 3))  # (C, N, H, W): whole blocks of H * W
    return by_channel.transpose(0, 2, 3, 1)  # (C, H, W, N) view: a transpose of each channel's (N, H * W)


def _conv_forward_winograd(x, w, b, conv_param, m=None):
    """conv_forward_fast for 3x3 filters and stride 1 by Winograd F(m x m, 3x3); any dtype, any padding.

    Inputs and output as conv_forward_fast (m, the output tile size, 2 or 4, defaults to _WINOGRAD_M).
    Internally the images are laid out (C, H, W, N), so that every copy moves runs of N values. The
    output grid is rounded up to whole m x m tiles (the input padded with zeros below and to the
    right to match) and cropped back. Each transform of the tiles is two BLAS products (_both_axes),
    on all tiles at once.

    Returns a tuple of:
    - out: of shape (N, F, H', W'), H' = H + 2 * pad - 2, W' = W + 2 * pad - 2; C-contiguous
    - cache: (x, w, b, conv_param, (m, U, V)), for _conv_backward_winograd; U, of shape
      (alpha**2, F, C), alpha = m + 2, is the transformed filters G g G^T; V, of shape
      (alpha**2, C, T), the transformed input tiles B^T d B, T = TH * TW * N tiles
    """
    m = m or _WINOGRAD_M
    AT, G, BT = _winograd_matrices(m)
    N, C, H, W = x.shape
    F = w.shape[0]
    alpha = m + 2
    pad = conv_param["pad"]
    H_out = _output_size(H, 3, pad, 1, "conv height")
    W_out = _output_size(W, 3, pad, 1, "conv width")
    TH, TW = -(-H_out // m), -(-W_out // m)  # tiles down and across
    T = TH * TW * N

    x_pad = np.zeros((C, m * TH + 2, m * TW + 2, N), dtype=x.dtype)  # covers every tile's window
    x_pad[:, pad:pad + H, pad:pad + W] = _to_last_axis(x)
    d = np.ascontiguousarray(_tiles(x_pad, m, alpha, TH, TW)).reshape(alpha, alpha, C * T)
    V = _both_axes(BT.astype(x.dtype), d).reshape(alpha * alpha, C, T)  # B^T d B of every tile
    # G g G^T of every filter, computed in float64 (G's 1/6 and 1/24 are not exact in float32; it costs nothing).
    U = (np.kron(G, G) @ w.reshape(F * C, 9).T).astype(x.dtype).reshape(alpha * alpha, F, C)

    M = np.matmul(U, V)  # (alpha**2, F, T): alpha**2 BLAS products (F, C) @ (C, T)
    Y = _both_axes(AT.astype(x.dtype), M.reshape(alpha, alpha, F * T))  # A^T M A: (m, m, F * T)
    Y = Y.reshape(m, m, F, TH, TW, N).transpose(2, 3, 0, 4, 1, 5)  # (F, TH, m, TW, m, N) view
    Y = np.ascontiguousarray(Y).reshape(F, m * TH, m * TW, N)[:, :H_out, :W_out]  # (F, H', W', N)
    out = np.empty((N, F, H_out, W_out), dtype=x.dtype)
    np.add(np.ascontiguousarray(Y.transpose(0, 3, 1, 2)).transpose(1, 0, 2, 3), b[:, None, None], out=out)
    return out, (x, w, b, conv_param, (m, U, V))


def _conv_backward_winograd(dout, cache):
    """conv_backward_fast for a cache from _conv_forward_winograd: each forward step transposed.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H', W')
    - cache: (x, w, b, conv_param, (m, U, V)) from _conv_forward_winograd

    Returns a tuple of dx (N, C, H, W), dw (F, C, 3, 3), db (F,).
    """
    x, w, b, conv_param, (m, U, V) = cache
    AT, G, BT = _winograd_matrices(m)
    N, C, H, W = x.shape
    F = w.shape[0]
    alpha = m + 2
    pad = conv_param["pad"]
    H_out, W_out = dout.shape[2:]
    TH, TW = -(-H_out // m), -(-W_out // m)
    T = TH * TW * N
    dtype = V.dtype

    db = dout.sum(axis=(0, 2, 3), dtype=dtype)
    grid = np.zeros((F, m * TH, m * TW, N), dtype=dtype)
    grid[:, :H_out, :W_out] = _to_last_axis(dout)
    dY = np.ascontiguousarray(_tiles(grid, m, m, TH, TW)).reshape(m, m, F * T)  # output tiles, m x m
    dM = _both_axes(AT.T.astype(dtype), dY).reshape(alpha * alpha, F, T)  # A dY A^T

    dU = np.matmul(dM, V.transpose(0, 2, 1))  # (alpha**2, F, C): (F, T) @ (T, C), alpha**2 times
    dw = (np.kron(G, G).T @ dU.reshape(alpha * alpha, F * C)).T.reshape(F, C, 3, 3).astype(dtype)  # G^T dU G
    dV = np.matmul(U.transpose(0, 2, 1), dM)  # (alpha**2, C, T): (C, F) @ (F, T), alpha**2 times
    dd = _both_axes(BT.T.astype(dtype), dV.reshape(alpha, alpha, C * T))  # B dV B^T
    dd = dd.reshape(alpha, alpha, C, TH, TW, N)

    # Each tile's gradient adds back into the window it came from; neighbouring windows overlap by 2.
    # The tiles' first m rows and columns (r, s < m) do not overlap and cover all but the last 2 rows
    # and columns: they are copied, the rest added.
    dx_pad = np.empty((C, m * TH + 2, m * TW + 2, N), dtype=dtype)
    dx_pad[:, m * TH:] = 0
    dx_pad[:, :, m * TW:] = 0
    for r in range(alpha):
        for s in range(alpha):
            window = dx_pad[:, r:r + m * TH:m, s:s + m * TW:m]
            if r < m and s < m:
                window[...] = dd[r, s]
            else:
                window += dd[r, s]
    dx = dx_pad[:, pad:pad + H, pad:pad + W]  # (C, H, W, N)
    dx = np.ascontiguousarray(np.ascontiguousarray(dx.transpose(0, 3, 1, 2)).transpose(1, 0, 2, 3))
    return dx, np.ascontiguousarray(dw), db


def conv_forward_fast(x, w, b, conv_param):
    """Fast convolution forward pass; same arguments and output as conv_forward_naive.

    Inputs:
    - x: input, of shape (N, C, H, W)
    - w: filters, of shape (F, C, HH, WW)
    - b: biases, of shape (F,)
    - conv_param: dictionary with "stride" and "pad" (zero padding on each side)

    Returns a tuple of:
    - out: output, of shape (N, F, H', W'), H' = 1 + (H + 2 * pad - HH) // stride,
      W' = 1 + (W + 2 * pad - WW) // stride; C-contiguous
    - cache: (x, w, b, conv_param, cols), for conv_backward_fast; cols, of shape
      (HH * WW * C, N * H' * W'), holds the input window of every output position
      (row (kh, kw, c), column (n, i, j) is x_pad[n, c, i * stride + kh, j * stride + kw]);
      on the Winograd path (float32, 3x3, stride 1) cols is a tuple (U, V) of the transformed
      filters and input tiles instead (see _conv_forward_winograd)
    """
    if _uses_winograd(x, w, conv_param):
        return _conv_forward_winograd(x, w, b, conv_param)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride = conv_param["stride"]
    pad = conv_param["pad"]
    H_out = _output_size(H, HH, pad, stride, "conv height")
    W_out = _output_size(W, WW, pad, stride, "conv width")
    h_end, w_end = stride * (H_out - 1) + 1, stride * (W_out - 1) + 1

    # im2col: one contiguous block (C, N, H', W') per filter offset, copied from a strided slice.
    x_pad = _padded_channels_first(x, pad)  # (C, N, H + 2 * pad, W + 2 * pad)
    cols = np.empty((HH, WW, C, N, H_out, W_out), dtype=x.dtype)
    for kh in range(HH):
        for kw in range(WW):
            cols[kh, kw] = x_pad[:, :, kh:kh + h_end:stride, kw:kw + w_end:stride]
    cols = cols.reshape(HH * WW * C, N * H_out * W_out)

    w_rows = w.transpose(0, 2, 3, 1).reshape(F, HH * WW * C)  # rows ordered like cols: (kh, kw, c)
    out = w_rows @ cols  # (F, N * H' * W'): one BLAS product
    out += b[:, None]
    out = np.ascontiguousarray(out.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3))  # (N, F, H', W')
    return out, (x, w, b, conv_param, cols)


def conv_backward_fast(dout, cache):
    """Fast convolution backward pass; same arguments and gradients as conv_backward_naive.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H', W')
    - cache: (x, w, b, conv_param, cols) from conv_forward_fast

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    """
    if isinstance(cache[4], tuple):  # from the Winograd path
        return _conv_backward_winograd(dout, cache)
    x, w, b, conv_param, cols = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = dout.shape[2:]
    stride = conv_param["stride"]
    pad = conv_param["pad"]
    h_end, w_end = stride * (H_out - 1) + 1, stride * (W_out - 1) + 1

    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, N * H_out * W_out)  # (F, N * H' * W')
    db = dout_rows.sum(axis=1)
    # dw = dout_rows @ cols.T, computed transposed: BLAS is faster with the long axis inside the product.
    dw = (cols @ dout_rows.T).T.reshape(F, HH, WW, C).transpose(0, 3, 1, 2)  # (F, C, HH, WW)
    w_rows = w.transpose(0, 2, 3, 1).reshape(F, HH * WW * C)
    dcols = (w_rows.T @ dout_rows).reshape(HH, WW, C, N, H_out, W_out)

    # col2im: each filter offset's block of dcols adds into the strided slice it was copied from.
    dx_pad = np.zeros((C, N, H + 2 * pad, W + 2 * pad), dtype=dcols.dtype)
    for kh in range(HH):
        for kw in range(WW):
            dx_pad[:, :, kh:kh + h_end:stride, kw:kw + w_end:stride] += dcols[kh, kw]
    dx = np.ascontiguousarray(dx_pad[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3))  # (N, C, H, W)
    return dx, np.ascontiguousarray(dw), db


def max_pool_forward_fast(x, pool_param):
    """Fast max pooling forward pass; same arguments and output as max_pool_forward_naive.

    One pass per offset (ph, pw) inside the window, each over a strided slice of x that
    holds that offset of every window: a running maximum and where it was found.

    Inputs:
    - x: input, of shape (N, C, H, W)
    - pool_param: dictionary with "pool_height", "pool_width" and "stride"

    Returns a tuple of:
    - out: output, of shape (N, C, H', W'), H' = 1 + (H - pool_height) // stride,
      W' = 1 + (W - pool_width) // stride
    - cache: (x, pool_param, argmax), for max_pool_backward_fast; argmax, of shape
      (N, C, H', W'), is the row-major offset ph * pool_width + pw inside its window of
      each output's maximum (the first one, if several elements share it)
    """
    N, C, H, W = x.shape
    PH, PW = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    H_out = _output_size(H, PH, 0, stride, "pool height")
    W_out = _output_size(W, PW, 0, stride, "pool width")
    h_end, w_end = stride * (H_out - 1) + 1, stride * (W_out - 1) + 1
    out = x[:, :, :h_end:stride, :w_end:stride].copy()  # offset (0, 0) of every window
    argmax = np.zeros(out.shape, dtype=np.int32)
    for ph in range(PH):
        for pw in range(PW):
            if ph == pw == 0:
                continue
            candidate = x[:, :, ph:ph + h_end:stride, pw:pw + w_end:stride]
            larger = candidate > out  # strictly: a tie keeps the earlier offset
            np.copyto(out, candidate, where=larger)
            np.copyto(argmax, ph * PW + pw, where=larger)
    return out, (x, pool_param, argmax)


def max_pool_backward_fast(dout, cache):
    """Fast max pooling backward pass; same arguments and gradient as max_pool_backward_naive.

    Inputs:
    - dout: upstream derivatives, of shape (N, C, H', W')
    - cache: (x, pool_param, argmax) from max_pool_forward_fast

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param, argmax = cache
    PH, PW = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    H_out, W_out = dout.shape[2:]
    dx = np.zeros_like(x, dtype=dout.dtype)
    h_end, w_end = stride * (H_out - 1) + 1, stride * (W_out - 1) + 1
    for ph in range(PH):
        for pw in range(PW):
            # The outputs whose maximum sat at offset (ph, pw) of their window; overlapping windows add up.
            dx[:, :, ph:ph + h_end:stride, pw:pw + w_end:stride] += np.where(argmax == ph * PW + pw, dout, 0)
    return dx
