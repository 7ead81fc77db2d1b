"""Train the network_visualization assignment's pretrained models and save each as a small .npz.

Staff-only (never shipped). Two models per data set: the ThreeLayerConvNet the assignment is about and
a FullyConnectedNet whose saliency maps the notebook shows next to the ConvNet's. The embedded data set's
files, cs231n_lib/data/network_visualization_{convnet,fc_net}.npz, ship in the assignment's student
package. With --dataset cifar10 (CIFAR-10 on disk, found as find_CIFAR10 finds it, or --cifar10-dir) the
script writes network_visualization_{convnet,fc_net}_cifar10.npz instead, which the notebook uses where
both they and CIFAR-10 are present; none ships (the repository has no CIFAR-10).

Reproducible: the embedded data set is deterministic, and the weights' initialization and the minibatches
come from fixed seeds; training runs on one BLAS thread (threadpoolctl), so the sums run in the same order
wherever it runs. Rebuild the shipped files (about 40 s on one core) with

    python -m cs231n_lib.grading.pretrained
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ..classifiers.cnn import ThreeLayerConvNet
from ..classifiers.fc_net import FullyConnectedNet
from ..data import find_CIFAR10, load_CIFAR10, load_embedded_CIFAR10
from ..network_visualization import pretrained_file
from ..solver import Solver
from .course import LIBRARY_ROOT

NUM_TRAINING, NUM_VALIDATION, NUM_TEST = 4000, 500, 500  # the embedded data set's splits
CIFAR10_SPLITS = (49000, 1000, 1000)  # CIFAR-10's: training, validation (the next images), test
ARCHITECTURE = {"num_filters": 8, "filter_size": 5, "hidden_dim": 24}  # the ThreeLayerConvNet's
FC_HIDDEN_DIMS = (20,)  # the FullyConnectedNet's: 3072 x 20 float32 weights, about 250 KB
# Per model: the Adam learning rate, the L2 strength and the number of epochs.
TRAINING = {"convnet": {"learning_rate": 1e-3, "reg": 1e-3, "num_epochs": 8},
            "fc_net": {"learning_rate": 3e-4, "reg": 0.05, "num_epochs": 20}}
SEED = 231


def embedded_splits() -> dict[str, np.ndarray]:
    """The embedded data set's training, validation and test images, channels first, not mean-subtracted."""
    X_train, y_train, X_test, y_test = load_embedded_CIFAR10(NUM_TRAINING + NUM_VALIDATION, NUM_TEST)
    X_train, X_test = X_train.transpose(0, 3, 1, 2), X_test.transpose(0, 3, 1, 2)  # (N, 3, 32, 32)
    return {"X_train": X_train[:NUM_TRAINING], "y_train": y_train[:NUM_TRAINING],
            "X_val": X_train[NUM_TRAINING:], "y_val": y_train[NUM_TRAINING:], "X_test": X_test, "y_test": y_test}


def cifar10_splits(root=None, num_training: int = CIFAR10_SPLITS[0], num_validation: int = CIFAR10_SPLITS[1],
                   num_test: int = CIFAR10_SPLITS[2]) -> dict[str, np.ndarray]:
    """CIFAR-10's first num_training training images, the next num_validation, the first num_test test images."""
    path = find_CIFAR10(root)
    if path is None:
        raise FileNotFoundError(f"no CIFAR-10 at {root or 'the default places'}: see cs231n_lib.data.fetch_CIFAR10")
    X_train, y_train, X_test, y_test = load_CIFAR10(path)
    if num_training + num_validation > len(X_train) or num_test > len(X_test):
        raise ValueError(f"CIFAR-10 at {path} has {len(X_train)} training and {len(X_test)} test images; asked for "
                         f"{num_training} + {num_validation} and {num_test}")
    X_train, X_test = X_train.transpose(0, 3, 1, 2), X_test.transpose(0, 3, 1, 2)  # (N, 3, 32, 32)
    end = num_training + num_validation
    return {"X_train": X_train[:num_training], "y_train": y_train[:num_training],
            "X_val": X_train[num_training:end], "y_val": y_train[num_training:end],
            "X_test": X_test[:num_test], "y_test": y_test[:num_test]}


def build(model_name: str, input_dim: tuple[int, int, int]):
    """A new model of the kind model_name ("convnet" or "fc_net"), its weights from the global RNG."""
    reg = TRAINING[model_name]["reg"]
    if model_name == "convnet":
        return ThreeLayerConvNet(input_dim=input_dim, weight_scale=1e-2, reg=reg, dtype=np.float64, **ARCHITECTURE)
    return FullyConnectedNet(list(FC_HIDDEN_DIMS), input_dim=int(np.prod(input_dim)), weight_scale=1e-2, reg=reg,
                             dtype=np.float64)


def train(data: dict[str, np.ndarray], model_name: str = "convnet", num_epochs: int | None = None):
    """Train a model on data (from embedded_splits or cifar10_splits); returns (model, mean_image, info)."""
    settings = TRAINING[model_name]
    num_epochs = settings["num_epochs"] if num_epochs is None else num_epochs
    mean_image = data["X_train"].mean(axis=0)
    data = {k: v - mean_image if k.startswith("X") else v for k, v in data.items()}
    np.random.seed(SEED)
    model = build(model_name, mean_image.shape)
    solver = Solver(model, {k: data[k] for k in ("X_train", "y_train", "X_val", "y_val")}, num_epochs=num_epochs,
                    batch_size=50, update_rule="adam", optim_config={"learning_rate": settings["learning_rate"]},
                    verbose=False)
    solver.train()
    info = {"val_acc": solver.check_accuracy(data["X_val"], data["y_val"]),
            "test_acc": solver.check_accuracy(data["X_test"], data["y_test"]),
            "train_acc": solver.check_accuracy(data["X_train"], data["y_train"]),
            "num_epochs": num_epochs, "num_training": len(data["y_train"])}
    return model, mean_image, info


def save(model, mean_image: np.ndarray, info: dict, path: Path) -> None:
    """Weights and mean image as float32 (the file stays small), info as info_<key> scalars."""
    arrays = {k: v.astype(np.float32) for k, v in model.params.items()}
    arrays["mean_image"] = mean_image.astype(np.float32)
    arrays.update({f"info_{k}": np.asarray(v) for k, v in info.items()})
    np.savez_compressed(path, **arrays)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("embedded", "cifar10"), default="embedded")
    parser.add_argument("--model", choices=("convnet", "fc_net", "both"), default="both")
    parser.add_argument("--output-dir", type=Path, default=LIBRARY_ROOT / "data",
                        help="where to write the .npz files (named by model and data set)")
    parser.add_argument("--epochs", type=int, default=None, help="instead of each model's own number")
    parser.add_argument("--cifar10-dir", default=None, help="cifar-10-batches-py (default: as find_CIFAR10 looks)")
    parser.add_argument("--num-training", type=int, default=CIFAR10_SPLITS[0], help="CIFAR-10 only")
    parser.add_argument("--num-validation", type=int, default=CIFAR10_SPLITS[1], help="CIFAR-10 only")
    parser.add_argument("--num-test", type=int, default=CIFAR10_SPLITS[2], help="CIFAR-10 only")
    args = parser.parse_args(argv)
    for model_name in ("convnet", "fc_net") if args.model == "both" else (args.model,):
        with threadpool_limits(limits=1):
            if args.dataset == "embedded":
                data = embedded_splits()
            else:
                data = cifar10_splits(args.cifar10_dir, args.num_training, args.num_validation, args.num_test)
            model, mean_image, info = train(data, model_name, args.epochs)
        path = args.output_dir / pretrained_file(model_name, args.dataset)
        save(model, mean_image, info, path)
        print(f"wrote {path} ({path.stat().st_size} bytes): {info}")


if __name__ == "__main__":
    main()
