"""A Jupyter kernel that sees only what a release folder's requirements.txt installs, as on a student's
machine: the standard library and those distributions, not this project's environment (no grading
tools, no reference library cs231n_lib, no Dask)."""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement


def distributions_needed(requirements: list[str]) -> set[str]:
    """The distributions pip would install for requirements (extras ignored), by canonical name."""
    pending, found = [Requirement(line).name for line in requirements], set()
    while pending:
        name = pending.pop().lower().replace("_", "-")
        if name in found:
            continue
        found.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return found


def site_with_only(requirements: list[str], folder: Path) -> Path:
    """A folder of links to the installed files of exactly those distributions, for PYTHONPATH."""
    site = folder / "site"
    site.mkdir()
    for name in distributions_needed(requirements):
        distribution = metadata.distribution(name)
        base = Path(distribution.locate_file(""))
        for top in {Path(str(file)).parts[0] for file in distribution.files or []}:
            source = base / top
            if top not in {"..", "__pycache__"} and source.exists() and not (site / top).exists():
                (site / top).symlink_to(source)
    return site


def requirement_lines(folder: Path) -> list[str]:
    text = (folder / "requirements.txt").read_text()
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def write_kernelspec(jupyter_path: Path, name: str, release_folder: Path, work: Path) -> str:
    """A kernelspec `name` under jupyter_path (put it on JUPYTER_PATH) limited to release_folder's
    requirements; returns name."""
    site = site_with_only(requirement_lines(release_folder), work)
    spec_folder = jupyter_path / "kernels" / name
    spec_folder.mkdir(parents=True)
    # -S: no site-packages and no .pth files (this project's editable install is one). The same
    # interpreter, so the same standard library; PYTHONPATH holds only the required distributions.
    (spec_folder / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-S", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": name, "language": "python",
        "env": {"PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1", "MPLBACKEND": "agg",
                "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    }))
    return name
