"""Check a notebook before submitting it: `python -m cs231n.check knn.ipynb` in the assignment's folder.

It does what the grader does with the checks you can see: restart, run every cell in order on one BLAS
thread with the grader's time limit per cell, and score each graded test cell (full points when it
raises no error). It also lists what costs points at grading even when the checks pass here: an
edited or deleted test cell (the grader puts the original back), a graded function or class that is
missing or renamed, a Python loop where the assignment bans loops, a cell over the time limit. An
import of something your folder lacks fails here as it does at grading. The grader also runs other
checks on the same cells; this tool knows nothing about them. Your notebook file is read, never changed: save it first.
"""

import ast
import json
import os
import sys
import time
from pathlib import Path

DATA_FILE = Path(__file__).with_name("check_data.json")
LOOPING_CALLS = {"vectorize", "apply_along_axis", "apply_over_axes", "fromiter", "frompyfunc", "map", "filter"}


def _parse(source):
    try:
        return ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                   for line in source.splitlines()))
    except SyntaxError:
        return None


def _definitions(cells):
    """Qualified name ("f", "Class", "Class.method") -> its syntax node, over the notebook's code cells."""
    found = {}
    for cell in cells:
        tree = _parse(cell["source"]) if cell["cell_type"] == "code" else None
        for node in tree.body if tree else []:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                found[node.name] = node
            if isinstance(node, ast.ClassDef):
                found.update({f"{node.name}.{item.name}": item for item in node.body
                              if isinstance(item, ast.FunctionDef)})
    return found


def _loop_in(node):
    for child in ast.walk(node):
        if isinstance(child, (ast.For, ast.AsyncFor, ast.While)):
            return f"a {type(child).__name__.lower()} loop (line {child.lineno} of its cell)"
        if isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return f"a comprehension (line {child.lineno} of its cell)"
        if isinstance(child, ast.Call):
            name = getattr(child.func, "attr", None) or getattr(child.func, "id", None)
            if name in LOOPING_CALLS:
                return f"a call to {name} (line {child.lineno} of its cell)"
    return None


def static_problems(notebook, data):
    """What costs points at grading, found without running anything."""
    problems = []
    cells = notebook["cells"]
    by_id = {}
    for index, cell in enumerate(cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            by_id.setdefault(grade_id, index)
    for grade_id, test in data["tests"].items():
        if grade_id not in by_id:
            problems.append(f"test cell {grade_id} is missing: the grader puts it back and runs it")
        elif cells[by_id[grade_id]]["source"].strip() != test["source"].strip():
            problems.append(f"test cell {grade_id} (cell {by_id[grade_id] + 1}) was edited: the grader puts the "
                            "original back, so your edits there do not count")
    definitions = _definitions(cells)
    for unit in data["units"]:
        if unit not in definitions:
            problems.append(f"{unit} is not defined at the top level of any cell (renamed or deleted?): "
                            "the checks that call it fail")
    for name in data["no_loops"]:
        loop = _loop_in(definitions[name]) if name in definitions else None
        if loop:
            problems.append(f"{name} must not use Python loops, but it uses {loop}; the grader also checks "
                            "the notebook functions it calls")
    return problems


def run(path, data, kernel_name="python3"):
    """Run a copy of the notebook as the grader does; (executed notebook, seconds per cell)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"  # inherited by the kernel, as in the grader
    client = NotebookClient(notebook, timeout=data["cell_timeout"], kernel_name=kernel_name, allow_errors=True,
                            interrupt_on_timeout=True, resources={"metadata": {"path": str(Path(path).parent)}})
    seconds = {}
    original = client.async_execute_cell

    async def timed(cell, cell_index, *args, **kwargs):
        started = time.perf_counter()
        try:
            return await original(cell, cell_index, *args, **kwargs)
        finally:
            seconds[cell_index] = time.perf_counter() - started

    client.async_execute_cell = timed
    client.execute()
    return notebook, seconds


def verdicts(notebook, data):
    """grade id -> (points, passed, first error line) of every graded test cell."""
    found = {}
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in data["tests"]:
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            first = f"{errors[0]['ename']}: {str(errors[0]['evalue']).splitlines()[0][:100]}" if errors and \
                str(errors[0]["evalue"]).strip() else (errors[0]["ename"] if errors else "")
            found[grade_id] = (data["tests"][grade_id]["points"], not errors, first)
    return found


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    data = json.loads(DATA_FILE.read_text())
    if len(argv) != 1 or not argv[0].endswith(".ipynb"):
        print(f"usage: python -m cs231n.check <notebook>.ipynb   (this folder's: {', '.join(data['notebooks'])})")
        return 2
    path = Path(argv[0])
    notebook_data = data["notebooks"].get(path.stem)
    if notebook_data is None:
        print(f"{path.name} is not a notebook of {data['assignment']} (its notebooks: "
              f"{', '.join(name + '.ipynb' for name in data['notebooks'])}); the grader looks only for those names")
        return 2
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        cells = [{"cell_type": c.get("cell_type"), "metadata": c.get("metadata", {}),
                  "source": "".join(c["source"]) if isinstance(c.get("source"), list) else c.get("source", "")}
                 for c in raw["cells"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"{path} cannot be read as a notebook: {error}")
        return 2
    problems = static_problems({"cells": cells}, notebook_data)
    print(f"Running {path.name} as the grader will: a fresh kernel, every cell in order, one BLAS thread, "
          f"at most {data['cell_timeout']:g} s per cell ...", flush=True)
    executed, seconds = run(path, data)
    for index, took in sorted(seconds.items()):
        if took >= data["cell_timeout"]:
            problems.append(f"cell {index + 1} hit the {data['cell_timeout']:g} s limit: the grader stops it too")
    results = verdicts(executed, notebook_data)
    width = max([len("graded cell"), *(len(name) for name in results)])
    print(f"\n{'graded cell'.ljust(width)}  points  visible checks")
    for grade_id, (points, passed, error) in results.items():
        print(f"{grade_id.ljust(width)}  {points:>6g}  {'pass' if passed else 'FAIL  ' + error}")
    earned = sum(points for points, passed, _ in results.values() if passed)
    total = sum(points for points, _, _ in results.values())
    print(f"\nVisible checks pass for {earned:g} of {total:g} points. When you submit, hidden checks also grade "
          f"these cells, and your written answers are graded by hand.")
    if problems:
        print("\nThese cost points at grading:")
        print("".join(f"  - {problem}\n" for problem in problems), end="")
    else:
        print("Nothing else found that would cost points.")
    return 0 if earned == total and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
