"""Run a call plan against a namespace and encode what comes back.

This module is the only grading code that enters a student's kernel: the
autograder pastes its source into a probe cell of its own per hidden check,
appended after the student's last cell, so it must depend on nothing but the
standard library and numpy. It computes; it never judges. The grader runs the
same plan against the reference in its own process and compares (see
``judge.py``), so nothing here is worth forging. Nothing here is secret from
the student's code either (its hooks see this source and the plan); the grader
keeps only the payload of a probe cell and drops everything else it printed
(see ``preprocessors.py``).

A plan is JSON: ``{"steps": [...], "arrays": {name: encoded array}}``. Each
step calls ``target`` (a dotted name resolved in earlier step results, then
the namespace, then ``BUILTINS``) with ``args``/``kwargs`` in which
``{"$array": name}`` is a fresh copy of a plan array, ``{"$ref": id}`` an
earlier step's result and ``{"$builtin": name}`` a runner-provided object and ``{"$random": {seed,
shape}}`` a standard-normal array made here (large timing inputs).
"""

import base64
import json
import time
import traceback

import numpy as np

MIME_TYPE = "application/vnd.cs231n.probe+json"
MAX_ENCODED_BYTES = 8 * 1024 * 1024  # a result this large is a bug, not an answer
MAX_MESSAGE_CHARS = 600
REPEAT_BUDGET_SECONDS = 2.0


def encode_array(array):
    array = np.asarray(array)
    return {
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "b64": base64.b64encode(array.tobytes()).decode("ascii"),
    }


def decode_array(encoded):
    dtype = np.dtype(encoded["dtype"])
    if dtype.hasobject:
        raise ValueError("object arrays are not accepted")
    data = base64.b64decode(encoded["b64"])
    return np.frombuffer(data, dtype=dtype).reshape(encoded["shape"]).copy()


def encode_value(value, budget):
    """Encode a returned value as JSON; arrays as raw bytes, never pickles."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value if abs(value) < 2**53 else {"$unsupported": "int too large"}
    if isinstance(value, float):
        return {"$nd": encode_array(np.float64(value))}
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            return {"$unsupported": f"array of dtype {array.dtype}"}
        budget[0] -= array.nbytes
        if budget[0] < 0:
            return {"$unsupported": f"result too large ({array.nbytes} bytes)"}
        return {"$nd": encode_array(array)}
    if isinstance(value, (tuple, list)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {"$seq": [encode_value(item, budget) for item in value], "kind": kind}
    if isinstance(value, dict):
        return {"$dict": [[encode_value(k, budget), encode_value(v, budget)] for k, v in value.items()]}
    return {"$unsupported": f"object of type {type(value).__name__}"}


def decode_value(encoded):
    """Inverse of encode_value; unsupported values decode to an Unsupported marker."""
    if encoded is None or isinstance(encoded, (bool, int, str)):
        return encoded
    if isinstance(encoded, dict):
        if "$nd" in encoded:
            array = decode_array(encoded["$nd"])
            return array[()] if array.ndim == 0 else array
        if "$seq" in encoded:
            items = [decode_value(item) for item in encoded["$seq"]]
            return tuple(items) if encoded.get("kind") == "tuple" else items
        if "$dict" in encoded:
            return {_hashable(decode_value(k)): decode_value(v) for k, v in encoded["$dict"]}
        if "$unsupported" in encoded:
            return Unsupported(str(encoded["$unsupported"]))
    raise ValueError(f"cannot decode {type(encoded).__name__}")


def _hashable(key):
    return key.item() if isinstance(key, np.generic) else key


class Unsupported:
    """Stands for a returned value that could not be encoded (its description says why)."""

    def __init__(self, description):
        self.description = description

    def __repr__(self):
        return f"<{self.description}>"


class LabelsFromRowIds:
    """A stand-in classifier for checking cross-validation logic on its own.

    Column 0 of every row holds the row's id. "Distances" carry the ids, and
    predictions depend on the ids predicted, on k and on which rows it was
    trained on, so any mistake in fold bookkeeping changes them, while a
    student's kNN bugs cannot.
    """

    num_classes = 10

    def train(self, X, y):
        self.train_ids = np.asarray(X)[:, 0].astype(np.int64)
        self.y_train = np.asarray(y)

    def compute_distances_no_loops(self, X):
        test_ids = np.asarray(X)[:, 0].astype(np.int64)
        return np.add.outer(test_ids * 100003, self.train_ids).astype(np.float64)

    compute_distances_one_loop = compute_distances_two_loops = compute_distances_no_loops

    def predict_labels(self, dists, k=1):
        test_ids = ((np.asarray(dists)[:, 0] - self.train_ids[0]) // 100003).astype(np.int64)
        fingerprint = int(np.sum(self.train_ids * 31 % 997)) + int(np.sum(self.y_train))
        return (test_ids * 7 + 3 * int(k) + fingerprint) % self.num_classes

    def predict(self, X, k=1, num_loops=0):
        return self.predict_labels(self.compute_distances_no_loops(X), k=k)


def _matmul(a, b):
    return a @ b


def _item(container, key):
    return container[key]


def _seed_numpy(seed):
    # For CS231n's seeded conventions (weights drawn from the global RNG in layer order).
    np.random.seed(seed)


BUILTINS = {"LabelsFromRowIds": LabelsFromRowIds, "matmul": _matmul, "item": _item, "seed_numpy": _seed_numpy}


def _describe_exception(error):
    lines = traceback.format_exception_only(type(error), error)
    return "".join(lines).strip()[:MAX_MESSAGE_CHARS]


def run_plan(plan, namespace):
    """Execute plan's steps against namespace.

    Returns a dict mapping each recorded step id to {"value": encoded value,
    "seconds": best time} or {"error": message}.
    """
    arrays = {name: decode_array(encoded) for name, encoded in plan.get("arrays", {}).items()}
    saved, failed, results = {}, {}, {}
    budget = [MAX_ENCODED_BYTES]

    def resolve_argument(argument):
        if isinstance(argument, dict):
            if "$array" in argument:
                return arrays[argument["$array"]].copy()
            if "$ref" in argument:
                if argument["$ref"] in failed:
                    raise _StepSkipped(argument["$ref"])
                return saved[argument["$ref"]]
            if "$builtin" in argument:
                return BUILTINS[argument["$builtin"]]
            if "$random" in argument:
                spec = argument["$random"]
                return np.random.default_rng(spec["seed"]).standard_normal(tuple(spec["shape"]))
            return {key: resolve_argument(value) for key, value in argument.items()}
        if isinstance(argument, list):
            return [resolve_argument(value) for value in argument]
        return argument

    def resolve_target(dotted):
        head, *attributes = dotted.split(".")
        if head in failed:
            raise _StepSkipped(head)
        if head in saved:
            target = saved[head]
        elif head in namespace:
            target = namespace[head]
        elif head in BUILTINS:
            target = BUILTINS[head]
        else:
            raise NameError(f"name '{head}' is not defined; run the cell that defines it")
        for attribute in attributes:
            target = getattr(target, attribute)
        return target

    for step in plan["steps"]:
        step_id = step.get("id")
        try:
            target = resolve_target(step["target"])
            args = [resolve_argument(a) for a in step.get("args", [])]
            kwargs = {k: resolve_argument(v) for k, v in step.get("kwargs", {}).items()}
            best, spent = float("inf"), 0.0
            for attempt in range(max(1, int(step.get("repeat", 1)))):
                if attempt:  # fresh inputs for each repeat; the last call's are kept to check mutation
                    args = [resolve_argument(a) for a in step.get("args", [])]
                started = time.perf_counter()
                value = target(*args, **kwargs)
                best = min(best, time.perf_counter() - started)
                spent += time.perf_counter() - started
                if spent > REPEAT_BUDGET_SECONDS:
                    break  # best-of-n helps fast code; slow code needs no second chance
            if step_id is not None:
                saved[step_id] = value
                if step.get("timed_only"):
                    results[step_id] = {"value": None, "seconds": best}
                elif step.get("record"):
                    record = {"value": encode_value(value, budget), "seconds": best}
                    if step.get("record_args"):
                        record["args_after"] = encode_value(list(args), budget)
                    results[step_id] = record
        except _StepSkipped as skipped:
            failed[step_id] = True
            if step.get("record"):
                results[step_id] = {"error": f"not run: step '{skipped.args[0]}' it depends on failed"}
        except BaseException as error:  # noqa: BLE001 - a student's KeyboardInterrupt is a result too
            if isinstance(error, KeyboardInterrupt):
                raise
            if step_id is not None:
                failed[step_id] = True
            results[step_id or f"step {plan['steps'].index(step)}"] = {"error": _describe_exception(error)}
    return results


class _StepSkipped(Exception):
    pass


def probe(namespace, check_id, token, plan_json):
    """Run one hidden check's plan in the student's kernel and display the raw results."""
    plan = json.loads(plan_json)
    results = run_plan(plan, namespace)
    payload = {"check": check_id, "token": token, "results": results}
    from IPython.display import display

    display({MIME_TYPE: payload, "text/plain": f"[hidden check {check_id}: results sent to the grader]"}, raw=True)
