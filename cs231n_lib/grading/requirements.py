"""What a release folder needs installed: the third-party modules its notebooks and the parts of
its package they reach import, plus Jupyter to run the notebooks and nbgrader to validate them."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat

from .course import REPO_ROOT, STUDENT_PACKAGE, get_assignment
from .student_code import parse_cell

# The distribution that provides each module a notebook or the student package may import. A module
# missing here stops the release: add it, and to pyproject.toml's dependencies, deliberately.
DISTRIBUTIONS = {
    "numpy": "numpy", "matplotlib": "matplotlib", "sklearn": "scikit-learn", "h5py": "h5py",
    "pooch": "pooch", "IPython": "ipython", "tqdm": "tqdm",
    # The pre-submission check (cs231n/check.py) runs the notebook as the grader does.
    "nbformat": "nbformat", "nbclient": "nbclient",
}
# To open and run the notebooks, and to run `nbgrader validate` before submitting.
ALWAYS = ("jupyterlab", "ipykernel", "nbgrader")


class UnlistedImport(ValueError):
    pass


def _imports(tree: ast.AST, package: str | None) -> set[str]:
    """Absolute dotted names imported anywhere in tree; relative imports resolved in package."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level and package is None:
                continue
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            prefix = ".".join(base + ([node.module] if node.module else []))
            names.add(prefix)
            names |= {f"{prefix}.{alias.name}" for alias in node.names}  # `from package import module`
    return names


def _package_file(package_root: Path, dotted: str) -> Path | None:
    relative = Path(*dotted.split("."))
    for candidate in (package_root / relative.with_suffix(".py"), package_root / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def third_party_imports(release_dir: Path, notebooks: tuple[str, ...]) -> set[str]:
    """Top-level names of the non-standard modules that the notebooks import, directly or through the
    modules of the student package they reach."""
    # Students run the pre-submission check as a program (`python -m cs231n.check`), not from the notebook.
    pending: set[str] = {f"{STUDENT_PACKAGE}.check"}
    for notebook in notebooks:
        nb = nbformat.read(release_dir / f"{notebook}.ipynb", as_version=4)
        for cell in nb.cells:
            tree = parse_cell(cell.source) if cell.cell_type == "code" else None
            if tree is not None:
                pending |= _imports(tree, None)
    seen, outside = set(), set()
    while pending:
        dotted = pending.pop()
        top = dotted.partition(".")[0]
        if top != STUDENT_PACKAGE:
            if top and top not in sys.stdlib_module_names:
                outside.add(top)
            continue
        parts = dotted.split(".")
        for depth in range(1, len(parts) + 1):  # importing a.b.c runs a, a.b and a.b.c
            name = ".".join(parts[:depth])
            path = _package_file(release_dir, name)
            if path is None or path in seen:
                continue
            seen.add(path)
            package = name if path.name == "__init__.py" else name.rpartition(".")[0]
            pending |= _imports(ast.parse(path.read_text()), package)
    return outside


def _declared_specifiers() -> dict[str, str]:
    """Distribution name -> its requirement as pyproject.toml states it (the versions the course is tested with)."""
    text = (REPO_ROOT / "pyproject.toml").read_text()
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.DOTALL | re.MULTILINE).group(1)
    declared = {}
    for requirement in re.findall(r'^\s*"([^"]+)"', block, re.MULTILINE):
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)
        declared[name.lower()] = re.sub(r"\[.*?\]", "", requirement)
    return declared


def requirements_text(assignment: str, release_dir: Path) -> str:
    spec = get_assignment(assignment)
    modules = third_party_imports(release_dir, spec.notebooks)
    unlisted = sorted(modules - set(DISTRIBUTIONS))
    if unlisted:
        raise UnlistedImport(f"{assignment} imports {', '.join(unlisted)}, which requirements.DISTRIBUTIONS "
                             "does not list")
    declared = _declared_specifiers()
    distributions = sorted({DISTRIBUTIONS[module] for module in modules} | set(ALWAYS))
    lines = [declared.get(name, name) for name in distributions]
    notebooks = ", ".join(f"{name}.ipynb" for name in spec.notebooks)
    return (f"# What {notebooks} and its package {STUDENT_PACKAGE}/ import (`python -m {STUDENT_PACKAGE}.check` too),\n"
            "# Jupyter to run it and nbgrader to validate it. In this folder: pip install -r requirements.txt\n"
            + "\n".join(lines) + "\n")
