"""Solver: trains a classification model with minibatch stochastic gradient descent.

Scaffolding shipped to students as it is (nothing here is graded).

The Solver works with any model that has
- model.params: a dict mapping parameter names to numpy arrays
- model.loss(X, y=None): returns the class scores (N, C) when y is None, and a
  tuple (loss, grads) otherwise, grads having the same keys as model.params

Example:

    data = {"X_train": ..., "y_train": ..., "X_val": ..., "y_val": ...}
    model = MyAwesomeModel(hidden_size=100, reg=10)
    solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 1e-4},
                    lr_decay=0.95, num_epochs=5, batch_size=200, print_every=100)
    solver.train()

After train() returns, model.params holds the parameters that did best on
the validation set, and solver.loss_history, solver.train_acc_history and
solver.val_acc_history hold the losses of every iteration and the accuracies
at every epoch.
"""

import math
import pickle
import time

import numpy as np

from . import optim


class ProgressLine:
    """One line, rewritten in place about twice a second, saying how far training is."""

    def __init__(self, total):
        self.total, self.done = total, 0
        self.started = self.shown = time.perf_counter()

    def update(self, status):
        self.done += 1
        now = time.perf_counter()
        if now - self.shown >= 0.5 or self.done == self.total:
            self.shown = now
            print(f"\rtraining: {self.done}/{self.total} iterations in {now - self.started:.1f} s; {status}",
                  end="", flush=True)

    def close(self):
        print()


class Solver:
    """Minibatch training of a model, with an update rule from optim (or your own).

    Required arguments:
    - model: an object with params and loss(X, y=None), as described above
    - data: a dict with "X_train" (N_train, d_1, ..., d_k), "y_train" (N_train,),
      "X_val" (N_val, d_1, ..., d_k) and "y_val" (N_val,)

    Optional keyword arguments:
    - update_rule: the name of an update rule in optim ("sgd", "sgd_momentum", ...),
      or a function rule(w, dw, config) -> (next_w, config) such as your own
      sgd_momentum; default "sgd"
    - optim_config: dict of hyperparameters for the update rule, e.g. the
      "learning_rate"; every parameter array gets its own copy
    - lr_decay: the learning rate is multiplied by this after every epoch
    - batch_size: minibatch size used for the loss and gradients
    - num_epochs: number of passes through the training data
    - num_train_samples: how many training examples check the training accuracy
      (None: all of them)
    - num_val_samples: how many validation examples check the validation accuracy
      (None: all of them)
    - checkpoint_name: if not None, save a checkpoint to "<name>_epoch_<e>.pkl"
      after every epoch
    - print_every: print the training loss every print_every iterations
    - verbose: if False, print nothing during training
    - progress_bar: if True, show one progress bar (with the latest loss and
      accuracies) instead of the printed lines; handy for long or repeated runs

    Training stops early, with a message, if the loss stops being a finite
    number (a learning rate or weight scale that is too large makes it diverge);
    solver.diverged then says so.
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        self.progress_bar = kwargs.pop("progress_bar", False)

        if kwargs:
            extra = ", ".join(f'"{k}"' for k in kwargs)
            raise ValueError(f"Unrecognized arguments {extra}")

        # A name means the rule of that name in optim; a function is used as it is.
        if isinstance(self.update_rule, str):
            if not callable(getattr(optim, self.update_rule, None)):
                raise ValueError(f'Invalid update_rule "{self.update_rule}"')
            self.update_rule = getattr(optim, self.update_rule)
        elif not callable(self.update_rule):
            raise ValueError(f"update_rule must be a name in optim or a function, got {self.update_rule!r}")

        self._reset()

    def _reset(self):
        """Set up the bookkeeping of an optimization. Don't call this manually."""
        self.epoch = 0
        self.best_val_acc = -1.0  # the first accuracy check always keeps its parameters
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.diverged = False

        # Every parameter gets its own copy of optim_config, where its update rule keeps its state.
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        """Make a single gradient update. Called by train(); don't call it manually."""
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(loss)

        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self.update_rule(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def _save_checkpoint(self):
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": getattr(self.update_rule, "__name__", repr(self.update_rule)),
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            print(f'Saving checkpoint to "{filename}"')
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of the examples in X that the model classifies as y.

        Inputs:
        - X: data, of shape (N, d_1, ..., d_k)
        - y: labels, of shape (N,)
        - num_samples: if not None, check a random subset of this many examples
        - batch_size: examples per call of model.loss

        Returns:
        - acc: scalar, the fraction of examples classified correctly
        """
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N = num_samples
            X = X[mask]
            y = y[mask]

        num_batches = -(-N // batch_size)
        y_pred = []
        for i in range(num_batches):
            start = i * batch_size
            end = (i + 1) * batch_size
            scores = self.model.loss(X[start:end])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(y_pred)
        acc = np.mean(y_pred == y)

        return acc

    def train(self):
        """Run the optimization; afterwards model.params holds the best parameters found."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        bar = None
        if self.verbose and self.progress_bar:
            bar = ProgressLine(num_iterations)
        printing = self.verbose and not self.progress_bar

        for t in range(num_iterations):
            self._step()

            loss = self.loss_history[-1]
            if not math.isfinite(float(loss)):
                self.diverged = True
                message = (f"Stopped at iteration {t + 1} / {num_iterations} (epoch {self.epoch}): the loss is "
                           f"{float(loss)}. Training diverged; try a smaller learning rate or weight scale.")
                if bar is not None:
                    bar.close()
                print(message)
                break

            if printing and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: {loss:f}")

            # At the end of every epoch, increment the epoch counter and decay the learning rate.
            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for k in self.optim_configs:
                    if "learning_rate" in self.optim_configs[k]:
                        self.optim_configs[k]["learning_rate"] *= self.lr_decay

            # Check train and val accuracy on the first iteration, the last iteration,
            # and at the end of each epoch.
            first_it = t == 0
            last_it = t == num_iterations - 1
            if first_it or last_it or epoch_end:
                train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
                val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                self._save_checkpoint()

                if printing:
                    print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; val_acc: {val_acc:f}")

                # Keep track of the best model.
                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}

            if bar is not None:
                bar.update(f"loss {loss:.3f}, train acc {self.train_acc_history[-1]:.3f}, "
                           f"val acc {self.val_acc_history[-1]:.3f}")

        if bar is not None:
            bar.close()
        # At the end of training swap the best params into the model.
        if self.best_params:
            self.model.params = self.best_params

