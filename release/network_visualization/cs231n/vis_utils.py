"""Plotting helpers shared by the notebooks."""

import numpy as np


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Tile a batch of images into one image for display.

    Inputs:
    - Xs: images, of shape (N, H, W, C)
    - ubound: the grid is rescaled to [0, ubound]
    - padding: pixels between tiles

    Returns:
    - grid: of shape (G * (H + padding) - padding, G * (W + padding) - padding, C), G = ceil(sqrt(N))
    """
    N, H, W, C = Xs.shape
    grid_size = int(np.ceil(np.sqrt(N)))
    grid = np.zeros((grid_size * (H + padding) - padding, grid_size * (W + padding) - padding, C))
    for index in range(N):
        row, col = divmod(index, grid_size)
        image = Xs[index]
        low, high = np.min(image), np.max(image)
        top, left = row * (H + padding), col * (W + padding)
        grid[top : top + H, left : left + W] = ubound * (image - low) / max(high - low, 1e-12)
    return grid


def show_class_examples(X, y, classes, samples_per_class=7, axes_size=1.2):
    """Plot samples_per_class example images of every class, one column per class.

    Inputs:
    - X: images, of shape (N, 32, 32, 3) with values in 0..255
    - y: labels, of shape (N,)
    - classes: class names, indexed by label
    """
    import matplotlib.pyplot as plt

    num_classes = len(classes)
    figure, axes = plt.subplots(
        samples_per_class, num_classes, figsize=(axes_size * num_classes, axes_size * samples_per_class)
    )
    for label, name in enumerate(classes):
        indices = np.flatnonzero(y == label)[:samples_per_class]
        for row in range(samples_per_class):
            axis = axes[row, label]
            axis.axis("off")
            if row < len(indices):
                axis.imshow(X[indices[row]].astype("uint8"))
        axes[0, label].set_title(name, fontsize=9)
    figure.tight_layout()
    return figure
