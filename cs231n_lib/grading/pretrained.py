"""Train the network_visualization assignment's pretrained ThreeLayerConvNet and save it as a small .npz.

Staff-only (never shipped): the .npz it writes, cs231n_lib/data/network_visualization_convnet.npz,
ships in the assignment's student package. Reproducible: the embedded data set is deterministic, and
the weights' initialization and the minibatches come from fixed seeds; training runs on one BLAS thread
(threadpoolctl), so the sums run in the same order wherever it runs. Rebuild with

    python -m cs231n_lib.grading.pretrained
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ..classifiers.cnn import ThreeLayerConvNet
from ..data import load_embedded_CIFAR10
from ..network_visualization import PRETRAINED_FILE
from ..solver import Solver
from .course import LIBRARY_ROOT

NUM_TRAINING, NUM_VALIDATION, NUM_TEST = 4000, 500, 500
ARCHITECTURE = {"num_filters": 8, "filter_size": 5, "hidden_dim": 24}
SEED = 231


def embedded_splits() -> dict[str, np.ndarray]:
    """The embedded data set's training, validation and test images, channels first, not mean-subtracted."""
    X_train, y_train, X_test, y_test = load_embedded_CIFAR10(NUM_TRAINING + NUM_VALIDATION, NUM_TEST)
    X_train, X_test = X_train.transpose(0, 3, 1, 2), X_test.transpose(0, 3, 1, 2)  # (N, 3, 32, 32)
    return {"X_train": X_train[:NUM_TRAINING], "y_train": y_train[:NUM_TRAINING],
            "X_val": X_train[NUM_TRAINING:], "y_val": y_train[NUM_TRAINING:], "X_test": X_test, "y_test": y_test}


def train(num_epochs: int = 8) -> tuple[ThreeLayerConvNet, np.ndarray, dict[str, float]]:
    data = embedded_splits()
    mean_image = data["X_train"].mean(axis=0)
    for key in ("X_train", "X_val", "X_test"):
        data[key] = data[key] - mean_image
    np.random.seed(SEED)
    model = ThreeLayerConvNet(input_dim=(3, 32, 32), weight_scale=1e-2, reg=1e-3, dtype=np.float64, **ARCHITECTURE)
    solver = Solver(model, {k: data[k] for k in ("X_train", "y_train", "X_val", "y_val")}, num_epochs=num_epochs,
                    batch_size=50, update_rule="adam", optim_config={"learning_rate": 1e-3}, verbose=False)
    solver.train()
    info = {"val_acc": solver.check_accuracy(data["X_val"], data["y_val"]),
            "test_acc": solver.check_accuracy(data["X_test"], data["y_test"]),
            "train_acc": solver.check_accuracy(data["X_train"], data["y_train"]),
            "num_epochs": num_epochs, "num_training": NUM_TRAINING}
    return model, mean_image, info


def save(model: ThreeLayerConvNet, mean_image: np.ndarray, info: dict, path: Path) -> None:
    """Weights and mean image as float32 (the file stays small), info as info_<key> scalars."""
    arrays = {k: v.astype(np.float32) for k, v in model.params.items()}
    arrays["mean_image"] = mean_image.astype(np.float32)
    arrays.update({f"info_{k}": np.asarray(v) for k, v in info.items()})
    np.savez_compressed(path, **arrays)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=LIBRARY_ROOT / "data" / PRETRAINED_FILE)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args(argv)
    with threadpool_limits(limits=1):
        model, mean_image, info = train(args.epochs)
    save(model, mean_image, info, args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes): {info}")


if __name__ == "__main__":
    main()
