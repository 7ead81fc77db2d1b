"""Score tables an instructor can read at a glance: terminal, CSV and HTML with a chart."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path

from . import safe_files
from .autograde import STATE_FILE, GradingRun
from .gradebook import StudentScores
from .grading_folder import grading_notes


def score_table(rows: list[StudentScores], cells: list[tuple[str, float]]) -> str:
    """A fixed-width table: one row per student, one column per graded cell, then the total."""
    names = [name.removeprefix("test_") for name, _ in cells]
    widths = [max(len(n), 5) for n in names]
    student_width = max([len("student"), *(len(r.student) for r in rows)])
    header = "student".ljust(student_width) + "  " + "  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))
    header += "  " + "total".rjust(11)
    lines = [header, "-" * len(header)]
    for row in rows:
        values = [
            f"{row.cells.get(name, 0):g}/{points:g}".rjust(width)
            for (name, points), width in zip(cells, widths, strict=True)
        ]
        total = f"{row.auto_total:g}/{sum(p for _, p in cells):g}".rjust(11)
        lines.append(row.student.ljust(student_width) + "  " + "  ".join(values) + "  " + total)
    return "\n".join(lines)


def write_csv(path: Path, rows: list[StudentScores], cells: list[tuple[str, float]]) -> None:
    """One row per student, one column per graded cell and the total; quoted for any LMS."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(["student", *(name for name, _ in cells), "auto_total", "auto_max", "needs_manual_grading"])
        for row in rows:
            writer.writerow([
                row.student,
                *(row.cells.get(name, 0.0) for name, _ in cells),
                row.auto_total,
                sum(points for _, points in cells),
                " ".join(row.needs_manual),
            ])


def _chart_png(rows: list[StudentScores], cells: list[tuple[str, float]], seconds: list[float]) -> bytes:
    """Score distribution, per-exercise pass rates and grading time, side by side."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    import numpy as np

    total = sum(points for _, points in cells)
    names = [name.removeprefix("test_") for name, _ in cells]
    figure, (distribution, per_cell, timing) = plt.subplots(1, 3, figsize=(15, 4.2))
    distribution.hist([row.auto_total for row in rows], bins=np.arange(0, total + 2) - 0.5, color="tab:blue")
    distribution.set_xlabel(f"auto-graded points (of {total:g})")
    distribution.set_ylabel("submissions")
    distribution.set_title("Score distribution")
    pass_rates = [
        100 * np.mean([row.cells.get(cell, 0.0) >= points for row in rows]) if rows else 0.0
        for cell, points in cells
    ]
    per_cell.barh(names, pass_rates, color="tab:green")
    per_cell.set_xlim(0, 100)
    per_cell.set_xlabel("% of submissions with full points")
    per_cell.set_title("Which exercises students pass")
    per_cell.invert_yaxis()
    if seconds:
        timing.hist(seconds, bins=min(20, max(3, len(seconds))), color="tab:orange")
    timing.set_xlabel("seconds to grade one submission")
    timing.set_ylabel("submissions")
    timing.set_title("Grading time")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


LIMIT_ERRORS = {
    "CellTimeoutError": "a cell hit its time limit",
    "KernelDied": "the kernel died (memory, os._exit, a signal)",
    "KernelWedged": "a cell ignored the time-limit interrupt",
    "NotebookTimeLimit": "the notebook used up its time limit",
    "MemoryError": "a cell hit the memory limit",
}


def incidents(course_root: Path, assignment: str) -> list[tuple[str, str]]:
    """(student, what happened) for every graded submission that hit a limit or could not be graded."""
    found = []
    graded = course_root / "autograded"
    for directory in sorted(graded.glob(f"*/{assignment}")):
        student = directory.parent.name
        if safe_files.linked_folder(graded, Path(student, assignment)):
            found.append((student, f"autograded/{student}/{assignment} is a link: not read"))
            continue
        folder = safe_files.scan(directory)
        state = _read_json(directory / STATE_FILE) if STATE_FILE in folder.files else {}
        if not state.get("ok", True):
            found.append((student, state.get("message") or "not graded"))
        found.extend((student, f"{reason}: not read") for _, reason in sorted(folder.refused.items()))
        for name, path in sorted(folder.files.items()):
            if not name.endswith(".ipynb") or "/" in name:
                continue
            notebook = _read_json(path)
            if not notebook:
                found.append((student, f"{name} is not a readable notebook"))
                continue
            found.extend((student, f"{path.stem}: {note}") for note in grading_notes(notebook))
            for cell in notebook.get("cells", []):
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "an ungraded cell")
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error" and output.get("ename") in LIMIT_ERRORS:
                        found.append((student, f"{path.stem}: {grade_id}: {LIMIT_ERRORS[output['ename']]}"))
    return found


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(safe_files.read_text(path, safe_files.MAX_NOTEBOOK_BYTES))
    except (safe_files.UnsafeFileError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def write_html(
    path: Path,
    assignment: str,
    rows: list[StudentScores],
    cells: list[tuple[str, float]],
    runs: list[GradingRun] | None = None,
    problems: list[tuple[str, str]] | None = None,
) -> Path:
    """An HTML page with charts (also written next to it as PNG), the score table and the incidents."""
    png = _chart_png(rows, cells, [run.seconds for run in runs or []])
    png_path = path.with_suffix(".png")
    png_path.write_bytes(png)
    head = "".join(f"<th>{html.escape(name)}<br><small>{points:g} pts</small></th>" for name, points in cells)
    body = []
    for row in rows:
        tds = "".join(
            f'<td class="{"full" if row.cells.get(c, 0) >= p else "lost"}">{row.cells.get(c, 0):g}</td>'
            for c, p in cells
        )
        body.append(f"<tr><th>{html.escape(row.student)}</th>{tds}<td><b>{row.auto_total:g}</b></td></tr>")
    timing = ""
    if runs:
        items = "".join(
            f"<li>{html.escape(r.student)}: {r.seconds:.1f} s"
            + (f' — <span class="lost">{html.escape(r.message)}</span>' if not r.ok
               else f" — {html.escape(r.message)}" if r.message else "")
            + "</li>"
            for r in runs
        )
        timing = f"<h2>Grading runs</h2><ul>{items}</ul>"
    if problems:
        items = "".join(f"<li>{html.escape(student)}: {html.escape(what)}</li>" for student, what in problems)
        timing = f"<h2>Limits hit and broken submissions</h2><ul>{items}</ul>" + timing
    total = sum(p for _, p in cells)
    path.write_text(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(assignment)} scores</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:center}}
.full{{background:#dfd}} .lost{{background:#fdd}}</style>
</head><body>
<h1>{html.escape(assignment)}: auto-graded scores (out of {total:g})</h1>
<p><img alt="score charts" src="data:image/png;base64,{base64.b64encode(png).decode()}"></p>
<table><tr><th>student</th>{head}<th>total</th></tr>{"".join(body)}</table>
{timing}
<p>Manually graded answers (inline questions) are not included; grade them in formgrader.</p>
</body></html>
""")
    return path
