"""Hidden inputs stay hidden: hooks a student installs see the plan in the kernel, and nothing of it gets out.

A knn submission hooks everything a kernel runs through (builtins.exec and compile, sys.settrace,
an audit hook, IPython's pre_run_cell event and input transformers, numpy functions), prints all
it sees, stashes it in a global that a later cell prints, writes it to a file and into an earlier
cell's display; its compute_distances_two_loops raises with its inputs in the message. Graded
through real nbgrader, neither the graded notebook nor the generated feedback holds a plan array,
a token or the plan's JSON, and every honest cell keeps its points.
"""

import base64
import re

import nbformat
import numpy as np
import pytest

from cs231n_lib.grading import samples
from cs231n_lib.grading.autograde import autograde_serially
from cs231n_lib.grading.checks import get_check
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import scores
from cs231n_lib.grading.nbgrader_runner import run_nbgrader
from cs231n_lib.grading.preprocessors import hidden_check_ids
from cs231n_lib.grading.probe import decode_array
from cs231n_lib.grading.release import release
from cs231n_lib.grading.samples import planted_bug

ASSIGNMENT = "knn"
STUDENT = "hooks"
TWO = "dists[i, j] = np.sqrt(np.sum((X[i] - self.X_train[j]) ** 2))"
EXPECTED = {"test_compute_distances_two_loops": 0.0, "test_predict_labels": 3.0, "test_compute_distances_one_loop": 3.0,
            "test_compute_distances_no_loops": 4.0, "test_knn_cross_validation": 4.0, "test_best_k": 1.0}

HOOKS = r'''
import builtins, sys
import numpy as np
from IPython import get_ipython
from IPython.display import display

SEEN = []
board = display("hooks installed", display_id=True)  # an earlier cell's output a hook could update later


# Spelled in pieces, so that this cell's own source does not hold what the test looks for.
PLAN_SIGNS = ("$" + "array", '"b' + '64"', "cs231n" + "_probe", "def " + "run_plan")


def shown(text):
    # All of anything that looks like a plan; the start of the rest (keeps the notebook small).
    return text if any(sign in text for sign in PLAN_SIGNS) else text[:100]


def record(kind, value, update=False):
    text = value if isinstance(value, str) else repr(value)
    SEEN.append((kind, text))
    print(f"[{kind}] {shown(text)}")
    with open("seen.log", "a") as handle:
        handle.write(f"[{kind}] {text}\n")
    if update:
        board.update(f"[{kind}] {shown(text)}")


real_exec, real_compile = builtins.exec, builtins.compile


def exec_hook(source, *args, **kwargs):
    record("exec", source if isinstance(source, str) else getattr(source, "co_consts", source), update=True)
    return real_exec(source, *args, **kwargs)


def compile_hook(source, *args, **kwargs):
    record("compile", source, update=True)
    return real_compile(source, *args, **kwargs)


def tracer(frame, event, arg):
    if event == "call" and frame.f_code.co_filename == "<string>":
        record("settrace", dict(frame.f_locals))
    return None


def audit(event, args):
    if event in ("exec", "compile"):
        record("audit " + event, args[0] if event == "compile" else getattr(args[0], "co_consts", args))


def wrap(module, name):
    original = getattr(module, name)

    def hooked(*args, **kwargs):
        result = original(*args, **kwargs)
        record(f"np.{name}", (args, kwargs, result))
        return result

    setattr(module, name, hooked)


builtins.exec, builtins.compile = exec_hook, compile_hook
sys.settrace(tracer)
sys.addaudithook(audit)
get_ipython().events.register("pre_run_cell", lambda info: record("pre_run_cell", info.raw_cell, update=True))
get_ipython().input_transformers_cleanup.append(lambda lines: record("transformer", "".join(lines)) or lines)
for name in ("frombuffer", "asarray"):  # what the probe decodes and encodes arrays with
    wrap(np, name)
wrap(np.random, "default_rng")  # what makes its large timing inputs
np.asarray([0.5])
'''

SHOW_STASH = """
print(f"the hooks saw {len(SEEN)} things; all of them:")
for kind, text in SEEN:
    print(kind, shown(text))
"""


def plan_fingerprints() -> tuple[list[str], list[str]]:
    """(pieces of every hidden plan's JSON, decimal prefixes of its float inputs) for the knn checks."""
    json_pieces, numbers = [], []
    for check_id in {c for cell in _source_cells() for c in hidden_check_ids(cell.source)}:
        wire = get_check(check_id).plan().wire()
        for encoded in wire["arrays"].values():
            json_pieces.append(encoded["b64"][:32])
            array = decode_array(encoded)
            if array.dtype.kind == "f":
                # Truncated to 7 decimals: the same in Python's repr and numpy's 8-digit printing, and
                # longer than the 6-digit fractions of the timestamps nbclient writes.
                # Short decimals (1.0, 0.25) would also match honest text: left out.
                truncated = [f"{int(abs(x) * 1e7) / 1e7:.7f}" for x in array.ravel()]
                numbers += [text for text in truncated if not text.endswith("00")]
    return json_pieces, numbers


def _source_cells():
    from cs231n_lib.grading.course import REPO_ROOT

    return nbformat.read(REPO_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4).cells


@pytest.fixture(scope="module")
def graded(tmp_path_factory, repo_root):
    root = tmp_path_factory.mktemp("hidden-inputs-course")
    make_demo_course(repo_root, root)
    release(root, ASSIGNMENT, with_solutions=False)
    raises = planted_bug("hooks", "KNearestNeighbor", TWO,
                         "raise ValueError(repr(X) + str(X[:20, :40].tolist()))", set(), "")
    nb = samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, [raises])
    nb.cells.insert(2, nbformat.v4.new_code_cell(HOOKS))
    nb.cells.append(nbformat.v4.new_code_cell(SHOW_STASH))
    samples.write_submission(root, STUDENT, ASSIGNMENT, {ASSIGNMENT: nb})
    (run,) = autograde_serially(root, ASSIGNMENT, [STUDENT], progress=False)
    print(f"{STUDENT}: {run.seconds:.1f} s {'ok' if run.ok else run.message}")
    assert run.ok, run.message
    run_nbgrader(root, "generate_feedback", ASSIGNMENT, "--force", "--HoldUngradedFeedback.allow_ungraded=True")
    return root


def texts(root):
    """Every file of the graded and the feedback folders, as text."""
    for folder in (root / "autograded" / STUDENT / ASSIGNMENT, root / "feedback" / STUDENT / ASSIGNMENT):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "cs231n" not in path.relative_to(folder).parts:
                yield path, path.read_bytes().decode("utf-8", "replace")


def test_honest_cells_keep_their_points(graded):
    rows = {row.student: row.cells for row in scores(graded, ASSIGNMENT)}
    assert rows[STUDENT] == EXPECTED


def test_the_hooks_ran_and_printed_what_they_saw(graded):
    nb = nbformat.read(graded / "autograded" / STUDENT / ASSIGNMENT / "knn.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    # Each hook saw the student's own cells: it would have printed a plan passing through them.
    for kind in ("[exec]", "[compile]", "[pre_run_cell]", "[transformer]", "[audit compile]", "[np.asarray]"):
        assert kind in printed, kind
    assert "the hooks saw" in printed


def test_no_plan_token_or_array_reaches_the_graded_notebook_or_the_feedback(graded):
    json_pieces, numbers = plan_fingerprints()
    assert len(json_pieces) > 20 and len(numbers) > 500  # the fingerprints are real
    files = dict(texts(graded))
    assert any(p.suffix == ".html" for p in files) and any(p.suffix == ".ipynb" for p in files)
    for path, text in files.items():
        for marker in ("cs231n_probe", "def run_plan", "__student__", '"token"', "$array", "$random",
                       "application/vnd.cs231n.probe+json"):
            assert marker not in text, (path, marker)
        assert not [piece for piece in json_pieces if piece in text], path
        leaked = [number for number in numbers if number in text]
        assert not leaked, (path, leaked[:5])


def test_the_inputs_a_failing_function_raised_with_do_not_reach_the_feedback(graded):
    nb = nbformat.read(graded / "autograded" / STUDENT / ASSIGNMENT / "knn.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                == "test_compute_distances_two_loops")
    (hidden,) = [o for o in cell.outputs if o.output_type == "error" and o.ename == "HiddenCheckFailed"]
    assert "raised ValueError" in hidden.evalue
    assert not re.search(r"\d\.\d", hidden.evalue)  # floats are cut from student messages
    assert len(hidden.evalue) < 2000


def test_fingerprints_would_catch_a_printed_plan():
    # The leak test above must be able to fail: a plan array printed by numpy or Python is found.
    _, numbers = plan_fingerprints()
    wire = get_check("knn.compute_distances_two_loops").plan().wire()
    array = decode_array(next(iter(wire["arrays"].values())))
    for printed in (repr(array), str(array.tolist()), np.array2string(array)):
        assert any(number in printed for number in numbers)
    assert base64.b64encode(array.tobytes()).decode()[:32] in plan_fingerprints()[0]


# The executor's part, without a kernel: what a probe cell does stays in the probe cell.

def executor_with_cells():
    from cs231n_lib.grading.execute import ResilientExecute
    from cs231n_lib.grading.preprocessors import probe_cell

    executor = ResilientExecute(timeout=120)
    earlier = nbformat.v4.new_code_cell("display('board', display_id='board')")
    earlier.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "'board'"})]
    probe = probe_cell("", "knn.predict_labels", "0" * 32, "{}")
    executor.nb = nbformat.v4.new_notebook(cells=[earlier, probe])
    executor._cells, executor._probes_started, executor._started = executor.nb.cells, None, 0.0
    executor._display_id_map = {"board": {0: [0]}}
    executor.widget_state = {"w": {"_model_name": "OutputModel", "outputs": []}}
    return executor, earlier, probe


def run(coroutine):
    import asyncio

    return asyncio.run(coroutine)


def test_a_probe_cell_cannot_update_an_earlier_cell_or_a_widget():
    executor, earlier, probe = executor_with_cells()

    async def hooked_run(cell, index, *args):
        # What a hook in the probe cell can make nbclient do: update the earlier display, fill a widget.
        message = {"header": {"msg_type": "update_display_data"}, "msg_type": "update_display_data",
                   "content": {"data": {"text/plain": "the plan"}, "metadata": {}, "transient": {}}}
        executor._update_display_id("board", message)
        executor.widget_state["w"]["outputs"] = ["the plan"]
        executor.widget_state["leak"] = {"_model_name": "x", "value": "the plan"}
        return cell, "timeout"

    executor._execute_resiliently = hooked_run
    run(executor._execute_probe(probe, 1, None, True))
    assert earlier.outputs[0]["data"] == {"text/plain": "'board'"}
    assert executor.widget_state == {"w": {"_model_name": "OutputModel", "outputs": []}}
    assert probe.metadata["cs231n_probe"]["event"] == "timeout" and probe.metadata["cs231n_probe"]["seconds"] == 120


def test_probe_cells_past_their_budget_are_not_run():
    executor, _, probe = executor_with_cells()
    executor._probes_started = -10_000.0

    async def never(*args):
        raise AssertionError("ran")

    executor._execute_resiliently = never
    run(executor._execute_probe(probe, 1, None, True))
    assert probe.metadata["cs231n_probe"]["event"] == "not_run"


def test_a_time_limit_names_the_limit_its_value_and_the_cell():
    executor, earlier, _ = executor_with_cells()
    earlier.metadata["nbgrader"] = {"grade_id": "test_knn_cross_validation"}
    earlier.outputs = [nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="",
                                              traceback=["CellTimeoutError: No reply from kernel before timeout"])]
    assert executor._explain_timeout(earlier, 11)
    (error,) = earlier.outputs
    assert error.evalue.startswith("cell 12 (grade id test_knn_cross_validation) ran past its 120 s time limit")
    assert "No reply from kernel" not in str(error)


class Reaper:
    def __init__(self, result):
        self.result = result

    def reap_background_processes(self):
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.mark.parametrize(("km", "note"), [
    (object(), None), (Reaper(0), None), (Reaper(RuntimeError("no cgroup")), None),
    (Reaper(1), "1 background process was left running by this cell and ended"),
    (Reaper(3), "3 background processes were left running by this cell and ended"),
])
def test_background_processes_left_by_a_cell_are_reaped_and_said(km, note):
    executor, earlier, _ = executor_with_cells()
    executor.km = km
    executor._reap_background_processes(earlier)
    notes = [o.text for o in earlier.outputs if o.output_type == "stream"]
    assert notes == ([f"[grader: {note}]\n"] if note else [])
