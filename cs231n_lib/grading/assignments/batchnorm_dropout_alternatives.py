"""Planted alternatives of the batchnorm_dropout assignment: correct cells written from its contracts.

Each forward keeps the cache layout of the given docstring, so that it pairs with the reference's
backward (and each backward with the reference's forward): an alternative replaces one cell.
Different cache layouts are proven in grading_tests/test_batchnorm_dropout_checks.py.
"""

from __future__ import annotations

from ..course import Unit
from ..samples import PlantedAlternative
from .two_layer_net_alternatives import alternative


def batchnorm_dropout_alternatives(units: dict[str, Unit]) -> tuple[PlantedAlternative, ...]:
    def alt(name, unit, description, *bodies):
        return alternative(units, name, unit, description, *bodies)

    return (
        alt("bn_forward_np_var", "batchnorm_forward", "np.mean and np.var (CS231n habit), no in-place", """
            mu = np.mean(x, axis=0)
            var = np.var(x, axis=0)
            x_norm = (x - mu) / np.sqrt(var + eps)
            out = gamma * x_norm + beta
            cache = (x_norm, x - mu, np.sqrt(var + eps), gamma)
            running_mean = momentum * running_mean + (1 - momentum) * mu
            running_var = momentum * running_var + (1 - momentum) * var
            """, """
            x_norm = (x - running_mean) / np.sqrt(running_var + eps)
            out = gamma * x_norm + beta
            """),
        alt("bn_forward_inverse_std_in_place_running", "batchnorm_forward",
            "sums over N, a multiplied inverse std, running averages updated in place, folded test mode", """
            mu = x.sum(axis=0) / N
            xc = x - mu
            var = (xc * xc).sum(axis=0) / N
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat = xc * inv_std
            out = x_hat * gamma + beta
            cache = (x_hat, xc, 1.0 / inv_std, gamma)
            running_mean = running_mean * momentum
            running_mean += (1 - momentum) * mu
            running_var = running_var * momentum
            running_var += (1 - momentum) * var
            """, """
            scale = gamma / np.sqrt(running_var + eps)
            out = x * scale + (beta - running_mean * scale)
            """),
        alt("bn_backward_staged_graph", "batchnorm_backward", "the staged computational graph (CS231n habit)", """
            x_hat, xmu, std, gamma = cache
            N, D = dout.shape
            ivar = 1.0 / std
            dbeta = np.sum(dout, axis=0)
            dgamma = np.sum(dout * x_hat, axis=0)
            dxhat = dout * gamma
            divar = np.sum(dxhat * xmu, axis=0)
            dxmu1 = dxhat * ivar
            dsqrtvar = -1.0 / (std**2) * divar
            dvar = 0.5 * 1.0 / std * dsqrtvar
            dsq = 1.0 / N * np.ones((N, D)) * dvar
            dxmu2 = 2 * xmu * dsq
            dx1 = dxmu1 + dxmu2
            dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
            dx2 = 1.0 / N * np.ones((N, D)) * dmu
            dx = dx1 + dx2
            """),
        alt("bn_backward_einsum_formula", "batchnorm_backward", "the closed form with einsum reductions", """
            x_hat, _, std, gamma = cache
            N = dout.shape[0]
            dbeta = np.einsum("nd->d", dout)
            dgamma = np.einsum("nd,nd->d", dout, x_hat)
            dx = (gamma / (N * std)) * (N * dout - dbeta - x_hat * dgamma)
            """),
        alt("bn_alt_gamma_over_n_std", "batchnorm_backward_alt",
            "(gamma / (N * std)) * (N * dout - dbeta - x_hat * dgamma), as in many public solutions", """
            x_hat, _, std, gamma = cache
            N = dout.shape[0]
            dbeta = np.sum(dout, axis=0)
            dgamma = np.sum(dout * x_hat, axis=0)
            dx = (gamma / (N * std)) * (N * dout - dbeta - x_hat * dgamma)
            """),
        alt("bn_alt_means_of_dx_hat", "batchnorm_backward_alt", "means of dx_hat and dx_hat * x_hat", """
            x_hat, _, std, gamma = cache
            dbeta = dout.sum(axis=0)
            dgamma = (dout * x_hat).sum(axis=0)
            dx_hat = dout * gamma
            dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / std
            """),
        alt("ln_forward_transposed", "layernorm_forward", "batch norm of x.T, as CS231n's hint says", """
            xt = x.T  # (D, N)
            mu = xt.mean(axis=0)
            var = xt.var(axis=0)
            std = np.sqrt(var + eps)  # (N,)
            x_hat = ((xt - mu) / std).T  # (N, D)
            out = gamma * x_hat + beta
            cache = (x_hat, std[:, np.newaxis], gamma)
            """),
        alt("ln_forward_keepdims", "layernorm_forward", "row statistics with keepdims, explicit broadcasting", """
            mu = np.mean(x, axis=1, keepdims=True)
            var = np.mean((x - mu) ** 2, axis=1, keepdims=True)
            std = np.sqrt(var + eps)
            x_hat = (x - mu) / std
            out = x_hat * gamma[np.newaxis, :] + beta[np.newaxis, :]
            cache = (x_hat, std, gamma)
            """),
        alt("ln_backward_transposed_formula", "layernorm_backward", "batch norm's closed form on transposes", """
            x_hat, std, gamma = cache
            D = dout.shape[1]
            dbeta = dout.sum(axis=0)
            dgamma = (dout * x_hat).sum(axis=0)
            dxh = (dout * gamma).T  # (D, N)
            xh = x_hat.T
            dx = ((1.0 / (D * std.T)) * (D * dxh - dxh.sum(axis=0) - xh * (dxh * xh).sum(axis=0))).T
            """),
        alt("ln_backward_staged_graph", "layernorm_backward", "through the variance and the mean, per row", """
            x_hat, std, gamma = cache
            N, D = dout.shape
            dbeta = np.sum(dout, axis=0)
            dgamma = np.sum(dout * x_hat, axis=0)
            dxhat = dout * gamma
            xmu = x_hat * std
            dvar = np.sum(dxhat * xmu, axis=1, keepdims=True) * -0.5 * std**-3
            dmu = -np.sum(dxhat / std, axis=1, keepdims=True) - 2 * dvar * np.mean(xmu, axis=1, keepdims=True)
            dx = dxhat / std + dvar * 2 * xmu / D + dmu / D
            """),
        alt("dropout_forward_mask_first", "dropout_forward", "mask times x, a copy at test time", """
            mask = (np.random.rand(*x.shape) < p) / p
            out = mask * x
            """, """
            out = x.copy()
            """),
        alt("dropout_forward_random_sample_where", "dropout_forward",
            "np.random.random_sample (the same stream as rand), np.where on the kept units", """
            keep = np.random.random_sample(x.shape) < p
            mask = keep / p
            out = np.where(keep, x / p, 0)
            """, """
            out = x * 1
            """),
        alt("dropout_backward_mask_product", "dropout_backward", "the mask times dout", """
            dx = mask * dout
            """),
        alt("dropout_backward_kept_over_p", "dropout_backward", "kept units from the mask, divided by p", """
            dx = dout * (mask != 0) / dropout_param["p"]
            """),
        alt("fcn_normalized_lists_graph_backward", "normalized_loss",
            "caches in lists, explicit branches, batchnorm_backward (the graph version)", """
            caches = []
            out = X
            for i in range(1, self.num_layers):
                out, fc_cache = affine_forward(out, self.params["W%d" % i], self.params["b%d" % i])
                norm_cache = None
                if self.normalization == "batchnorm":
                    out, norm_cache = batchnorm_forward(out, self.params["gamma%d" % i], self.params["beta%d" % i],
                                                        self.bn_params[i - 1])
                elif self.normalization == "layernorm":
                    out, norm_cache = layernorm_forward(out, self.params["gamma%d" % i], self.params["beta%d" % i],
                                                        self.bn_params[i - 1])
                out, relu_cache = relu_forward(out)
                drop_cache = None
                if self.use_dropout:
                    out, drop_cache = dropout_forward(out, self.dropout_param)
                caches.append((fc_cache, norm_cache, relu_cache, drop_cache))
            last = self.num_layers
            scores, last_cache = affine_forward(out, self.params["W%d" % last], self.params["b%d" % last])
            """, """
            loss, dout = softmax_loss(scores, y)
            dout, grads["W%d" % last], grads["b%d" % last] = affine_backward(dout, last_cache)
            for i in range(last - 1, 0, -1):
                fc_cache, norm_cache, relu_cache, drop_cache = caches.pop()
                if self.use_dropout:
                    dout = dropout_backward(dout, drop_cache)
                dout = relu_backward(dout, relu_cache)
                if self.normalization == "batchnorm":
                    dout, grads["gamma%d" % i], grads["beta%d" % i] = batchnorm_backward(dout, norm_cache)
                elif self.normalization == "layernorm":
                    dout, grads["gamma%d" % i], grads["beta%d" % i] = layernorm_backward(dout, norm_cache)
                dout, grads["W%d" % i], grads["b%d" % i] = affine_backward(dout, fc_cache)
            for i in range(1, last + 1):
                loss += 0.5 * self.reg * np.sum(self.params["W%d" % i] ** 2)
                grads["W%d" % i] += self.reg * self.params["W%d" % i]
            """),
        alt("fcn_normalized_named_caches", "normalized_loss",
            "caches in a dict by layer and kind, regularization inside the backward loop", """
            model_caches = {}
            h = X
            L = self.num_layers
            for i in range(1, L + 1):
                h, model_caches[("affine", i)] = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
                if i == L:
                    break
                if self.normalization is not None:
                    forward = batchnorm_forward if self.normalization == "batchnorm" else layernorm_forward
                    h, model_caches[("norm", i)] = forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"],
                                                           self.bn_params[i - 1])
                h, model_caches[("relu", i)] = relu_forward(h)
                if self.use_dropout:
                    h, model_caches[("dropout", i)] = dropout_forward(h, self.dropout_param)
            scores = h
            """, """
            data_loss, dh = softmax_loss(scores, y)
            reg_loss = 0.0
            for i in range(L, 0, -1):
                if i < L:
                    if self.use_dropout:
                        dh = dropout_backward(dh, model_caches[("dropout", i)])
                    dh = relu_backward(dh, model_caches[("relu", i)])
                    if self.normalization is not None:
                        backward = batchnorm_backward_alt if self.normalization == "batchnorm" else layernorm_backward
                        dh, grads[f"gamma{i}"], grads[f"beta{i}"] = backward(dh, model_caches[("norm", i)])
                dh, dW, grads[f"b{i}"] = affine_backward(dh, model_caches[("affine", i)])
                W = self.params[f"W{i}"]
                grads[f"W{i}"] = dW + self.reg * W
                reg_loss += 0.5 * self.reg * np.sum(W * W)
            loss = data_loss + reg_loss
            """),
    )
