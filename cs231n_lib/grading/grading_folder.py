"""nbgrader plug-ins that guard the grading folder and the graded notebook's structure and size.

Inserted into nbgrader's pipelines by nbgrader_config.py (so plain ``nbgrader autograde`` and
``cs231n-course autograde`` both use them):

- ``SafeNotebookExporter`` / ``SafeFeedbackExporter`` read every notebook nbgrader converts without
  following links or blocking on FIFOs, below a size limit (see safe_files);
- ``DropUnsafeSubmissionFiles`` (first sanitize step) deletes from the grading copy whatever was a
  link, FIFO or oversized file in the submission (nbgrader copied it following links);
- ``CheckGradingStructure`` turns tampered nbgrader metadata (an added graded cell, a test cell
  turned into a solution or markdown, a duplicate grade id) into one clear note each;
- ``PrepareGradingDirectory`` before execution, ``LimitOutputSize`` and ``HideGraderPaths`` after it;
- ``SecureGradingFolder`` (last autograde step) removes whatever the kernel planted in its folder
  (links, FIFOs, hard links, sparse or huge files) before nbgrader writes and chmods it.

Notes for the instructor and the student go into a markdown cell at the top of the graded notebook
(so into the feedback) and into nbgrader's log as ``Grading note: ...`` (so into the run summary).
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters import HTMLExporter, NotebookExporter
from nbformat import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor, OverwriteCells
from traitlets import Integer, Unicode

from . import safe_files
from .course import REPO_ROOT, STUDENT_PACKAGE
from .gradebook import Gradebook

# The prefix of every note in nbgrader's log; run.verdict collects these lines.
NOTE_PREFIX = "Grading note: "
NOTES_KEY = "cs231n_grading_notes"


def add_grading_note(nb: NotebookNode, note: str, log: logging.Logger | None = None) -> None:
    """Record a note in the notebook's notes cell (created at the top) and in the log."""
    if log is not None:
        log.warning("%s%s", NOTE_PREFIX, note)
    cell = nb.cells[0] if nb.cells and NOTES_KEY in nb.cells[0].get("metadata", {}) else None
    if cell is None:
        cell = nbformat.v4.new_markdown_cell(metadata={NOTES_KEY: []})
        nb.cells.insert(0, cell)
    if note not in cell.metadata[NOTES_KEY]:
        cell.metadata[NOTES_KEY].append(note)
    cell.source = "**Grading notes** (from the autograder):\n\n" + "\n".join(
        f"- {text}" for text in cell.metadata[NOTES_KEY])


def grading_notes(nb: dict[str, Any]) -> list[str]:
    """The notes add_grading_note left in a (graded) notebook, given as nbformat or plain JSON."""
    cells = nb.get("cells") or [{}]
    return list(cells[0].get("metadata", {}).get(NOTES_KEY, []))


class _SafeReading:
    """Read the notebook without following a link, blocking on a FIFO or loading 100 GB."""

    def from_filename(self, filename: str, resources: dict[str, Any] | None = None, **kw: Any):
        text = safe_files.read_text(filename, safe_files.MAX_NOTEBOOK_BYTES, name=filename)
        resources = {} if resources is None else resources
        if not resources.get("metadata"):
            resources["metadata"] = {}
        path, basename = os.path.split(filename)
        resources["metadata"]["name"] = os.path.splitext(basename)[0]
        resources["metadata"]["path"] = path
        modified = datetime.datetime.fromtimestamp(os.lstat(filename).st_mtime, tz=datetime.timezone.utc)
        resources["metadata"]["modified_date"] = modified.strftime("%B %-d, %Y")
        return self.from_file(io.StringIO(text), resources=resources, **kw)


class SafeNotebookExporter(_SafeReading, NotebookExporter):
    """nbgrader autograde's exporter (``Autograde.exporter_class``)."""


class SafeFeedbackExporter(_SafeReading, HTMLExporter):
    """nbgrader generate_feedback's exporter (``GenerateFeedback.exporter_class``)."""


def _course_directory(preprocessor: NbGraderPreprocessor):
    """The running nbgrader converter's CourseDirectory (preprocessor -> exporter -> converter)."""
    exporter = getattr(preprocessor, "parent", None)
    return getattr(getattr(exporter, "parent", None), "coursedir", None)


class DropUnsafeSubmissionFiles(NbGraderPreprocessor):
    """Delete from the grading copy what was a link, FIFO or oversized file in the submission.

    nbgrader copies submitted/<student>/<assignment> into autograded/ with shutil.copy, following
    links: a link to a classmate's notebook, /etc/passwd or the gradebook arrives as its target's
    content, for the kernel to run and for generate_feedback to hand back. This runs first in the
    sanitize pass, before any kernel exists, and removes those copies.
    """

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        coursedir = _course_directory(self)
        if coursedir is None:
            self.log.warning("No nbgrader course directory: cannot check the submission's files")
            return nb, resources
        student, assignment = resources["nbgrader"]["student"], resources["nbgrader"]["assignment"]
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        graded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        linked = safe_files.linked_folder(submitted.parent.parent, Path(student, assignment))
        if linked:  # the notebook was read through it already: refuse the whole submission
            raise safe_files.UnsafeFileError(f"{linked}: not followed, the submission is not graded")
        for relative, reason in sorted(safe_files.scan(submitted).refused.items()):
            if relative.endswith(".ipynb"):
                continue  # never copied by nbgrader; the exporter refuses a linked notebook
            safe_files.remove_entry(graded / relative)
            add_grading_note(nb, f"{reason}: left out of grading", self.log)
        return nb, resources


class SecureGradingFolder(NbGraderPreprocessor):
    """Last autograde step: make the grading folder safe for nbgrader to write, chmod and copy.

    The kernel ran in this folder and may have replaced the notebook by a link (or a hard link)
    to the gradebook, left a FIFO named like a notebook, or a 100 GB sparse file. nbgrader next
    writes the notebook by opening its path, chmods every file (following links), and
    generate_feedback copies the folder: all of it is removed here, the folder itself is made a
    real folder again, and the notebook's own path is unlinked so that nbgrader creates it fresh.
    """

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        # autograded/<student>/<assignment>: only the last two a kernel could have replaced by a link.
        folder = safe_files.real_directory(folder.parent.parent, Path(folder.parent.name, folder.name))
        for reason in safe_files.clean_folder(folder):
            add_grading_note(nb, f"{reason}: removed from the grading folder", self.log)
        safe_files.remove_entry(folder / f"{resources['nbgrader']['notebook']}.ipynb")
        return nb, resources


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
    cut to max_characters and any rich output larger than max_bytes is replaced by a note. The
    outputs of the whole notebook are capped at max_total_bytes: 150 displays just under
    max_bytes each would otherwise make a notebook of 300 MB. Error outputs are never removed
    (nbgrader scores a cell by them), only their tracebacks shortened.
    """

    max_characters = Integer(100_000, help="Characters kept of each stream output.").tag(config=True)
    max_bytes = Integer(2_000_000, help="Largest rich output (an image, HTML) kept.").tag(config=True)
    max_total_bytes = Integer(20_000_000, help="Outputs kept in the whole notebook.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        kept = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for index, output in enumerate(cell.outputs):
                output = cell.outputs[index] = self._limit_one(output)
                size = output_size(output)
                if output.output_type != "error" and kept + size > self.max_total_bytes:
                    cell.outputs[index] = note_output(
                        f"[an output of {size} bytes was removed: the notebook's outputs passed the "
                        f"{self.max_total_bytes} bytes limit]\n")
                    size = output_size(cell.outputs[index])
                kept += size
        return nb, resources

    def _limit_one(self, output: NotebookNode) -> NotebookNode:
        if output.output_type == "stream" and len(output.get("text", "")) > self.max_characters:
            dropped = len(output.text) - self.max_characters
            output.text = output.text[: self.max_characters] + f"\n... [{dropped} more characters cut]\n"
        elif output.output_type in ("display_data", "execute_result"):
            size = output_size(output)
            if size > self.max_bytes:
                return note_output(f"[an output of {size} bytes was removed: larger than {self.max_bytes} bytes]\n")
        elif output.output_type == "error" and output_size(output) > self.max_characters:
            lines = output.get("traceback", [])
            output.traceback = [line[: self.max_characters // 10] for line in lines[:5]] + (
                [f"... [{len(lines) - 5} more traceback lines cut]"] if len(lines) > 5 else [])
        return output


class HideGraderPaths(NbGraderPreprocessor):
    """Write the grader's folders as the student knows them in every output of the graded notebook.

    A traceback through the student package names the grading folder (a throwaway course under
    /tmp, or the course itself) and the staff's Python install: staff paths, which mean nothing
    to the student. The grading folder becomes the assignment's name (the student's own folder is
    called so); the course, the staff repository and the Python install become placeholders.
    """

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        folder = os.path.realpath(resources.get("metadata", {}).get("path") or ".")
        assignment = str(resources.get("nbgrader", {}).get("assignment") or "your folder")
        coursedir = _course_directory(self)
        course = os.path.realpath(coursedir.root) if coursedir is not None else str(REPO_ROOT)
        replacements = [(folder, assignment), (course, "<course>"), (str(REPO_ROOT), "<course>"),
                        (os.path.realpath(sys.prefix), "<python>"), (sys.prefix, "<python>"),
                        (os.path.realpath(sys.base_prefix), "<python>"), (sys.base_prefix, "<python>")]
        # Longest first: the grading folder lies inside the course.
        replacements = sorted({old: new for old, new in replacements if len(old) > 1}.items(),
                              key=lambda item: -len(item[0]))
        for cell in nb.cells:
            if cell.cell_type == "code":
                for output in cell.outputs:
                    _replace_in_output(output, replacements)
        return nb, resources


def _replace_in_output(output: NotebookNode, replacements: list[tuple[str, str]]) -> None:
    def scrub(text: str) -> str:
        for old, new in replacements:
            text = text.replace(old, new)
        return text

    if output.output_type == "stream":
        output.text = scrub(output.get("text", ""))
    elif output.output_type == "error":
        output.evalue = scrub(str(output.get("evalue", "")))
        output.traceback = [scrub(str(line)) for line in output.get("traceback", [])]
    else:
        for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
            value = output.get("data", {}).get(mime)
            if isinstance(value, str):
                output.data[mime] = scrub(value)
            elif isinstance(value, list):
                output.data[mime] = [scrub(str(line)) for line in value]


def output_size(output: NotebookNode) -> int:
    """Characters an output adds to the notebook (near enough its bytes in JSON)."""
    if output.output_type == "stream":
        return len(output.get("text", ""))
    if output.output_type == "error":
        return sum(len(str(line)) for line in output.get("traceback", [])) + len(str(output.get("evalue", "")))
    return sum(len(str(value)) for value in output.get("data", {}).values())


def note_output(text: str) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=text)


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


KIND_NAMES = {"test": "a test cell", "solution": "a solution cell", "task": "a task cell",
              "answer": "a manually graded answer cell", "locked": "a read-only cell", "plain": "an ordinary cell"}


def cell_kind(grade: bool, solution: bool, task: bool, locked: bool) -> str:
    if task:
        return "task"
    if grade and solution:
        return "answer"
    if grade:
        return "test"
    if solution:
        return "solution"
    return "locked" if locked else "plain"


class CheckGradingStructure(NbGraderPreprocessor):
    """Compare each graded cell's nbgrader metadata with the gradebook; restore it, with a note.

    nbgrader 0.9.6 fails the whole submission with ``KeyError: 'grade_id'`` on an added graded cell
    and ``Inconsistent checksums`` on a test cell turned into a solution cell. Here (before
    DeduplicateIds and OverwriteCells) an unknown grade id becomes an ordinary cell worth nothing,
    a known cell gets its kind, points and type back (OverwriteCells then restores a test cell's
    source), the extra copies of a duplicated id become ordinary cells, and a deleted graded cell
    is noted (OverwriteCells adds it back). Each case is one note.
    """

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        info = resources["nbgrader"]
        try:
            expected = self._expected_cells(info["db_url"], info["notebook"], info["assignment"])
        except MissingEntry:
            return nb, resources  # nbgrader reports an unknown notebook itself
        notes: list[str] = []
        seen: dict[str, int] = {}
        for cell in reversed(nb.cells):  # the last copy of a duplicated id is graded, as in nbgrader
            self._check_cell(cell, expected, seen, notes)
        for grade_id, count in seen.items():
            if count > 1:
                notes.append(f"grade id '{grade_id}' appears {count} times: only its last copy is graded")
        for grade_id, spec in expected.items():
            if grade_id not in seen and spec["grade"]:
                notes.append(f"graded cell '{grade_id}' is missing (deleted, or its grading metadata removed): "
                             "restored from the assignment")
        for note in notes:
            add_grading_note(nb, note, self.log)
        return nb, resources

    @staticmethod
    def _expected_cells(db_url: str, notebook: str, assignment: str) -> dict[str, dict[str, Any]]:
        with Gradebook(db_url) as gradebook:
            source = gradebook.find_notebook(notebook, assignment)
            points = {cell.name: float(cell.max_score) for cell in source.grade_cells + source.task_cells}
            solutions = {cell.name for cell in source.solution_cells}
            tasks = {cell.name for cell in source.task_cells}
            return {cell.name: {"grade": cell.name in points and cell.name not in tasks,
                                "solution": cell.name in solutions, "task": cell.name in tasks,
                                "locked": bool(cell.locked), "points": points.get(cell.name),
                                "cell_type": cell.cell_type}
                    for cell in source.source_cells}

    def _check_cell(self, cell: NotebookNode, expected: dict[str, dict[str, Any]], seen: dict[str, int],
                    notes: list[str]) -> None:
        metadata = cell.get("metadata", {})
        if "nbgrader" not in metadata:
            return
        meta = metadata["nbgrader"]
        if not isinstance(meta, dict):
            meta = {}
        grade_id = meta.get("grade_id")
        flags = [bool(meta.get(key)) for key in ("grade", "solution", "task", "locked")]
        if grade_id not in expected or seen.get(grade_id):
            if grade_id in expected:
                seen[grade_id] += 1
            elif any(flags):
                name = f"'{grade_id}'" if grade_id else "without a grade id"
                notes.append(f"graded cell {name} is not part of the assignment: it earns no points")
            del metadata["nbgrader"]
            return
        seen[grade_id] = 1
        spec = expected[grade_id]
        was, should = cell_kind(*flags), cell_kind(spec["grade"], spec["solution"], spec["task"], spec["locked"])
        changed = [f"from {KIND_NAMES[should]} into {KIND_NAMES[was]}"] if was != should else []
        if cell.cell_type != spec["cell_type"]:
            changed.append(f"from {spec['cell_type']} into {cell.cell_type}")
            _set_cell_type(cell, spec["cell_type"])
        if spec["grade"] and _points(meta) != spec["points"]:
            changed.append(f"from {spec['points']:g} points to {meta.get('points')!s:.20}")
        if changed:
            notes.append(f"cell '{grade_id}' was changed {' and '.join(changed)}: restored from the assignment")
        metadata["nbgrader"] = {"grade_id": grade_id, "grade": spec["grade"], "solution": spec["solution"],
                                "locked": spec["locked"], "schema_version": meta.get("schema_version", 3)}
        if spec["task"]:
            metadata["nbgrader"]["task"] = True
        if spec["points"] is not None:
            metadata["nbgrader"]["points"] = spec["points"]


class OverwriteCellsQuietly(OverwriteCells):
    """nbgrader's OverwriteCells, without its checksum warning for a read-only cell left as released.

    The release strips the hidden tests, so every untouched test cell's checksum differs from the
    source's and nbgrader warned about each one of every submission (upstream jupyter/nbgrader#1961),
    burying real edits. The warning stays for a cell that differs from what the student was given.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any],
                        cell_index: int) -> tuple[NotebookNode, dict[str, Any]]:
        self._cell = cell
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name: str, attr: str, old: Any, new: Any) -> None:
        if attr == "checksum" and self._as_released(name):
            self.log.debug("cell %s is as released (hidden tests stripped): checksum differs as expected", name)
            return
        super().report_change(name, attr, old, new)

    def _as_released(self, grade_id: str) -> bool:
        source = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        released = NotebookNode(cell_type=source.cell_type, source=source.source, metadata={})
        ClearHiddenTests(parent=self)._remove_hidden_test_region(released)
        return released.source.strip() == str(self._cell.source).strip()


def _set_cell_type(cell: NotebookNode, cell_type: str) -> None:
    cell.cell_type = cell_type
    if cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _points(meta: dict[str, Any]) -> float | None:
    try:
        return float(meta["points"])
    except (KeyError, TypeError, ValueError):
        return None
