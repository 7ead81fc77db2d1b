"""Batch norm backward: the computational-graph version vs the simplified one (batchnorm_backward_alt).

Both take the same cache and return the same gradients; the simplified form does fewer passes over
the (N, D) data. Prints the best of several timings per shape and the speed-up, and torch's
autograd through its own batch norm on the same data for scale (if torch is installed).

    .venv/bin/python benchmarks/bench_batchnorm_backward.py
"""

import os

import numpy as np
from timing import best_time

from cs231n_lib.layers import batchnorm_backward, batchnorm_backward_alt, batchnorm_forward

SHAPES = [(50, 100), (100, 500), (256, 1024), (1024, 4096)]


def best_seconds(function):
    return best_time(function, repeats=30, budget=2.0)


def torch_seconds(x, gamma, dout):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    xt = torch.tensor(x, requires_grad=True)
    gt, bt = torch.tensor(gamma, requires_grad=True), torch.zeros(len(gamma), dtype=torch.float64, requires_grad=True)
    dt = torch.tensor(dout)

    def step():
        out = torch.nn.functional.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
        torch.autograd.grad(out, (xt, gt, bt), dt)

    step()  # the first call sets torch up
    return best_seconds(step)


def main():
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"{'N x D':>12} {'graph ms':>10} {'alt ms':>10} {'speed-up':>9} {'torch fwd+bwd ms':>17}")
    for N, D in SHAPES:
        x = 5 * rng.normal(size=(N, D)) + 12
        gamma, beta, dout = rng.normal(size=D), rng.normal(size=D), rng.normal(size=(N, D))
        _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
        graph = best_seconds(lambda: batchnorm_backward(dout, cache))  # noqa: B023 - called at once
        alt = best_seconds(lambda: batchnorm_backward_alt(dout, cache))  # noqa: B023
        reference = torch_seconds(x, gamma, dout)
        torch_text = f"{reference * 1e3:17.3f}" if reference is not None else f"{'-':>17}"
        print(f"{f'{N} x {D}':>12} {graph * 1e3:10.3f} {alt * 1e3:10.3f} {graph / alt:8.2f}x {torch_text}")


if __name__ == "__main__":
    main()
