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


def show_class_examples(X, y, classes, samples_per_class=7, axes_size=1.2, padding=2):
    """Plot samples_per_class example images of every class, one column per class.

    Inputs:
    - X: images, of shape (N, H, W, 3) with values in 0..255
    - y: labels, of shape (N,)
    - classes: class names, indexed by label
    """
    import matplotlib.pyplot as plt

    # One image of all the examples, on a white background: a grid of separate axes draws the same
    # picture about ten times slower, and every notebook that shows it waits for that.
    num_classes, (H, W) = len(classes), X.shape[1:3]
    mosaic = np.full((samples_per_class * (H + padding) - padding, num_classes * (W + padding) - padding, 3),
                     255, dtype=np.uint8)
    for label in range(num_classes):
        for row, index in enumerate(np.flatnonzero(y == label)[:samples_per_class]):
            top, left = row * (H + padding), label * (W + padding)
            mosaic[top : top + H, left : left + W] = X[index].astype("uint8")
    figure, axis = plt.subplots(figsize=(axes_size * num_classes, axes_size * samples_per_class))
    axis.imshow(mosaic)
    axis.set_xticks([label * (W + padding) + (W - 1) / 2 for label in range(num_classes)], classes, fontsize=9)
    axis.xaxis.tick_top()
    axis.tick_params(length=0)
    axis.set_yticks([])
    for spine in axis.spines.values():
        spine.set_visible(False)
    figure.tight_layout()
    return figure
