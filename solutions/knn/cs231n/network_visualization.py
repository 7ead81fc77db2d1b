"""Visualizing and understanding a trained ConvNet: saliency maps, fooling images, FGSM, class visualization.

Everything here runs on the course's own ThreeLayerConvNet (conv - relu - 2x2 max pool - affine - relu -
affine), and for comparison on its FullyConnectedNet (affine - relu stacks), in numpy. The graded units
compute gradients of class scores with respect to the input image; the model's weights never change.
The helpers (loading the pretrained models and the data they were trained on, jitter, blur, the class
visualization loop) are given code.
"""

import os

import numpy as np

from .classifiers.cnn import ThreeLayerConvNet
from .classifiers.fc_net import FullyConnectedNet
from .data import CLASSES, EMBEDDED_CLASSES, find_CIFAR10, load_CIFAR_batch, load_embedded_CIFAR10
from .layer_utils import affine_relu_backward, affine_relu_forward, conv_relu_pool_backward, conv_relu_pool_forward
from .layers import affine_backward, affine_forward

PRETRAINED_FILE = "network_visualization_convnet.npz"
PRETRAINED_FC_FILE = "network_visualization_fc_net.npz"
DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def pretrained_file(model="convnet", dataset="embedded"):
    """File name of a pretrained model: model is "convnet" or "fc_net", dataset "embedded" or "cifar10".

    Only the embedded data set's files ship; the CIFAR-10 ones are written by the staff's training script
    where CIFAR-10 is on disk, and put next to the embedded ones.
    """
    if model not in ("convnet", "fc_net") or dataset not in ("embedded", "cifar10"):
        raise ValueError(f"no pretrained model {model!r} on {dataset!r}")
    name = PRETRAINED_FILE if model == "convnet" else PRETRAINED_FC_FILE
    return name if dataset == "embedded" else name.replace(".npz", "_cifar10.npz")


def input_gradient(X, model, dscores):
    """Gradient of sum(scores * dscores) with respect to the input images, through a ThreeLayerConvNet.

    Runs the model's forward pass for its class scores (not its loss) and backpropagates the upstream
    gradient dscores to the input with the layers' backward passes. The model's parameters are only
    read, never changed.

    Inputs:
    - X: input images, of shape (N, C, H, W)
    - model: a ThreeLayerConvNet; its parameters are model.params["W1"], ..., model.params["b3"]
    - dscores: upstream gradient of the scores, of shape (N, num_classes); a one-hot row selects the
      gradient of one class score

    Returns:
    - dX: gradient with respect to X, of shape (N, C, H, W)
    """
    raise NotImplementedError("input_gradient is written in a later assignment (network_visualization)")


def fc_input_gradient(X, model, dscores):
    """Gradient of sum(scores * dscores) with respect to the input images, through a FullyConnectedNet.

    The same as input_gradient, for a FullyConnectedNet without normalization or dropout: L - 1 layers
    of affine - relu, then an affine layer, with L = model.num_layers (L = 1 is a linear classifier).
    The images are flattened by the first affine layer, so the gradient comes back in their shape.

    Inputs:
    - X: input images, of shape (N, C, H, W), with C * H * W the net's input_dim
    - model: a FullyConnectedNet with normalization=None and no dropout; its parameters are
      model.params["W1"], model.params["b1"], ..., model.params[f"W{L}"], model.params[f"b{L}"]
    - dscores: upstream gradient of the scores, of shape (N, num_classes)

    Returns:
    - dX: gradient with respect to X, of shape (N, C, H, W)
    """
    raise NotImplementedError("fc_input_gradient is written in a later assignment (network_visualization)")


def compute_saliency_maps(X, y, model):
    """Saliency maps (Simonyan et al. 2014): how much each pixel matters to the correct class score.

    The saliency of pixel (h, w) of image i is the largest absolute value, over the color channels, of
    the gradient of the score of class y[i] (not of the loss) with respect to that pixel.

    Inputs:
    - X: input images, of shape (N, C, H, W)
    - y: labels, of shape (N,); y[i] is the class whose score is differentiated for X[i]
    - model: a ThreeLayerConvNet

    Returns:
    - saliency: of shape (N, H, W), every entry >= 0
    """
    raise NotImplementedError("compute_saliency_maps is written in a later assignment (network_visualization)")


def make_fooling_image(X, target_y, model, learning_rate=1.0, max_iters=100):
    """A fooling image (Szegedy et al. 2014): X changed a little until the model predicts target_y.

    Gradient ascent on the score of target_y with normalized steps: at each step, if the model does
    not yet predict target_y, move the image by learning_rate * g / ||g||_2, where g is the gradient
    of the target score with respect to the image (||g||_2 over all its entries). Stop as soon as the
    model predicts target_y, or after max_iters steps.

    Inputs:
    - X: input image, of shape (1, C, H, W); not modified
    - target_y: integer class in [0, num_classes)
    - model: a ThreeLayerConvNet
    - learning_rate: length of each step
    - max_iters: largest number of steps

    Returns a tuple of:
    - X_fooling: the fooling image, of shape (1, C, H, W)
    - num_steps: the number of gradient steps taken (0 if the model already predicts target_y)
    """
    raise NotImplementedError("make_fooling_image is written in a later assignment (network_visualization)")


def fgsm(X, y, model, epsilon):
    """The fast gradient sign method (Goodfellow et al. 2015): one step that raises the loss.

    X_adv = X + epsilon * sign(dL/dX), where L = sum_i L_i is the softmax loss of the labels y (the
    model's own loss, without regularization). Every entry of X moves by epsilon, up or down, or stays
    where its gradient is exactly zero.

    Inputs:
    - X: input images, of shape (N, C, H, W); not modified
    - y: labels, of shape (N,)
    - model: a ThreeLayerConvNet
    - epsilon: size of the perturbation of each entry (max-norm)

    Returns:
    - X_adv: adversarial images, of shape (N, C, H, W)
    """
    raise NotImplementedError("fgsm is written in a later assignment (network_visualization)")


def class_visualization_update(img, target_y, model, l2_reg, learning_rate):
    """One step of class visualization (Simonyan et al. 2014): gradient ascent on a regularized score.

    The objective is s_y(img) - l2_reg * ||img||_2^2; with g its gradient with respect to img, the step
    is img + learning_rate * g / ||g||_2 (||g||_2 over all entries).

    Inputs:
    - img: image, of shape (1, C, H, W); not modified
    - target_y: integer class
    - model: a ThreeLayerConvNet
    - l2_reg: strength of the L2 regularization
    - learning_rate: length of the step

    Returns:
    - next_img: the image after one step, of shape (1, C, H, W)
    """
    raise NotImplementedError("class_visualization_update is written in a later assignment (network_visualization)")


# ------------------------------------------------------------------------------------------------
# Given code


def load_pretrained_model(path=None):
    """A pretrained model of the course (float64) and the mean image it was trained with.

    Inputs:
    - path: the .npz file; None is network_visualization_convnet.npz in this package's data folder.
      A file of a ThreeLayerConvNet (4-D W1) gives a ThreeLayerConvNet, any other a FullyConnectedNet.

    Returns a tuple of:
    - model: a ThreeLayerConvNet or FullyConnectedNet whose params are the stored weights, as float64
    - mean_image: of shape (C, H, W), subtracted from images before the model sees them
    - info: dict of what the file records about its training (e.g. 'val_acc', 'test_acc')
    """
    if path is None:
        path = os.path.join(DATA_DIR, PRETRAINED_FILE)
    with np.load(path) as stored:
        names = sorted((k for k in stored.files if k[0] in "Wb" and k[1:].isdigit()), key=lambda k: int(k[1:]))
        params = {k: stored[k].astype(np.float64) for k in names}
        mean_image = stored["mean_image"].astype(np.float64)
        info = {k.removeprefix("info_"): stored[k].item() for k in stored.files if k.startswith("info_")}
    if params["W1"].ndim == 4:
        F, C, HH, _ = params["W1"].shape
        model = ThreeLayerConvNet(input_dim=mean_image.shape, num_filters=F, filter_size=HH,
                                  hidden_dim=params["W2"].shape[1], num_classes=params["W3"].shape[1],
                                  dtype=np.float64)
    else:
        L = len(names) // 2
        model = FullyConnectedNet([params[f"W{i}"].shape[1] for i in range(1, L)], input_dim=mean_image.size,
                                  num_classes=params[f"W{L}"].shape[1], dtype=np.float64)
    model.params = params
    return model, mean_image, info


def load_visualization_data(cifar10_dir=None, model_dir=None, num_test=500):
    """The notebook's two pretrained models and the test images they are shown: CIFAR-10's when it can.

    The CIFAR-10 versions are used when CIFAR-10 is on disk (find_CIFAR10(cifar10_dir)) and both of
    their model files are in model_dir; otherwise the embedded data set's, which always ship.

    Inputs:
    - cifar10_dir: where to look for cifar-10-batches-py; None searches as find_CIFAR10 does
    - model_dir: folder of the model files; None is this package's data folder
    - num_test: number of test images (the first ones of the test set)

    Returns a dict with:
    - "convnet", "fc_net": the ThreeLayerConvNet and the FullyConnectedNet (float64)
    - "convnet_info", "fc_net_info": what their files record about their training
    - "mean_image": of shape (3, 32, 32), the mean training image both models subtract
    - "X_test": test images minus the mean image, channels first, (num_test, 3, 32, 32); "y_test": labels
    - "classes": the ten class names; "dataset": "cifar10" or "embedded"
    - "message": one line saying which data and models these are
    """
    model_dir = DATA_DIR if model_dir is None else os.fspath(model_dir)
    cifar10 = find_CIFAR10(cifar10_dir)
    missing = [name for name in (pretrained_file("convnet", "cifar10"), pretrained_file("fc_net", "cifar10"))
               if not os.path.isfile(os.path.join(model_dir, name))]
    dataset = "cifar10" if cifar10 is not None and not missing else "embedded"
    def load(kind):
        return load_pretrained_model(os.path.join(model_dir, pretrained_file(kind, dataset)))

    (convnet, mean_image, convnet_info), (fc_net, fc_mean_image, fc_net_info) = load("convnet"), load("fc_net")
    if not np.array_equal(mean_image, fc_mean_image):
        raise ValueError(f"the two {dataset} models were trained with different mean images")
    if dataset == "cifar10":
        X_raw, y_test = load_CIFAR_batch(os.path.join(cifar10, "test_batch"))
        X_raw, y_test, classes = X_raw[:num_test], y_test[:num_test], CLASSES
        message = f"CIFAR-10 from {cifar10}, with the models trained on it (in {model_dir})"
    else:
        _, _, X_raw, y_test = load_embedded_CIFAR10(num_training=0, num_test=num_test)
        classes = EMBEDDED_CLASSES
        if cifar10 is None:
            message = "the embedded data set and its models (no CIFAR-10 on disk)"
        else:
            message = (f"the embedded data set and its models: CIFAR-10 is at {cifar10} but {', '.join(missing)} "
                       f"not in {model_dir} (the staff's training script writes them)")
    return {"convnet": convnet, "fc_net": fc_net, "convnet_info": convnet_info, "fc_net_info": fc_net_info,
            "mean_image": mean_image, "X_test": X_raw.transpose(0, 3, 1, 2) - mean_image, "y_test": y_test,
            "classes": classes, "dataset": dataset, "message": message}


def jitter(img, ox, oy):
    """Shift img (1, C, H, W) by ox pixels right and oy pixels down, wrapping around."""
    return np.roll(np.roll(img, ox, axis=3), oy, axis=2)


def blur_image(img, sigma=0.5):
    """Gaussian blur of each channel of img (1, C, H, W), separable, with edges repeated."""
    radius = max(1, int(np.ceil(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    padded = np.pad(img, ((0, 0), (0, 0), (radius, radius), (radius, radius)), mode="edge")
    H, W = img.shape[2:]
    rows = sum(t * padded[:, :, i:i + H, :] for i, t in enumerate(taps))  # (1, C, H, W + 2 * radius)
    return sum(t * rows[:, :, :, j:j + W] for j, t in enumerate(taps))  # (1, C, H, W)


def create_class_visualization(target_y, model, mean_image, num_iterations=100, l2_reg=1e-3,
                               learning_rate=25.0, max_jitter=2, blur_every=10, seed=0):
    """Generate an image that the model scores highly as target_y, from noise (Yosinski et al. 2015).

    Each iteration jitters the image, takes class_visualization_update, undoes the jitter and clips
    the pixels to the range of the data (0..255 before the mean image is subtracted); every
    blur_every iterations the image is blurred a little.

    Returns a tuple of:
    - img: the image, of shape (1, C, H, W), mean-subtracted like the model's inputs
    - scores: the target score before the first and after the last iteration
    """
    rng = np.random.default_rng(seed)
    low, high = -mean_image[None], 255.0 - mean_image[None]
    img = np.clip(20 * rng.normal(size=(1, *mean_image.shape)), low, high)
    first = model.loss(img)[0, target_y]
    for t in range(num_iterations):
        ox, oy = rng.integers(-max_jitter, max_jitter + 1, size=2)
        img = jitter(class_visualization_update(jitter(img, ox, oy), target_y, model, l2_reg, learning_rate),
                     -ox, -oy)
        img = np.clip(img, low, high)
        if blur_every and (t + 1) % blur_every == 0:
            img = blur_image(img, sigma=0.5)
    return img, (first, model.loss(img)[0, target_y])


def deprocess(img, mean_image):
    """An image (C, H, W) of the model's inputs as uint8 (H, W, C) for plt.imshow."""
    return np.clip(img + mean_image, 0, 255).astype(np.uint8).transpose(1, 2, 0)
