"""Planted alternatives of the network_visualization assignment: correct solution cells written from the
notebook's contracts.

Each is a whole solution cell as a student who read only the contract paragraph above it might write it,
differently from the reference (the naive layers instead of the sandwiches, another numpy call, a loop
where none is banned, another stopping test). Every one must keep full marks.
"""

from __future__ import annotations

from ..samples import planted_alternative

PLANTED_ALTERNATIVES = (
    # ------------------------------------------------------------------------------------------ input gradient
    planted_alternative("input_gradient_layer_by_layer", "input_gradient", '''
from cs231n.fast_layers import conv_backward_fast, conv_forward_fast, max_pool_backward_fast, max_pool_forward_fast
from cs231n.layers import relu_backward, relu_forward


def input_gradient(X, model, dscores):
    """Every layer on its own (conv, relu, pool, affine, relu, affine), not the sandwiches."""
    p = model.params
    conv_param = {"stride": 1, "pad": (p["W1"].shape[2] - 1) // 2}
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    a1, c1 = conv_forward_fast(X, p["W1"], p["b1"], conv_param)
    r1, rc1 = relu_forward(a1)
    m1, mc1 = max_pool_forward_fast(r1, pool_param)
    a2, c2 = affine_forward(m1, p["W2"], p["b2"])
    r2, rc2 = relu_forward(a2)
    _, c3 = affine_forward(r2, p["W3"], p["b3"])
    d = affine_backward(dscores, c3)[0]
    d = affine_backward(relu_backward(d, rc2), c2)[0]
    d = max_pool_backward_fast(d, mc1)
    dX = conv_backward_fast(relu_backward(d, rc1), c1)[0]
    return dX
''', "the fast conv and pool layers and the ReLU one by one"),
    planted_alternative("input_gradient_inline_affine", "input_gradient", '''
def input_gradient(X, model, dscores):
    """The conv sandwich from the package, the two affine layers written inline with numpy."""
    W1, b1, W2, b2 = model.params["W1"], model.params["b1"], model.params["W2"], model.params["b2"]
    W3 = model.params["W3"]
    pooled, conv_cache = conv_relu_pool_forward(X, W1, b1, {"stride": 1, "pad": (W1.shape[2] - 1) // 2},
                                                {"pool_height": 2, "pool_width": 2, "stride": 2})
    flat = pooled.reshape(X.shape[0], -1)
    hidden = np.maximum(0, flat @ W2 + b2)
    dhidden = (dscores @ W3.T) * (hidden > 0)
    dpooled = (dhidden @ W2.T).reshape(pooled.shape)
    dX = conv_relu_pool_backward(dpooled, conv_cache)[0]
    return dX
''', "the affine and ReLU layers as matrix products and a mask"),
    # ------------------------------------------------------------------------------------------ FC input gradient
    planted_alternative("fc_input_gradient_matrices", "fc_input_gradient", '''
def fc_input_gradient(X, model, dscores):
    """Matrix products and ReLU masks, the images flattened by hand."""
    L = model.num_layers
    h = X.reshape(X.shape[0], -1)
    masks = []
    for i in range(1, L):
        a = h @ model.params[f"W{i}"] + model.params[f"b{i}"]
        masks.append(a > 0)
        h = np.maximum(a, 0)
    d = dscores @ model.params[f"W{L}"].T
    for i in range(L - 1, 0, -1):
        d = (d * masks[i - 1]) @ model.params[f"W{i}"].T
    dX = d.reshape(X.shape)
    return dX
''', "the layers as matrix products and masks, a loop counting down"),
    planted_alternative("fc_input_gradient_recursive", "fc_input_gradient", '''
from cs231n.layers import relu_backward, relu_forward


def fc_input_gradient(X, model, dscores):
    """Recursion over the layers: each layer's backward runs after the rest of the net's."""
    def through(x, i):
        fc_out, fc_cache = affine_forward(x, model.params["W%d" % i], model.params["b%d" % i])
        if i == model.num_layers:
            return affine_backward(dscores, fc_cache)[0]
        hidden, relu_cache = relu_forward(fc_out)
        return affine_backward(relu_backward(through(hidden, i + 1), relu_cache), fc_cache)[0]

    dX = through(X, 1)
    return dX
''', "a recursive function, affine and ReLU layers one by one"),
    # ------------------------------------------------------------------------------------------ saliency
    planted_alternative("saliency_eye_rows", "compute_saliency_maps", '''
def compute_saliency_maps(X, y, model):
    num_classes = model.loss(X[:1]).shape[1]
    dscores = np.eye(num_classes)[y]  # one-hot rows
    saliency = np.max(np.abs(input_gradient(X, model, dscores)), axis=1)
    return saliency
''', "one-hot rows from np.eye, np.max of np.abs"),
    planted_alternative("saliency_maximum_of_minus", "compute_saliency_maps", '''
def compute_saliency_maps(X, y, model):
    dscores = np.zeros_like(model.loss(X))
    dscores[np.arange(len(y)), y] = 1.0
    dX = input_gradient(X, model, dscores)
    saliency = np.maximum(dX.max(axis=1), -dX.min(axis=1))  # max |dX| without abs
    return saliency
''', "the largest absolute value as max(max, -min)"),
    # ------------------------------------------------------------------------------------------ fooling
    planted_alternative("fooling_for_loop", "make_fooling_image", '''
def make_fooling_image(X, target_y, model, learning_rate=1.0, max_iters=100):
    X_fooling = np.array(X, dtype=np.float64)
    onehot = np.zeros((1, model.params["b3"].shape[0]))
    onehot[0, target_y] = 1.0
    for num_steps in range(max_iters + 1):
        if model.loss(X_fooling).argmax() == target_y or num_steps == max_iters:
            break
        g = input_gradient(X_fooling, model, onehot)
        X_fooling += learning_rate * g / np.sqrt(np.sum(g ** 2))
    return X_fooling, num_steps
''', "a for loop whose index counts the steps, the norm as sqrt(sum(g**2)), an in-place step on a copy"),
    planted_alternative("fooling_unit_direction", "make_fooling_image", '''
def make_fooling_image(X, target_y, model, learning_rate=1.0, max_iters=100):
    X_fooling = X.copy()
    num_steps = 0
    dscores = np.zeros((X.shape[0], model.params["W3"].shape[1]))
    dscores[:, target_y] = 1
    while num_steps < max_iters:
        scores = model.loss(X_fooling)
        if scores[0].argmax() == target_y:
            break
        direction = input_gradient(X_fooling, model, dscores).ravel()
        direction /= np.linalg.norm(direction)
        X_fooling = X_fooling + learning_rate * direction.reshape(X.shape)
        num_steps = num_steps + 1
    return X_fooling, num_steps
''', "the direction normalized as a flat vector, then reshaped"),
    # ------------------------------------------------------------------------------------------ FGSM
    planted_alternative("fgsm_mean_loss_gradient", "fgsm", '''
def fgsm(X, y, model, epsilon):
    """The gradient of the mean loss (a positive multiple of the summed loss's: the same signs)."""
    scores = model.loss(X)
    probs = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    dscores = (probs - np.eye(scores.shape[1])[y]) / X.shape[0]
    X_adv = X + epsilon * np.sign(input_gradient(X, model, dscores))
    return X_adv
''', "the mean loss's gradient and np.eye for the labels"),
    planted_alternative("fgsm_softmax_loss_layer", "fgsm", '''
from cs231n.layers import softmax_loss


def fgsm(X, y, model, epsilon):
    """The package's softmax_loss gives dL/dscores (of the mean loss)."""
    _, dscores = softmax_loss(model.loss(X), y)
    step = np.sign(input_gradient(X, model, dscores))
    X_adv = X.copy()
    X_adv += epsilon * step
    return X_adv
''', "softmax_loss's dscores, an in-place step on a copy"),
    # ------------------------------------------------------------------------------------------ class visualization
    planted_alternative("class_visualization_eye", "class_visualization_update", '''
def class_visualization_update(img, target_y, model, l2_reg, learning_rate):
    dscores = np.eye(model.params["W3"].shape[1])[[target_y]]
    g = input_gradient(img, model, dscores)
    g = g - l2_reg * 2.0 * img
    next_img = img + g * (learning_rate / np.sqrt(np.sum(g * g)))
    return next_img
''', "np.eye for the one-hot row, the step size folded into one factor"),
    planted_alternative("class_visualization_copy_in_place", "class_visualization_update", '''
def class_visualization_update(img, target_y, model, l2_reg, learning_rate):
    dscores = np.zeros((1, model.params["b3"].size))
    dscores[0, target_y] = 1
    g = input_gradient(img, model, dscores)
    g -= 2 * l2_reg * img
    g /= np.linalg.norm(g.ravel())
    next_img = img.copy()
    next_img += learning_rate * g
    return next_img
''', "updates the gradient and a copy of the image in place"),
)
