"""Fast numpy convolution and pooling vs PyTorch CPU, and vs the naive loop layers.

Convolution forward + backward (dx, dw, db) of cs231n_lib.fast_layers against
torch.nn.functional.conv2d + autograd on CS231n's sizes, float64 and float32:

- first layer of ThreeLayerConvNet: N=50, C=3, 32x32, F=32, 7x7, stride 1, pad 3
- a deeper layer: N=64, C=64, 16x16, F=64, 3x3, stride 1, pad 1

then 2x2 max pooling (fast numpy vs torch max_pool2d), and the naive layers vs
the fast ones (the naive times are measured on a few examples and scaled).

In float32 the 3x3 layer takes fast_layers' Winograd F(4x4, 3x3) path; two more rows time the
same layer by F(2x2, 3x3) and by im2col (the path before Winograd), in the same run. The first
lines give OpenBLAS's own sgemm throughput here (one square product, and the products of the
Winograd path's shapes): the limit for any numpy convolution built on BLAS.

Both libraries get the same number of threads (--threads, default 1): numpy's
BLAS through threadpoolctl, torch through torch.set_num_threads. Times are
the best of --repeats runs, numpy's and torch's taking turns (so that both meet
the same spells of load on a shared machine). Ratio = numpy time / torch time
(lower is better; the targets are <= 1.0 in float64 and <= 1.5 in float32 for
convolution). The convolution ratios of issue 18's table (both layers in float64, the 3x3 layer by
the default path in float32) are also recorded for bench_table.py (timing.record); without torch
they are recorded as not measured.

Run: .venv/bin/python benchmarks/bench_conv.py [--threads 1] [--repeats 7]
(needs torch, the benchmark-only dependency: pip install torch==2.13.0)
"""

from __future__ import annotations

import argparse

import numpy as np
from timing import best_time_after_warm_up as best_time
from timing import best_times_interleaved, record, torch_or_none

CONV_CASES = (
    ("7x7 first layer", (50, 3, 32, 32), (32, 3, 7, 7), {"stride": 1, "pad": 3}),
    ("3x3 deeper layer", (64, 64, 16, 16), (64, 64, 3, 3), {"stride": 1, "pad": 1}),
)
POOL_CASE = ((50, 32, 32, 32), {"pool_height": 2, "pool_width": 2, "stride": 2})
# bench_table.py's rows: (case index, dtype) -> row name; the goals are issue 18's.
TABLE_ROWS = {(0, "float64"): "conv fwd+bwd 7x7 float64 vs PyTorch",
              (1, "float64"): "conv fwd+bwd 3x3 float64 vs PyTorch",
              (1, "float32"): "conv fwd+bwd 3x3 float32 vs PyTorch"}
GOAL = {"float64": "<= 1.0", "float32": "<= 1.5"}


def forward_by(path: str):
    """conv_forward_fast as it is ("default"), or forced onto one path: "winograd F(2x2)" or "im2col"."""
    from cs231n_lib import fast_layers

    def forward(x, w, b, conv_param):
        if path == "winograd F(2x2)":
            return fast_layers._conv_forward_winograd(x, w, b, conv_param, m=2)
        if path == "im2col":
            uses_winograd, fast_layers._uses_winograd = fast_layers._uses_winograd, lambda *args: False
            try:
                return fast_layers.conv_forward_fast(x, w, b, conv_param)
            finally:
                fast_layers._uses_winograd = uses_winograd
        return fast_layers.conv_forward_fast(x, w, b, conv_param)
    return forward


def sgemm_rows(torch, repeats: int) -> list[tuple[str, float]]:
    """(what, GFLOP/s) of numpy's sgemm: a square product and the products of the 3x3 case's paths; then
    torch's own float32 product (its BLAS) on the square one, for scale."""
    rng = np.random.default_rng(5)

    def throughput(a, b, products=1):
        flop = 2 * products * a.shape[-2] * a.shape[-1] * b.shape[-1]
        return flop / best_time(lambda: np.matmul(a, b), repeats) / 1e9

    square = rng.normal(size=(2, 1024, 1024)).astype(np.float32)
    U, V = rng.normal(size=(36, 64, 64)).astype(np.float32), rng.normal(size=(36, 64, 1024)).astype(np.float32)
    U2, V2 = rng.normal(size=(16, 64, 64)).astype(np.float32), rng.normal(size=(16, 64, 4096)).astype(np.float32)
    w_rows, cols = rng.normal(size=(64, 576)).astype(np.float32), rng.normal(size=(576, 16384)).astype(np.float32)
    return [("sgemm 1024 x 1024 x 1024", throughput(square[0], square[1])),
            ("sgemm im2col forward, (64, 576) @ (576, 16384)", throughput(w_rows, cols)),
            ("sgemm F(4x4) forward, 36 x (64, 64) @ (64, 1024)", throughput(U, V, 36)),
            ("sgemm F(4x4) dw, 36 x (64, 1024) @ (1024, 64)", throughput(V, V.transpose(0, 2, 1), 36)),
            ("sgemm F(2x2) forward, 16 x (64, 64) @ (64, 4096)", throughput(U2, V2, 16)),
            ("torch.mm float32 1024 x 1024 x 1024", 2 * 1024 ** 3 / best_time(
                lambda: torch.mm(*torch.from_numpy(square)), repeats) / 1e9)]


def conv_rows(torch, dtype, case, repeats: int, paths=("default",)) -> list[tuple[str, float, float, float]]:
    """One row per path: (what, numpy seconds, torch seconds, largest gradient difference from torch's relative
    to the gradient's size). The paths and torch take turns in one timing loop, so every row has the same
    torch time and the rows' ratios are of one run."""
    from cs231n_lib.fast_layers import conv_backward_fast

    name, x_shape, w_shape, conv_param = case
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=x_shape).astype(dtype), rng.normal(size=w_shape).astype(dtype)
    b = rng.normal(size=w_shape[0]).astype(dtype)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))

    def torch_step():
        for tensor in (xt, wt, bt):
            tensor.grad = None
        out = torch.nn.functional.conv2d(xt, wt, bt, stride=conv_param["stride"], padding=conv_param["pad"])
        out.backward(doutt)

    def numpy_step(forward):
        return lambda: conv_backward_fast(dout, forward(x, w, b, conv_param)[1])

    names, steps = [], []
    for path in paths:
        out, cache = forward_by(path)(x, w, b, conv_param)
        label = path
        if path == "default":  # name the path conv_forward_fast took
            label = f"winograd F({cache[4][0]}x{cache[4][0]})" if isinstance(cache[4], tuple) else ""
        names.append(f"conv fwd+bwd, {name}" + (f", {label}" if label else ""))
        steps.append(numpy_step(forward_by(path)))
    dout = rng.normal(size=out.shape).astype(dtype)
    doutt = torch.tensor(dout)
    torch_step()
    errors = [max(float(np.max(np.abs(g - t.grad.numpy())) / np.max(np.abs(g)))
                  for g, t in zip(step(), (xt, wt, bt), strict=True)) for step in steps]
    *numpy_seconds, torch_seconds = best_times_interleaved([*steps, torch_step], repeats)
    return [(what, seconds, torch_seconds, error)
            for what, seconds, error in zip(names, numpy_seconds, errors, strict=True)]


def pool_row(torch, dtype, repeats: int) -> tuple[str, float, float, float]:
    from cs231n_lib.fast_layers import max_pool_backward_fast, max_pool_forward_fast

    x_shape, pool_param = POOL_CASE
    rng = np.random.default_rng(1)
    x = rng.normal(size=x_shape).astype(dtype)
    out, _ = max_pool_forward_fast(x, pool_param)
    dout = rng.normal(size=out.shape).astype(dtype)

    def numpy_step():
        _, cache = max_pool_forward_fast(x, pool_param)
        return max_pool_backward_fast(dout, cache)

    xt, doutt = torch.tensor(x, requires_grad=True), torch.tensor(dout)

    def torch_step():
        xt.grad = None
        torch.nn.functional.max_pool2d(xt, pool_param["pool_height"], pool_param["stride"]).backward(doutt)

    torch_step()
    error = float(np.max(np.abs(numpy_step() - xt.grad.numpy())))
    return (f"max pool 2x2 fwd+bwd, {x_shape}", *best_times_interleaved([numpy_step, torch_step], repeats), error)


def naive_conv_row(dtype, case) -> tuple[str, float, float]:
    """(what, naive seconds scaled to the full batch, fast seconds)."""
    from cs231n_lib import fast_layers, layers

    name, x_shape, w_shape, conv_param = case
    rng = np.random.default_rng(2)
    N, few = x_shape[0], 5
    x = rng.normal(size=x_shape).astype(dtype)
    w, b = rng.normal(size=w_shape).astype(dtype), rng.normal(size=w_shape[0]).astype(dtype)

    def run(forward, backward, inputs):
        out, cache = forward(inputs, w, b, conv_param)
        return backward(np.ones_like(out), cache)

    naive = best_time(lambda: run(layers.conv_forward_naive, layers.conv_backward_naive, x[:few]), 1) * N / few
    fast = best_time(lambda: run(fast_layers.conv_forward_fast, fast_layers.conv_backward_fast, x), 3)
    return f"conv fwd+bwd, {name}", naive, fast


def naive_pool_row(dtype) -> tuple[str, float, float]:
    from cs231n_lib import fast_layers, layers

    x_shape, pool_param = POOL_CASE
    x = np.random.default_rng(3).normal(size=x_shape).astype(dtype)

    def pool(forward, backward):
        out, cache = forward(x, pool_param)
        return backward(np.ones_like(out), cache)

    naive = best_time(lambda: pool(layers.max_pool_forward_naive, layers.max_pool_backward_naive), 1)
    fast = best_time(lambda: pool(fast_layers.max_pool_forward_fast, fast_layers.max_pool_backward_fast), 3)
    return f"max pool 2x2 fwd+bwd, {x_shape}", naive, fast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1, help="threads for numpy's BLAS and for torch")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive vs fast table")
    args = parser.parse_args()

    torch = torch_or_none()
    if torch is None:
        print("torch is not installed (pip install torch==2.13.0, or `make bench`): nothing measured")
        for (_, dtype), row in TABLE_ROWS.items():
            record(row, None, GOAL[dtype], note="torch not installed")
        return
    from threadpoolctl import threadpool_info, threadpool_limits

    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads):
        blas = [f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)" for i in threadpool_info()
                if i["user_api"] == "blas"]
        print(f"numpy {np.__version__}, BLAS: {', '.join(blas)}")
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
              f"mkldnn {'on' if torch.backends.mkldnn.is_available() else 'off'}")
        print()
        for what, gflops in sgemm_rows(torch, args.repeats):
            print(f"{what:60s} {gflops:6.1f} GFLOP/s")
        print(f"\n{'':60s} {'dtype':>8s} {'numpy ms':>9s} {'torch ms':>9s} {'ratio':>6s} {'max rel diff':>13s}")
        for dtype in (np.float64, np.float32):
            name = np.dtype(dtype).name
            rows = conv_rows(torch, dtype, CONV_CASES[0], args.repeats)
            # In float32, the 3x3 layer also by the other paths, for comparison in the same timing loop.
            paths = ("default", "winograd F(2x2)", "im2col") if dtype == np.float32 else ("default",)
            deeper = conv_rows(torch, dtype, CONV_CASES[1], args.repeats, paths)
            for case, (what, numpy_seconds, torch_seconds, _) in ((0, rows[0]), (1, deeper[0])):
                if (case, name) in TABLE_ROWS:
                    record(TABLE_ROWS[case, name], numpy_seconds / torch_seconds, GOAL[name],
                           note=f"{what.removeprefix('conv fwd+bwd, ')}, {args.threads} thread(s), "
                                f"best of {args.repeats} interleaved")
            rows += deeper
            for what, numpy_seconds, torch_seconds, error in [*rows, pool_row(torch, dtype, args.repeats)]:
                print(f"{what:60s} {np.dtype(dtype).name:>8s} {numpy_seconds * 1e3:9.1f} {torch_seconds * 1e3:9.1f} "
                      f"{numpy_seconds / torch_seconds:6.2f} {error:13.1e}")
        if not args.skip_naive:
            print(f"\n{'naive vs fast (numpy, float64)':60s} {'naive ms':>9s} {'fast ms':>9s} {'speed-up':>9s}")
            rows = [naive_conv_row(np.float64, case) for case in CONV_CASES] + [naive_pool_row(np.float64)]
            for what, naive, fast in rows:
                print(f"{what:60s} {naive * 1e3:9.0f} {fast * 1e3:9.1f} {naive / fast:8.0f}x")


if __name__ == "__main__":
    main()
