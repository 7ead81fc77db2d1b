"""Fast convolution and max pooling in pure numpy: strided views and one matrix product (no Cython).

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
      (row (kh, kw, c), column (n, i, j) is x_pad[n, c, i * stride + kh, j * stride + kw])
    """
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
