"""kNN distance implementations vs scikit-learn's euclidean_distances at CS231n's size.

500 test x 5000 train x 3072 features, float64 and float32. The loop versions
are timed on a slice of the test rows and scaled up (marked "scaled"): the
per-row cost is constant, and the full two-loop run takes minutes.

The float64 ratio no loops / scikit-learn is also recorded for bench_table.py (timing.record).

Run: make bench   (or .venv/bin/python benchmarks/bench_knn_distances.py [--num-test 500 ...])
"""

from __future__ import annotations

import argparse

import numpy as np
from timing import best_time, record

from cs231n_lib.classifiers import KNearestNeighbor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-test", type=int, default=500)
    parser.add_argument("--num-train", type=int, default=5000)
    parser.add_argument("--dim", type=int, default=3072)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from threadpoolctl import threadpool_info

    blas = [f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)" for i in threadpool_info()]
    print(f"numpy {np.__version__}; BLAS: {', '.join(blas)}")
    print(f"shape: {args.num_test} test x {args.num_train} train x {args.dim}")
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        X_train = (rng.random((args.num_train, args.dim)) * 255).astype(dtype)
        X_test = (rng.random((args.num_test, args.dim)) * 255).astype(dtype)
        ratio = report(np.dtype(dtype).name, X_train, X_test, args.repeats)
        if dtype == np.float64:
            record("kNN no-loop vs scikit-learn, float64", ratio, "<= 1.0",
                   note=f"{args.num_test} x {args.num_train} x {args.dim}, best of {args.repeats}")


def report(dtype_name: str, X_train: np.ndarray, X_test: np.ndarray, repeats: int) -> float:
    """Print each implementation's time and its ratio to scikit-learn's; return no loops / scikit-learn."""
    from sklearn.metrics.pairwise import euclidean_distances

    model = KNearestNeighbor()
    model.train(X_train, np.zeros(len(X_train), dtype=int))
    num_test, rows_two, rows_one = len(X_test), 10, 50
    times = {
        "no loops": best_time(lambda: model.compute_distances_no_loops(X_test), repeats),
        "sklearn euclidean_distances": best_time(lambda: euclidean_distances(X_test, X_train), repeats),
        "one loop (scaled)": best_time(lambda: model.compute_distances_one_loop(X_test[:rows_one]), 1)
        * num_test / rows_one,
        "two loops (scaled)": best_time(lambda: model.compute_distances_two_loops(X_test[:rows_two]), 1)
        * num_test / rows_two,
    }
    reference = times["sklearn euclidean_distances"]
    print(f"\n{dtype_name}:")
    for name, seconds in times.items():
        print(f"  {name:>28}: {seconds * 1e3:10.1f} ms   {seconds / reference:8.2f}x sklearn")
    error = np.max(np.abs(model.compute_distances_no_loops(X_test[:50]) - euclidean_distances(X_test[:50], X_train)))
    print(f"  max |no loops - sklearn| on 50 rows: {error:.2e}")
    return times["no loops"] / reference

if __name__ == "__main__":
    main()
