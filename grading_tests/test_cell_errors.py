"""In a student's notebook, a cell that fails because an earlier cell failed names that cell (#16)."""

import sys

import nbformat
from nbclient import NotebookClient


def _run(cells, release_dir):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in [
        f"import sys\nsys.path.insert(0, {str(release_dir)!r})\nimport cs231n", *cells]])
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(release_dir)}}).execute()
    return [("".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream"),
             [o.ename for o in cell.outputs if o.output_type == "error"]) for cell in nb.cells[1:]]


def test_a_cascade_names_the_cell_that_failed_first(repo_root):
    release_dir = repo_root / "release" / "two_layer_net"
    outputs = _run([
        "history = []\nraise RuntimeError('training diverged at step 3')",  # In [2]
        "print(history[-1])",                                                # In [3]: IndexError
        "model = build_model()",                                             # In [4]: NameError
        "model.train()",                                                     # In [5]
        "history = [2.3]",                                                   # In [6]: fixed
        "print(history[-1])\nraise ValueError('unrelated')",                 # In [7]
    ], release_dir)
    printed, errors = outputs[1]
    assert errors == ["IndexError"]
    assert ("this cell uses history, set by the cell In [2] ('history = []') which failed with "
            "RuntimeError: training diverged at step 3") in printed, printed
    printed, errors = outputs[3]
    assert errors == ["NameError"] and "uses model, set by the cell In [4] ('model = build_model()')" in printed
    assert "NameError: name 'build_model' is not defined" in printed
    printed, errors = outputs[5]
    assert errors == ["ValueError"] and "Note:" not in printed  # history was set again by a cell that ran


def test_outside_ipython_importing_the_package_changes_nothing(repo_root, monkeypatch):
    monkeypatch.syspath_prepend(str(repo_root / "release" / "knn"))
    for name in [m for m in sys.modules if m == "cs231n" or m.startswith("cs231n.")]:
        monkeypatch.delitem(sys.modules, name)
    import cs231n.cell_errors

    cs231n.cell_errors.install()  # no IPython shell here: nothing registered, no error
    assert cs231n.cell_errors._failed == {}
