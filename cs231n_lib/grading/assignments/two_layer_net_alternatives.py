"""Planted alternatives as a student writes them: the given code of a cell, its solution regions filled in.

A student receives a unit's cell with its given code (docstring, config defaults, the class around
the method) and fills the marked regions. student_cell rebuilds that: the unit's source with each
``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block replaced, in order, by a body written from the
unit's contract (never derived from the reference's body).
"""

from __future__ import annotations

from ..course import Unit
from ..samples import PlantedAlternative, planted_alternative, student_cell


def alternative(units: dict[str, Unit], name: str, unit: str, description: str, *bodies: str,
                notebook: str | None = None) -> PlantedAlternative:
    return planted_alternative(name, unit, lambda: student_cell(units[unit], *bodies), description, notebook)


# ----------------------------------------------------------------------------------------------
# two_layer_net: two or more per unit, each from the contract in the notebook's cell above the unit.


def two_layer_net_alternatives(units: dict[str, Unit]) -> tuple[PlantedAlternative, ...]:
    def alt(name, unit, description, *bodies):
        return alternative(units, name, unit, description, *bodies)

    return (
        alt("affine_forward_dot_prod", "affine_forward", "np.dot on x reshaped with np.prod (CS231n habit)", """
            out = np.dot(x.reshape(x.shape[0], int(np.prod(x.shape[1:]))), w) + b
            """),
        # tensordot, not einsum: plain np.einsum does not use BLAS, and the notebook's ungraded
        # training cells would then take minutes (they are not what this alternative is about).
        alt("affine_forward_zeros_tensordot", "affine_forward",
            "np.zeros (float64 for float32 inputs) filled by tensordot: the dtype is not graded", """
            N, M = x.shape[0], w.shape[1]
            out = np.zeros((N, M))
            out += np.tensordot(x.reshape(N, -1), w, axes=1)
            out += b[np.newaxis, :]
            """),
        alt("affine_backward_dot", "affine_backward", "np.dot and reshape(*shape)", """
            N = x.shape[0]
            dx = np.dot(dout, w.T).reshape(*x.shape)
            dw = np.dot(x.reshape(N, -1).T, dout)
            db = np.sum(dout, axis=0)
            """),
        alt("affine_backward_tensordot_ones", "affine_backward", "tensordot, and db as a product with ones", """
            x_rows = x.reshape(x.shape[0], -1)
            dx = np.tensordot(dout, w, axes=([1], [1])).reshape(x.shape)
            dw = np.tensordot(x_rows, dout, axes=([0], [0]))
            db = np.ones(dout.shape[0]) @ dout
            """),
        alt("relu_forward_mask_product", "relu_forward", "x times its positive mask", """
            out = x * (x > 0)
            """),
        alt("relu_forward_copy_and_clip", "relu_forward", "a copy, clipped in place", """
            out = x.copy()
            out[out < 0] = 0
            """),
        alt("relu_backward_copy_and_zero", "relu_backward", "a copy of dout, zeroed where x <= 0", """
            dx = dout.copy()
            dx[x <= 0] = 0
            """),
        alt("relu_backward_where", "relu_backward", "np.where with a float zero", """
            dx = np.where(x > 0, dout, 0.0)
            """),
        alt("affine_relu_forward_nested", "affine_relu_forward", "nested calls, the affine cache rebuilt", """
            out, relu_cache = relu_forward(affine_forward(x, w, b)[0])
            cache = ((x, w, b), relu_cache)
            """),
        alt("affine_relu_forward_named", "affine_relu_forward", "named intermediate, tuple built inline", """
            pre_activation, fc_cache = affine_forward(x, w, b)
            out, relu_cache = relu_forward(pre_activation)
            cache = fc_cache, relu_cache
            """),
        alt("affine_relu_backward_nested", "affine_relu_backward", "nested calls on cache[0] and cache[1]", """
            dx, dw, db = affine_backward(relu_backward(dout, cache[1]), cache[0])
            """),
        alt("affine_relu_backward_inline_mask", "affine_relu_backward", "the ReLU mask written out", """
            fc_cache, relu_cache = cache
            da = dout * (relu_cache > 0)
            dx, dw, db = affine_backward(da, fc_cache)
            """),
        alt("svm_loss_cs231n_habit", "svm_loss", "zeros_like dx, count of positive margins (CS231n habit)", """
            N = x.shape[0]
            correct = x[np.arange(N), y]
            margins = np.maximum(0, x - correct[:, np.newaxis] + 1.0)
            margins[np.arange(N), y] = 0
            loss = np.sum(margins) / N
            num_pos = np.sum(margins > 0, axis=1)
            dx = np.zeros_like(x)
            dx[margins > 0] = 1
            dx[np.arange(N), y] -= num_pos
            dx /= N
            """),
        alt("svm_loss_one_hot", "svm_loss", "one-hot masks instead of fancy indexing (float64 dx)", """
            N, C = x.shape
            one_hot = np.eye(C)[y]  # (N, C)
            correct = np.sum(x * one_hot, axis=1, keepdims=True)  # (N, 1)
            margins = np.maximum(0, x - correct + 1) * (1 - one_hot)
            loss = margins.sum() / N
            positive = margins > 0
            dx = (positive - one_hot * positive.sum(axis=1, keepdims=True)) / N
            """),
        alt("softmax_loss_probabilities", "softmax_loss", "shifted probabilities, then log (older CS231n)", """
            N = x.shape[0]
            shifted = x - np.max(x, axis=1, keepdims=True)
            probs = np.exp(shifted)
            probs /= np.sum(probs, axis=1, keepdims=True)
            loss = -np.sum(np.log(probs[np.arange(N), y])) / N
            dx = probs.copy()
            dx[np.arange(N), y] -= 1
            dx /= N
            """),
        alt("softmax_loss_logsumexp_one_hot", "softmax_loss", "log-sum-exp and a one-hot matrix", """
            N, C = x.shape
            top = x.max(axis=1)
            log_sum = top + np.log(np.exp(x - top[:, None]).sum(axis=1))  # (N,)
            loss = np.mean(log_sum - x[np.arange(N), y])
            dx = (np.exp(x - log_sum[:, None]) - np.eye(C)[y]) / N
            """),
        alt("two_layer_net_explicit_layers", "TwoLayerNet", "layer by layer with its own cache names", """
            self.params["W1"] = np.random.randn(input_dim, hidden_dim) * weight_scale
            self.params["W2"] = np.random.randn(hidden_dim, num_classes) * weight_scale
            self.params["b1"] = np.zeros(hidden_dim)
            self.params["b2"] = np.zeros(num_classes)
            """, """
            h1, cache1 = affine_relu_forward(X, self.params["W1"], self.params["b1"])
            scores, cache2 = affine_forward(h1, self.params["W2"], self.params["b2"])
            """, """
            loss, dscores = softmax_loss(scores, y)
            for name in ("W1", "W2"):
                loss += 0.5 * self.reg * np.sum(self.params[name] ** 2)
            dh1, dW2, db2 = affine_backward(dscores, cache2)
            dX, dW1, db1 = affine_relu_backward(dh1, cache1)
            grads = {"W1": dW1 + self.reg * self.params["W1"], "b1": db1,
                     "W2": dW2 + self.reg * self.params["W2"], "b2": db2}
            """),
        alt("two_layer_net_zeros_like_biases", "TwoLayerNet", "a shape list, bias via zeros_like, reg as one sum", """
            shapes = [(input_dim, hidden_dim), (hidden_dim, num_classes)]
            for i, shape in enumerate(shapes, start=1):
                self.params[f"W{i}"] = weight_scale * np.random.randn(*shape)
                self.params[f"b{i}"] = np.zeros_like(self.params[f"W{i}"][0])
            """, """
            self.cache = {}
            out, self.cache["layer1"] = affine_relu_forward(X, self.params["W1"], self.params["b1"])
            scores, self.cache["layer2"] = affine_forward(out, self.params["W2"], self.params["b2"])
            """, """
            data_loss, dout = softmax_loss(scores, y)
            weights = [self.params["W1"], self.params["W2"]]
            loss = data_loss + 0.5 * self.reg * sum(np.sum(W * W) for W in weights)
            dout, grads["W2"], grads["b2"] = affine_backward(dout, self.cache["layer2"])
            dout, grads["W1"], grads["b1"] = affine_relu_backward(dout, self.cache["layer1"])
            for name in ("W1", "W2"):
                grads[name] = grads[name] + self.reg * self.params[name]
            """),
        alt("fcn_cache_list", "FullyConnectedNet", "a list of caches, regularization added per layer", """
            layer_dims = [input_dim] + list(hidden_dims) + [num_classes]
            for layer in range(1, self.num_layers + 1):
                fan_in, fan_out = layer_dims[layer - 1], layer_dims[layer]
                self.params["W" + str(layer)] = np.random.randn(fan_in, fan_out) * weight_scale
                self.params["b" + str(layer)] = np.zeros(fan_out)
            """, """
            caches = []
            out = X
            for layer in range(1, self.num_layers):
                out, c = affine_relu_forward(out, self.params["W%d" % layer], self.params["b%d" % layer])
                caches.append(c)
            last = self.num_layers
            scores, c = affine_forward(out, self.params["W%d" % last], self.params["b%d" % last])
            caches.append(c)
            """, """
            loss, dscores = softmax_loss(scores, y)
            last = self.num_layers
            dout, dW, db = affine_backward(dscores, caches.pop())
            grads["W%d" % last] = dW + self.reg * self.params["W%d" % last]
            grads["b%d" % last] = db
            loss += 0.5 * self.reg * np.sum(np.square(self.params["W%d" % last]))
            for layer in range(last - 1, 0, -1):
                dout, dW, db = affine_relu_backward(dout, caches.pop())
                W = self.params["W%d" % layer]
                grads["W%d" % layer] = dW + self.reg * W
                grads["b%d" % layer] = db
                loss += 0.5 * self.reg * np.sum(np.square(W))
            """),
        alt("fcn_explicit_relu_layers", "FullyConnectedNet",
            "separate affine and ReLU layers, caches in a dict, a float64 loss for float32 nets", """
            sizes = [input_dim, *hidden_dims, num_classes]
            for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
                self.params[f"W{i}"] = weight_scale * np.random.randn(fan_in, fan_out)
                self.params[f"b{i}"] = np.zeros(fan_out, dtype=np.float64)
            """, """
            self._caches = {}
            h = X
            for i in range(1, self.num_layers + 1):
                h, self._caches[("affine", i)] = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
                if i < self.num_layers:
                    h, self._caches[("relu", i)] = relu_forward(h)
            scores = h
            """, """
            data_loss, dh = softmax_loss(scores, y)
            reg_loss = 0.0
            for i in range(self.num_layers, 0, -1):
                if i < self.num_layers:
                    dh = relu_backward(dh, self._caches[("relu", i)])
                dh, dW, grads[f"b{i}"] = affine_backward(dh, self._caches[("affine", i)])
                grads[f"W{i}"] = dW + self.reg * self.params[f"W{i}"]
                reg_loss += np.sum(self.params[f"W{i}"] ** 2)
            loss = float(data_loss) + 0.5 * self.reg * float(reg_loss)
            """),
        alt("sgd_momentum_in_steps", "sgd_momentum", "the velocity updated in two in-place steps", """
            v = config["momentum"] * v
            v -= config["learning_rate"] * dw
            next_w = w.copy()
            next_w += v
            """),
        alt("sgd_momentum_config_first", "sgd_momentum", "reads the hyperparameters into locals first", """
            mu, learning_rate = config["momentum"], config["learning_rate"]
            v = mu * v - learning_rate * dw
            next_w = w + v
            """),
        alt("rmsprop_config_in_place", "rmsprop", "config['cache'] assigned first, dw * dw (CS231n habit)", """
            decay_rate = config["decay_rate"]
            config["cache"] = decay_rate * config["cache"] + (1 - decay_rate) * (dw * dw)
            next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
            """),
        alt("rmsprop_step_variable", "rmsprop", "the step computed apart, np.square", """
            cache = config["cache"] * config["decay_rate"] + np.square(dw) * (1.0 - config["decay_rate"])
            step = config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
            next_w = w - step
            config["cache"] = cache
            """),
        alt("adam_cs231n_habit", "adam", "updates config in place, mt / vt names (CS231n habit)", """
            config["t"] += 1
            config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
            mt = config["m"] / (1 - config["beta1"] ** config["t"])
            config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * (dw ** 2)
            vt = config["v"] / (1 - config["beta2"] ** config["t"])
            next_w = w - config["learning_rate"] * mt / (np.sqrt(vt) + config["epsilon"])
            """),
        alt("adam_one_expression", "adam", "the bias corrections inside one expression, config.update", """
            t = config["t"] + 1
            m = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
            v = config["beta2"] * config["v"] + (1 - config["beta2"]) * dw * dw
            next_w = w - config["learning_rate"] * (m / (1 - config["beta1"] ** t)) / (
                np.sqrt(v / (1 - config["beta2"] ** t)) + config["epsilon"])
            config.update(m=m, v=v, t=t)
            """),
    )


# ----------------------------------------------------------------------------------------------
# The experiments: whole solution cells (no library unit behind them), other correct choices.

BEST_MODEL_RANDOM_SEARCH = '''
results: dict
best_model: TwoLayerNet
rng = np.random.default_rng(12)
results, best_model, best_acc = {}, None, 0.0
for run in range(3):
    lr = 10 ** rng.uniform(-3.1, -2.8)
    reg = 10 ** rng.uniform(-1.5, -0.5)
    net = TwoLayerNet(hidden_dim=120, reg=reg)
    search_solver = Solver(net, data, optim_config={"learning_rate": lr}, lr_decay=0.95, num_epochs=8,
                           batch_size=100, verbose=False)
    search_solver.train()
    results[(lr, reg)] = search_solver.best_val_acc
    print(f"run {run}: lr {lr:.2e}, reg {reg:.2e}: best validation accuracy {search_solver.best_val_acc:.3f}")
    if search_solver.best_val_acc > best_acc:
        best_acc, best_model = search_solver.best_val_acc, net
'''

BEST_MODEL_HIDDEN_SIZES = '''
results: dict
best_model: TwoLayerNet
results, nets = {}, {}
for hidden in (64, 160):
    for lr in (1e-3, 2e-3):
        np.random.seed(hidden)
        nets[hidden, lr] = TwoLayerNet(hidden_dim=hidden, reg=0.1)
        Solver(nets[hidden, lr], data, optim_config={"learning_rate": lr}, num_epochs=6, batch_size=100,
               verbose=False).train()
        results[hidden, lr] = np.mean(np.argmax(nets[hidden, lr].loss(data["X_val"]), axis=1) == data["y_val"])
best_model = nets[max(results, key=results.get)]
print("validation accuracies:", results)
'''

EXPERIMENT_ALTERNATIVES = (
    planted_alternative("best_model_random_search", "best_model", BEST_MODEL_RANDOM_SEARCH,
                        "a random search of 3 unseeded runs, 120 hidden units, 8 epochs"),
    planted_alternative("best_model_hidden_sizes", "best_model", BEST_MODEL_HIDDEN_SIZES,
                        "hidden sizes 64 and 160, accuracies recomputed from the networks, best chosen by max()"),
    planted_alternative("overfit_one_line", "weight_scale", "weight_scale, learning_rate = 5e-2, 1e-3",
                        "another pair that overfits (5e-2, 1e-3), set in one line"),
    planted_alternative("overfit_numpy_floats", "weight_scale",
                        "weight_scale = np.float64(0.1)\nlearning_rate = np.float64(1e-3)",
                        "a larger scale with a smaller rate (1e-1, 1e-3), as numpy floats"),
)
