"""nbgrader plug-ins that guard the grading folder and the graded notebook's structure and size.

Inserted into nbgrader's pipelines by nbgrader_config.py: ``DropBrokenGradingMetadata`` among the
sanitize preprocessors, ``PrepareGradingDirectory`` before execution, ``LimitOutputSize`` after it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer, Unicode

from .course import REPO_ROOT, STUDENT_PACKAGE


class PrepareGradingDirectory(NbGraderPreprocessor):
    """Give the kernel the master student package and nothing a submission could shadow it with."""

    release_directory = Unicode(
        str(REPO_ROOT / "release"), help="Where the generated student packages live, one per assignment."
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        directory = Path(resources.get("metadata", {}).get("path") or ".")
        assignment = resources.get("nbgrader", {}).get("assignment")
        master = Path(self.release_directory) / str(assignment) / STUDENT_PACKAGE
        for entry in directory.iterdir():
            shadows = entry.suffix in {".py", ".pth", ".so", ".pyc"} or (entry / "__init__.py").exists()
            if shadows or entry.name == STUDENT_PACKAGE:
                self.log.warning("Removing %s from the grading copy (graded with the master package)", entry)
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        if master.is_dir():
            shutil.copytree(master, directory / STUDENT_PACKAGE)
        else:
            self.log.warning("No student package at %s; notebooks that import it will fail", master)
        return nb, resources


class LimitOutputSize(NbGraderPreprocessor):
    """Cap what a cell can write into the graded notebook and the feedback.

    nbgrader's LimitOutput counts lines, so one 100 MB line passes it; here every stream is
    cut to max_characters and any rich output larger than max_bytes is replaced by a note.
    """

    max_characters = Integer(100_000, help="Characters kept of each stream output.").tag(config=True)
    max_bytes = Integer(2_000_000, help="Largest rich output (an image, HTML) kept.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for index, output in enumerate(cell.outputs):
                if output.output_type == "stream" and len(output.get("text", "")) > self.max_characters:
                    dropped = len(output.text) - self.max_characters
                    output.text = output.text[: self.max_characters] + f"\n... [{dropped} more characters cut]\n"
                elif output.output_type in ("display_data", "execute_result"):
                    size = sum(len(str(value)) for value in output.get("data", {}).values())
                    if size > self.max_bytes:
                        cell.outputs[index] = NotebookNode(
                            output_type="stream", name="stdout",
                            text=f"[an output of {size} bytes was removed: larger than {self.max_bytes} bytes]\n")
        return nb, resources


class DropBrokenGradingMetadata(NbGraderPreprocessor):
    """Remove nbgrader metadata that has no grade_id (left by DeduplicateIds on a copied cell).

    nbgrader 0.9.6's OverwriteCells then raises KeyError('grade_id') and fails the whole
    submission; without the metadata the copy is an ordinary cell and grading goes on.
    """

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        for cell in nb.cells:
            metadata = cell.get("metadata", {})
            if "nbgrader" in metadata and not metadata["nbgrader"].get("grade_id"):
                del metadata["nbgrader"]
        return nb, resources
