"""A new assignment from a template: its library module, its grading module and its source notebook.

The template holds the smallest complete assignment: one graded unit (``sigmoid_forward``) with
its reference, one hidden check, one planted bug and a notebook that teaches it. An instructor
replaces the unit with theirs; every step after this one is the README's "Adding an exercise".
The only edit outside the three files is the assignment's name in ``course.RELEASE_ORDER``.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from string import Template

import nbformat

from .course import GRADING_PACKAGE, LIBRARY_PACKAGE, RELEASE_ORDER

UNIT = "sigmoid_forward"

LIBRARY_MODULE = Template('''"""The layers of the $name assignment."""

import numpy as np


def sigmoid_forward(x):
    """Logistic sigmoid, elementwise: out = 1 / (1 + exp(-x)).

    Inputs:
    - x: input, of any shape

    Returns a tuple of:
    - out: output, of the same shape as x, each entry in [0, 1]
    - cache: out, for a backward pass
    """
    out = None
    ###########################################################################
    # TODO: Compute the sigmoid without overflow for inputs of any size.     #
    ###########################################################################
    ### BEGIN SOLUTION
    out = np.exp(-np.logaddexp(0, -x))  # 1 / (1 + exp(-x)), with no exp of a large number
    ### END SOLUTION
    cache = out
    return out, cache
''')

GRADING_MODULE = Template('''"""The $name assignment: its graded units, hidden checks and planted bugs."""

from __future__ import annotations

import numpy as np

from ..check_helpers import run_keeping_inputs
from ..checks import hidden_check
from ..course import assignment_defined_in, units_in
from ..plan import Plan
from ..samples import planted_bug
from ..student_code import forbid_loops

TOL = 1e-9


@hidden_check(unit="sigmoid_forward", static=(forbid_loops("sigmoid_forward"),))
def sigmoid_forward(plan: Plan, rng: np.random.Generator) -> None:
    # Entries far out on both sides, where exp overflows: exp(x) / (1 + exp(x)) returns nan there.
    cases = [rng.normal(size=(4, 5)), rng.normal(scale=400.0, size=(3, 2, 2)), np.array([-745.0, 0.0, 745.0])]
    for x in cases:
        name = f"sigmoid_forward on x of shape {x.shape}"
        result = run_keeping_inputs(plan, name, "sigmoid_forward", x)
        plan.expect_close(plan.item(result, 0, record=True), name + " (out)", TOL)


PLANTED_BUGS = (
    planted_bug(
        "sigmoid_of_minus_x", "sigmoid_forward",
        "out = np.exp(-np.logaddexp(0, -x))",
        "out = np.exp(-np.logaddexp(0, x))",
        {"test_sigmoid_forward"}, "computes sigmoid(-x): the sign of the exponent flipped",
    ),
)

ASSIGNMENT = assignment_defined_in(
    globals(),
    units=units_in("$name", "sigmoid_forward"),
    demo_bugs=("sigmoid_of_minus_x",),
)
''')

INTRODUCTION = Template("""# $title

In this notebook you write one layer, `sigmoid_forward`, the logistic function used by binary classifiers and
by the gates of an LSTM.

**What you build and how it is graded.** Each graded cell (marked by its points) first runs *visible checks*
on small fixed inputs that you can read and run yourself, and then, when you submit, *hidden checks* on other
inputs that compare your results with the staff's. Write your code only where it says `YOUR CODE HERE`; do not
rename the functions or their arguments.

**Where you write code.** Every function you write is in a cell of this notebook, at `YOUR CODE HERE`; that
copy is the one graded.

**Before you submit**, save the notebook and run `python -m cs231n.check $name.ipynb` in this folder: it runs
the notebook as the grader will and prints each graded cell's points.""")

SETUP = "import numpy as np"

TASK = """## Sigmoid: forward

Implement `sigmoid_forward(x)`: `out = 1 / (1 + exp(-x))` elementwise, for `x` of any shape, without Python
loops and without overflow: `np.exp(800)` is `inf`, so write it in a form that never exponentiates a large
positive number.

**Contract.** Graded: `out` (relative error `1e-9`), for inputs of several shapes with entries as large as a
few hundred in magnitude, and `x` unchanged after the call. The cache is given (`out`)."""

VISIBLE_CHECK = """x = np.array([[-2.0, 0.0, 2.0], [-800.0, 1.0, 800.0]])
out, _ = sigmoid_forward(x)
correct_out = np.array([[0.11920292202211755, 0.5, 0.8807970779778823], [0.0, 0.7310585786300049, 1.0]])
print("expected:\\n", correct_out, "\\nyours:\\n", out)
assert np.shape(out) == x.shape, f"out should have shape {x.shape}, got {np.shape(out)}"
error = np.max(np.abs(out - correct_out))
print("largest difference:", error)
assert error < 1e-9, "out differs from the expected values"
### BEGIN HIDDEN TESTS
# cs231n-hidden-check: $name.sigmoid_forward
### END HIDDEN TESTS"""


def _grade_metadata(grade_id: str, solution: bool, points: int | None = None) -> dict:
    metadata = {"grade": points is not None, "grade_id": grade_id, "locked": not solution,
                "schema_version": 3, "solution": solution}
    if points is not None:
        metadata["points"] = points
    return {"nbgrader": metadata}


def source_notebook(name: str, unit_source: str) -> nbformat.NotebookNode:
    """The assignment's source notebook: introduction, set-up, then the unit's task, cell and test."""
    cells = [
        nbformat.v4.new_markdown_cell(INTRODUCTION.substitute(name=name, title=name.replace("_", " ").capitalize())),
        nbformat.v4.new_code_cell(SETUP),
        nbformat.v4.new_markdown_cell(TASK),
        nbformat.v4.new_code_cell(unit_source, metadata=_grade_metadata(UNIT, solution=True)),
        nbformat.v4.new_code_cell(Template(VISIBLE_CHECK).substitute(name=name),
                                  metadata=_grade_metadata(f"test_{UNIT}", solution=False, points=2)),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                        "name": "python3"}, "language_info": {"name": "python"}}
    return notebook


def assignment_files(course_root: Path, name: str) -> dict[Path, str]:
    """Where the new assignment's three files go, with their text."""
    library = LIBRARY_MODULE.substitute(name=name)
    unit_source = library[library.index(f"def {UNIT}("):].rstrip("\n")
    return {
        course_root / LIBRARY_PACKAGE / f"{name}.py": library,
        course_root / LIBRARY_PACKAGE / GRADING_PACKAGE / "assignments" / f"{name}.py":
            GRADING_MODULE.substitute(name=name),
        course_root / "source" / name / f"{name}.ipynb": nbformat.writes(source_notebook(name, unit_source)) + "\n",
    }


def name_problem(course_root: Path, name: str) -> str | None:
    """Why name cannot be a new assignment of the course at course_root, or None."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        return f"{name!r} is not a valid assignment name (lower case letters, digits and _, a letter first)"
    if name in RELEASE_ORDER:
        return f"the course already has an assignment {name!r}"
    taken = [path for path in assignment_files(course_root, name) if path.exists() or path.is_symlink()]
    taken += [path for path in (course_root / LIBRARY_PACKAGE / name,) if path.exists()]
    if taken:
        return f"{taken[0].relative_to(course_root)} already exists"
    return None


def write_assignment(course_root: Path, name: str) -> list[Path]:
    """Write the new assignment's library module, grading module and source notebook; never overwrite."""
    problem = name_problem(course_root, name)
    if problem:
        raise ValueError(problem)
    files = assignment_files(course_root, name)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x") as file:  # "x": a file that appeared meanwhile is not overwritten
            file.write(text)
    return list(files)
