"""Score tables an instructor can read at a glance: terminal, CSV and HTML with a chart."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path

from . import limit_errors, safe_files
from .gradebook import StudentScores
from .grading_folder import grading_notes
from .markers import grade_id
from .run import STATE_FILE, GradingRun, read_state

TABLE_WIDTH = 100  # columns of a terminal; wider tables wrap into blocks of cells
CELL_NAME_WIDTH = 16


def _short(name: str) -> str:
    """A cell name in CELL_NAME_WIDTH characters; the middle goes, since names differ at their ends
    (word_embedding_forward, word_embedding_backward)."""
    name = name.removeprefix("test_")
    if len(name) <= CELL_NAME_WIDTH:
        return name
    head = (CELL_NAME_WIDTH - 1) // 2
    return name[:head] + "…" + name[-(CELL_NAME_WIDTH - 1 - head):]


def maximum_grade(rows: list[StudentScores], cells: list[tuple[str, float]]) -> float:
    """The assignment's maximum: its autograded cells plus its written answers (which only the
    gradebook's rows know)."""
    return max([sum(points for _, points in cells), *(sum(row.max_points.values()) for row in rows)])


def score_table(rows: list[StudentScores], cells: list[tuple[str, float]], width: int = TABLE_WIDTH) -> str:
    """A fixed-width table: one row per student, a column per graded cell, then written answers,
    late penalty and grade. Cell names are shortened and the cell columns wrap into blocks so that
    no line is wider than `width`; the student column repeats in every block."""
    total = sum(points for _, points in cells)
    grade_max = maximum_grade(rows, cells)
    written_max = grade_max - total
    columns = [(_short(name), [f"{row.cells.get(name, 0):g}/{points:g}" for row in rows]) for name, points in cells]
    if written_max:
        columns.append(("written", [f"{sum(r.written.values()):g}/{written_max:g}" for r in rows]))
    if any(row.late_penalty for row in rows):
        columns.append(("late", [f"-{r.late_penalty:g}" if r.late_penalty else "" for r in rows]))
    columns.append(("grade", [f"{row.score:g}/{grade_max:g}" + ("" if row.submitted else " (none)")
                              + (" *" if row.needs_manual else "") for row in rows]))
    student_width = max([len("student"), *(len(r.student) for r in rows)])
    blocks, block, used = [], [], student_width
    for name, values in columns:
        column_width = max([len(name), *(len(v) for v in values)])
        if block and used + 2 + column_width > width:
            blocks.append(block)
            block, used = [], student_width
        block.append((name, values, column_width))
        used += 2 + column_width
    blocks.append(block)
    lines = []
    for block in blocks:
        header = "student".ljust(student_width) + "".join("  " + name.rjust(w) for name, _, w in block)
        if lines:
            lines.append("")
        lines += [header, "-" * len(header)]
        for index, row in enumerate(rows):
            lines.append(row.student.ljust(student_width) + "".join("  " + values[index].rjust(w)
                                                                    for _, values, w in block))
    if any(row.needs_manual for row in rows):
        lines.append("* answers still to grade by hand (formgrader); the grade may rise")
    return "\n".join(lines)


def write_csv(path: Path, rows: list[StudentScores], cells: list[tuple[str, float]]) -> None:
    """One row per student: each graded cell, then the totals with nbgrader export's names; quoted for any LMS."""
    written = sorted({name for row in rows for name in row.written})
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(["student", "submitted", "timestamp", *(name for name, _ in cells), *written, "auto_total",
                         "raw_score", "late_submission_penalty", "score", "max_score", "needs_manual_grading"])
        for row in rows:
            writer.writerow([
                row.student,
                "yes" if row.submitted else "no",
                row.timestamp,
                *(row.cells.get(name, 0.0) for name, _ in cells),
                *(row.written.get(name, 0.0) for name in written),
                row.auto_total,
                row.raw_score,
                row.late_penalty,
                row.score,
                sum(row.max_points.values()) or sum(points for _, points in cells),
                " ".join(row.needs_manual),
            ])


def _chart_png(rows: list[StudentScores], cells: list[tuple[str, float]], seconds: list[float]) -> bytes:
    """Grade distribution, per-exercise pass rates and grading time, side by side in 1200 px."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    submitted = [row for row in rows if row.submitted]
    total = max([sum(points for _, points in cells),
                 *(sum(row.max_points.values()) for row in submitted)])
    names = [_short(name) for name, _ in cells]
    figure, (distribution, per_cell, timing) = plt.subplots(1, 3, figsize=(12, 4.2))
    distribution.hist([row.score for row in submitted], bins=np.arange(0, total + 2) - 0.5, color="tab:blue")
    distribution.set_xlabel(f"grade (of {total:g})")
    distribution.set_ylabel("submissions")
    distribution.set_title("Grade distribution")
    pass_rates = [
        100 * np.mean([row.cells.get(cell, 0.0) >= points for row in submitted]) if submitted else 0.0
        for cell, points in cells
    ]
    per_cell.barh(names, pass_rates, color="tab:green")
    per_cell.set_xlim(0, 100)
    per_cell.set_xlabel("% of submissions with full points")
    per_cell.set_title("Which exercises students pass")
    per_cell.tick_params(axis="y", labelsize=7 if len(names) > 15 else 9)
    per_cell.invert_yaxis()
    if seconds:
        timing.hist(seconds, bins=min(20, max(3, len(seconds))), color="tab:orange")
    timing.set_xlabel("seconds to grade one submission")
    timing.set_ylabel("submissions")
    timing.set_title("Grading time")
    for axes in (distribution, timing):  # counts of submissions: whole numbers
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


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
        record = None
        if STATE_FILE in folder.files:
            record = read_state(directory / STATE_FILE)
        if record is not None and record.ok is False:
            found.append((student, record.message or "not graded"))
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
                cell_id = grade_id(cell) or "an ungraded cell"
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error" and output.get("ename") in limit_errors.SUMMARIES:
                        found.append((student, f"{path.stem}: {cell_id}: {limit_errors.SUMMARIES[output['ename']]}"))
    return found


def read_flagged_pairs(path: Path) -> list[dict]:
    """The flagged pairs `cs231n-course similarity` wrote next to its page, if it ran."""
    try:
        value = json.loads(safe_files.read_text(path, safe_files.MAX_FILE_BYTES))
    except (safe_files.UnsafeFileError, ValueError, FileNotFoundError):
        return []
    return [pair for pair in value if isinstance(pair, dict)] if isinstance(value, list) else []


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
    similar: list[dict] | None = None,
) -> Path:
    """An HTML page (1280 px wide at most) with charts (also written next to it as PNG), the grades,
    what still needs grading by hand, the incidents, similar code (flagged pairs of
    `cs231n-course similarity`) and every submission's grading run."""
    png = _chart_png(rows, cells, [run.seconds for run in runs or []])
    png_path = path.with_suffix(".png")
    png_path.write_bytes(png)
    written = sorted({name for row in rows for name in row.written})
    head = "".join(f'<th title="{html.escape(name)}">{html.escape(_short(name))}<br><small>{points:g} pts</small></th>'
                   for name, points in cells)
    head += "".join(f'<th title="{html.escape(name)}">{html.escape(_short(name))}<br><small>by hand</small></th>'
                    for name in written)
    body = []
    for row in rows:
        tds = "".join(
            f'<td class="{"full" if row.cells.get(c, 0) >= p else "lost"}">{row.cells.get(c, 0):g}</td>'
            for c, p in cells
        )
        tds += "".join(f'<td class="{"todo" if name in row.needs_manual else ""}">{row.written.get(name, 0):g}</td>'
                       for name in written)
        late = f"-{row.late_penalty:g}" if row.late_penalty else ""
        grade = f"<b>{row.score:g}</b>" if row.submitted else "no submission"
        body.append(f"<tr><th>{html.escape(row.student)}</th>{tds}<td>{row.raw_score:g}</td><td>{late}</td>"
                    f"<td>{grade}</td></tr>")
    sections = ""
    waiting = [row for row in rows if row.needs_manual]
    if waiting:
        items = "".join(f"<li>{html.escape(row.student)}: {html.escape(', '.join(row.needs_manual))}</li>"
                        for row in waiting)
        sections += (f"<h2>Still to grade by hand ({len(waiting)} submissions)</h2>"
                     f"<p>Grade these in formgrader; their grades may rise.</p><ul>{items}</ul>")
    if problems:
        items = "".join(f"<li>{html.escape(student)}: {html.escape(what)}</li>" for student, what in problems)
        sections += f"<h2>Limits hit and broken submissions</h2><ul>{items}</ul>"
    if similar:
        items = "".join(f"<li>{html.escape(str(pair['unit']))}: {html.escape(str(pair['first']))} and "
                        f"{html.escape(str(pair['second']))}, {100 * float(pair['similarity']):.0f}%</li>"
                        for pair in similar)
        link = html.escape(f"{assignment}-similarity.html")
        sections += (f'<h2>Similar code ({len(similar)} flagged pairs)</h2><p>Side by side in '
                     f'<a href="{link}">{link}</a>.</p><ul>{items}</ul>')
    recorded = {run.student: run for run in runs or []}
    items = []
    for row in rows:
        run = recorded.pop(row.student, None)
        if run is None:
            if row.submitted:
                items.append(f"<li>{html.escape(row.student)}: graded outside cs231n-course "
                             "(plain nbgrader or formgrader): no run recorded</li>")
            continue
        note = (f' — <span class="lost">{html.escape(run.message)}</span>' if not run.ok
                else f" — {html.escape(run.message)}" if run.message else "")
        items.append(f"<li>{html.escape(run.student)}: {run.seconds:.1f} s{note}</li>")
    items += [f'<li>{html.escape(run.student)}: {run.seconds:.1f} s — <span class="lost">'
              f'{html.escape(run.message or "not in the gradebook")}</span></li>' for run in recorded.values()]
    if items:
        sections += f"<h2>Grading runs</h2><ul>{''.join(items)}</ul>"
    grade_max = maximum_grade(rows, cells)
    path.write_text(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(assignment)} grades</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1216px}} img{{max-width:100%}}
.scroll{{overflow-x:auto}} table{{border-collapse:collapse;font-size:90%}}
td,th{{border:1px solid #ccc;padding:4px 6px;text-align:center}}
.full{{background:#dfd}} .lost{{background:#fdd}} .todo{{background:#ffd}}</style>
</head><body>
<h1>{html.escape(assignment)}: grades (out of {grade_max:g})</h1>
<p><img alt="charts: grade distribution, pass rate per exercise, grading time"
 src="data:image/png;base64,{base64.b64encode(png).decode()}"></p>
<div class="scroll"><table><tr><th>student</th>{head}<th>raw</th><th>late</th><th>grade</th></tr>
{"".join(body)}</table></div>
{sections}
<p>Grades are read from nbgrader's gradebook: auto scores, manual grades and extra credit, less the late
penalty, as <code>nbgrader export</code> computes them.</p>
</body></html>
""")
    return path
