"""lstm_forward + lstm_backward (numpy) vs PyTorch's nn.LSTM forward + backward, on the CPU.

CS231n's size: N=50 sequences of T=16 steps, D=512 inputs, H=512 hidden units, float64 and
float32. Both sides get the same inputs, the same gradient of the hidden states, and the same
number of threads (--threads, default 1: what the autograder pins; numpy's BLAS through
threadpoolctl, torch through torch.set_num_threads). Time is the best of --repeats runs of
forward + backward, numpy's and torch's runs taking turns in one loop (so that both meet the same
spells of load on a shared machine); the ratio is numpy / torch (below 1 means numpy is faster).
Each dtype's ratio is also recorded for bench_table.py (timing.record); without torch the rows are
recorded as not measured.

The numpy version computes x @ Wx for all timesteps in one product before its loop and the weight
gradients dWx, dWh, db and dx after the backward loop, in one product each; only the products with
Wh are left inside the loops, as in any LSTM.

Run: .venv/bin/python benchmarks/bench_lstm.py [--threads 1] [--repeats 10]
"""

from __future__ import annotations

import argparse

import numpy as np
from timing import best_times_interleaved, record, torch_or_none

from cs231n_lib.rnn_layers import lstm_backward, lstm_forward

ROW = "LSTM fwd+bwd {dtype} vs PyTorch"  # bench_table.py's rows
GOAL = {"float64": "<= 1.0", "float32": "<= 1.5"}


def compare(dtype, torch_dtype, x, h0, Wx, Wh, b, dh, repeats):
    """Print one row: numpy and torch times for dtype, their ratio, and how far their dWh differ; return the ratio."""
    import torch

    N, T, D = x.shape
    H = h0.shape[1]
    xa, h0a, Wxa, Wha, ba, dha = (a.astype(dtype) for a in (x, h0, Wx, Wh, b, dh))

    def numpy_step():
        h, cache = lstm_forward(xa, h0a, Wxa, Wha, ba)
        return lstm_backward(dha, cache)

    # nn.LSTM keeps weight_ih (4H, D), weight_hh (4H, H) and two biases; its gate order is
    # i, f, g, o, ours i, f, o, g, so the g and o blocks swap.
    lstm = torch.nn.LSTM(D, H, batch_first=True).to(torch_dtype)
    order = np.r_[0 : 2 * H, 3 * H : 4 * H, 2 * H : 3 * H]
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(Wxa[:, order].T.copy()))
        lstm.weight_hh_l0.copy_(torch.from_numpy(Wha[:, order].T.copy()))
        lstm.bias_ih_l0.copy_(torch.from_numpy(ba[order].copy()))
        lstm.bias_hh_l0.zero_()
    xt = torch.from_numpy(xa).requires_grad_(True)
    h0t = torch.from_numpy(h0a)[None].clone().requires_grad_(True)
    c0t = torch.zeros_like(h0t)
    dht = torch.from_numpy(dha)

    def torch_step():
        lstm.zero_grad(set_to_none=True)
        xt.grad = h0t.grad = None
        out, _ = lstm(xt, (h0t, c0t))
        out.backward(dht)

    numpy_seconds, torch_seconds = best_times_interleaved([numpy_step, torch_step], repeats)
    dWh = numpy_step()[3]
    torch_step()
    torch_dWh = lstm.weight_hh_l0.grad.numpy().T[:, np.argsort(order)]
    difference = float(np.max(np.abs(dWh - torch_dWh)))
    print(f"{np.dtype(dtype).name:8} {numpy_seconds * 1e3:9.1f} {torch_seconds * 1e3:9.1f} "
          f"{numpy_seconds / torch_seconds:6.2f}  {difference:.1e}")
    return numpy_seconds / torch_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--N", type=int, default=50)
    parser.add_argument("--T", type=int, default=16)
    parser.add_argument("--D", type=int, default=512)
    parser.add_argument("--H", type=int, default=512)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    torch = torch_or_none()
    if torch is None:
        print("torch is not installed (pip install torch==2.13.0, or `make bench`): nothing measured")
        for dtype in ("float64", "float32"):
            record(ROW.format(dtype=dtype), None, GOAL[dtype], note="torch not installed")
        return
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(args.threads)
    torch.set_num_threads(args.threads)
    blas = [f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)" for i in threadpool_info()]
    print(f"numpy {np.__version__}; BLAS: {', '.join(blas)}")
    print(f"torch {torch.__version__}; {torch.get_num_threads()} threads")
    N, T, D, H = args.N, args.T, args.D, args.H
    print(f"lstm_forward + lstm_backward at N={N}, T={T}, D={D}, H={H}, best of {args.repeats}\n")

    rng = np.random.default_rng(0)
    x, h0, dh = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, T, H))
    Wx, Wh = rng.normal(size=(D, 4 * H)) / np.sqrt(D), rng.normal(size=(H, 4 * H)) / np.sqrt(H)
    b = 0.1 * rng.normal(size=4 * H)

    print(f"{'dtype':8} {'numpy ms':>9} {'torch ms':>9} {'ratio':>6}  max |dWh| difference")
    for dtype, torch_dtype in ((np.float64, torch.float64), (np.float32, torch.float32)):
        ratio = compare(dtype, torch_dtype, x, h0, Wx, Wh, b, dh, args.repeats)
        name = np.dtype(dtype).name
        record(ROW.format(dtype=name), ratio, GOAL[name],
               note=f"N={N} T={T} D={D} H={H}, {args.threads} thread(s), best of {args.repeats} interleaved")


if __name__ == "__main__":
    main()
