"""CaptioningSolver: trains a CaptioningRNN with minibatch stochastic gradient descent.

Scaffolding shipped to students as it is (nothing here is graded). It works like Solver, but on
captioning data (the dict load_coco_data returns), and it does not check accuracies: captioning
has no single right answer, so the notebook looks at sampled captions instead.

Example:

    data = load_coco_data()
    model = CaptioningRNN(data['word_to_idx'], input_dim=data['train_features'].shape[1], cell_type='lstm')
    solver = CaptioningSolver(model, data, update_rule='adam', optim_config={'learning_rate': 5e-3},
                              lr_decay=0.995, num_epochs=10, batch_size=100, print_every=10)
    solver.train()

After train() returns, solver.loss_history holds the loss of every iteration and model.params the
trained parameters.
"""

import math

from . import optim
from .data.coco import sample_coco_minibatch


class CaptioningSolver:
    """Minibatch training of a captioning model, with an update rule from optim (or your own).

    Required arguments:
    - model: an object with params and loss(features, captions) -> (loss, grads)
    - data: a dict as load_coco_data returns it

    Optional keyword arguments:
    - update_rule: the name of an update rule in optim ("sgd", "adam", ...), or a function
      rule(w, dw, config) -> (next_w, config); default "sgd"
    - optim_config: dict of hyperparameters for the update rule, e.g. the "learning_rate"; every
      parameter array gets its own copy
    - lr_decay: the learning rate is multiplied by this after every epoch
    - batch_size: minibatch size used for the loss and gradients
    - num_epochs: number of passes through the training captions
    - print_every: print the training loss every print_every iterations
    - verbose: if False, print nothing during training
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.data = data

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)

        if kwargs:
            extra = ", ".join(f'"{k}"' for k in kwargs)
            raise ValueError(f"Unrecognized arguments {extra}")

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
        self.loss_history = []
        self.diverged = False
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        """Make a single gradient update. Called by train(); don't call it manually."""
        captions, features, _ = sample_coco_minibatch(self.data, batch_size=self.batch_size, split="train")
        loss, grads = self.model.loss(features, captions)
        self.loss_history.append(loss)
        for p, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def train(self):
        """Run the optimization for num_epochs passes over the training captions."""
        num_train = self.data["train_captions"].shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for t in range(num_iterations):
            self._step()
            loss = self.loss_history[-1]
            if not math.isfinite(float(loss)):
                self.diverged = True
                print(f"Stopped at iteration {t + 1} / {num_iterations}: the loss is {float(loss)}. Training "
                      "diverged; try a smaller learning rate.")
                break
            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: {loss:f}")

            if (t + 1) % iterations_per_epoch == 0:
                self.epoch += 1
                for config in self.optim_configs.values():
                    if "learning_rate" in config:
                        config["learning_rate"] *= self.lr_decay
        if self.verbose and self.loss_history:
            print(f"(Iteration {len(self.loss_history)} / {num_iterations}) loss: {self.loss_history[-1]:f}")
