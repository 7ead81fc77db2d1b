"""Time the gan notebook's two training runs (numpy reference), score their samples, and draw docs/gan_samples.png.

Run by hand: `.venv/bin/python benchmarks/bench_gan_training.py`. Uses the notebook's settings
(hidden width 128, batches of 64, learning rate 3e-3, Adam beta1 0.5, 1500 iterations) and the
fixed digit classifier of cs231n_lib.data.digits; seeds 0..2 show the spread over runs.
"""

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from cs231n_lib import gan  # noqa: E402
from cs231n_lib.data.digits import load_digits_for_gan, sample_quality  # noqa: E402

PNG = Path(__file__).resolve().parents[1] / "docs" / "gan_samples.png"


def train(X, loss, run_seed):
    D, G = gan.init_discriminator(seed=1 + 10 * run_seed), gan.init_generator(seed=2 + 10 * run_seed)
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    gan.train_gan(X, D, G, loss=loss, num_iterations=1500, batch_size=64, learning_rate=3e-3, seed=run_seed,
                  verbose=False)
    seconds = (time.perf_counter() - started_wall, time.process_time() - started_cpu)
    samples = gan.generator_forward(gan.sample_noise(500, gan.NOISE_DIM, seed=0), G)[0]
    return seconds, sample_quality(samples), samples


def main():
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}; numpy {np.__version__}")
    X = load_digits_for_gan()["X"]
    real = sample_quality(X[:500])
    print(f"{'run':28s} {'wall s':>7s} {'cpu s':>7s} {'confidence':>10s} {'classes':>7s}")
    print(f"{'real digits (first 500)':28s} {'':>7s} {'':>7s} {real['confidence']:10.3f} {real['classes']:7d}")
    shown = {}
    for loss in ("vanilla", "ls"):
        for run_seed in range(3):
            (wall, cpu), quality, samples = train(X, loss, run_seed)
            label = f"{loss} GAN, seed {run_seed}" + (" (notebook)" if run_seed == 0 else "")
            print(f"{label:28s} {wall:7.2f} {cpu:7.2f} {quality['confidence']:10.3f} {quality['classes']:7d}")
            if run_seed == 0:
                shown[loss] = (samples, quality)

    fig, axes = plt.subplots(1, 3, figsize=(12, 4.4))
    panels = [("real 8x8 digits", X[:64], real), ("vanilla GAN, 1500 iterations", *shown["vanilla"]),
              ("least-squares GAN, 1500 iterations", *shown["ls"])]
    for ax, (title, images, quality) in zip(axes, panels, strict=True):
        gan.show_images(images[:64], ax=ax)
        ax.set_title(f"{title}\nconfidence {quality['confidence']:.2f}, {quality['classes']} classes")
    fig.tight_layout()
    PNG.parent.mkdir(exist_ok=True)
    fig.savefig(PNG, dpi=72, bbox_inches="tight")
    print(f"wrote {PNG}")


if __name__ == "__main__":
    main()
