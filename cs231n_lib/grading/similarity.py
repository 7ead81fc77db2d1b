"""Code similarity per graded unit: every pair of submissions, compared by winnowing (copydetect).

Each unit is a solution cell (its grade id). copydetect tokenizes the code with Pygments, writes every
name as one symbol and drops comments and whitespace, so renamed variables and rewritten comments do
not hide a copy; winnowed k-gram fingerprints find copied stretches even when independent statements
are reordered. Fingerprints of the starter code the release gives are removed first, so the starter
alone never matches. Units so short that independent solutions coincide (`dx = dout * mask`) are
never flagged: a pair needs FLAG_TOKENS shared tokens as well as FLAG_SIMILARITY.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from copydetect import compare_files
from copydetect.utils import filter_code, get_token_coverage, highlight_overlap, winnow

from . import safe_files
from .course import get_assignment
from .markers import grade_id, is_solution_cell
from .run import submitted_students

NOISE_TOKENS = 10  # copydetect's k: the shortest shared run of (filtered) tokens that counts
WINDOW = 5  # winnowing window: every shared run of NOISE_TOKENS + WINDOW - 1 tokens is found
# Measured on the course's own units (test_similarity.py): disguised copies sharing 75 tokens or more
# are 90-100% similar; two independent correct solutions at most 75%.
FLAG_SIMILARITY = 0.85  # share of either submission's code that the other also has
FLAG_TOKENS = 75  # and at least this many shared tokens


@dataclass
class Pair:
    unit: str
    first: str
    second: str
    similarity: float  # the larger of the two shares
    shares: tuple[float, float]  # share of first's code found in second's, and the reverse
    tokens: int  # shared tokens
    first_code: str
    second_code: str
    first_slices: list[list[int]]
    second_slices: list[list[int]]

    @property
    def flagged(self) -> bool:
        return self.similarity >= FLAG_SIMILARITY and self.tokens >= FLAG_TOKENS


def _cells(notebook: dict) -> dict[str, str]:
    """grade id -> source of each solution code cell of a notebook (as JSON)."""
    found = {}
    for cell in notebook.get("cells", []) if isinstance(notebook, dict) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code" and is_solution_cell(cell) and grade_id(cell):
            source = cell.get("source", "")
            found[grade_id(cell)] = "".join(source) if isinstance(source, list) else str(source)
    return found


def _read_notebook(path: Path, name: str) -> dict | None:
    try:
        value = json.loads(safe_files.read_text(path, safe_files.MAX_NOTEBOOK_BYTES, name=name))
    except (safe_files.UnsafeFileError, UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def collect_units(course_root: Path, assignment: str) -> tuple[dict[str, dict[str, str]], dict[str, str], list[str]]:
    """(unit -> student -> code, unit -> starter code, what could not be read) from submitted/ and release/."""
    spec = get_assignment(assignment)
    units: dict[str, dict[str, str]] = {}
    starters: dict[str, str] = {}
    problems = []
    for notebook in spec.notebooks:
        released = _read_notebook(course_root / "release" / assignment / f"{notebook}.ipynb", f"{notebook}.ipynb")
        starters.update(_cells(released or {}))
    submitted = course_root / "submitted"
    for student in submitted_students(course_root, assignment):
        if safe_files.linked_folder(submitted, Path(student, assignment)):
            problems.append(f"{student}: submitted/{student}/{assignment} is a link: not read")
            continue
        folder = safe_files.scan(submitted / student / assignment)
        for notebook in spec.notebooks:
            name = f"{notebook}.ipynb"
            parsed = _read_notebook(folder.files[name], name) if name in folder.files else None
            if parsed is None:
                problems.append(f"{student}: {name} is missing or not a readable notebook")
                continue
            for unit, code in _cells(parsed).items():
                if unit in starters:
                    units.setdefault(unit, {})[student] = code
    return units, starters, problems


@dataclass
class Fingerprint:
    """A unit's winnowed fingerprints, with what copydetect's compare_files reads."""

    k: int
    hashes: set[int]
    hash_idx: dict[int, list[int]]  # fingerprint -> where it starts in the filtered code
    filtered_code: str
    offsets: np.ndarray  # to map filtered positions back to the code, for highlighting
    token_coverage: float


def _kgram_hashes(text: str) -> np.ndarray:
    """A stable hash of every k-gram. copydetect hashes with Python's hash(), which changes with each
    process (PYTHONHASHSEED): the same pair of submissions got other fingerprints, and another
    similarity, on every run. 48 bits, so that winnowing's float comparisons stay exact."""
    return np.array([int.from_bytes(hashlib.blake2b(text[i:i + NOISE_TOKENS].encode(), digest_size=6).digest(),
                                    "little") for i in range(len(text) - NOISE_TOKENS + 1)], dtype=np.int64)


def fingerprint(code: str, boilerplate: set[int] | None = None) -> Fingerprint:
    """copydetect's CodeFingerprint (names as one symbol, no comments or blanks, winnowed k-grams,
    the starter's fingerprints removed), with stable hashes."""
    filtered, offsets = filter_code(code, "unit.py", "python")
    hash_idx: dict[int, list[int]] = {}
    if len(filtered) >= NOISE_TOKENS:
        hashes, positions = winnow(_kgram_hashes(filtered), WINDOW, remove_duplicates=False)
        for value, position in zip(hashes.tolist(), positions.tolist(), strict=True):
            if value not in (boilerplate or set()):
                hash_idx.setdefault(value, []).append(position)
    coverage = float(get_token_coverage(hash_idx, NOISE_TOKENS, len(filtered)))
    return Fingerprint(NOISE_TOKENS, set(hash_idx), hash_idx, filtered, offsets, coverage)


def compare_unit(unit: str, codes: dict[str, str], starter: str) -> list[Pair]:
    """Every pair of students' code for one unit, most similar first; the starter's fingerprints removed."""
    boilerplate = fingerprint(starter).hashes
    prints = {student: fingerprint(code, boilerplate) for student, code in codes.items()
              if code.strip() != starter.strip()}
    pairs = []
    for first, second in itertools.combinations(sorted(prints), 2):
        tokens, shares, slices = compare_files(prints[first], prints[second])
        if not tokens:
            continue
        shares = (float(shares[0]), float(shares[1]))
        pairs.append(Pair(unit, first, second, max(shares), shares, int(tokens), codes[first], codes[second],
                          np.asarray(slices[0]).tolist(), np.asarray(slices[1]).tolist()))
    return sorted(pairs, key=lambda pair: (-pair.similarity, -pair.tokens, pair.first, pair.second))


def similarity(course_root: Path, assignment: str) -> tuple[dict[str, list[Pair]], list[str]]:
    """unit -> its pairs, most similar first; and the submissions that could not be read."""
    units, starters, problems = collect_units(course_root, assignment)
    return {unit: compare_unit(unit, units[unit], starters[unit]) for unit in starters if unit in units}, problems


def _highlighted(code: str, slices: list[list[int]]) -> str:
    if not slices or not slices[0]:
        return html.escape(code)
    marked, _ = highlight_overlap(code, np.asarray(slices), "<mark>", "</mark>", escape_html=True)
    return marked


def write_page(path: Path, assignment: str, results: dict[str, list[Pair]], problems: list[str],
               top: int = 5) -> Path:
    """An HTML page: flagged pairs first, then per unit its most similar pairs side by side with the
    shared code marked. A JSON of the flagged pairs is written next to it for the report."""
    flagged = [pair for pairs in results.values() for pair in pairs if pair.flagged]
    by_students: dict[tuple[str, str], list[str]] = {}
    for pair in flagged:
        by_students.setdefault((pair.first, pair.second), []).append(pair.unit)
    summary = "".join(
        f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{len(units)}</td>"
        f"<td>{html.escape(', '.join(units))}</td></tr>"
        for (a, b), units in sorted(by_students.items(), key=lambda item: -len(item[1])))
    sections = []
    for unit, pairs in results.items():
        shown = pairs[:top]
        rows = "".join(
            f'<tr class="{"flag" if p.flagged else ""}"><td>{html.escape(p.first)}</td><td>{html.escape(p.second)}</td>'
            f"<td>{100 * p.similarity:.0f}%</td><td>{100 * p.shares[0]:.0f}% / {100 * p.shares[1]:.0f}%</td>"
            f"<td>{p.tokens}</td></tr>" for p in shown)
        sides = "".join(
            f"<details{' open' if p.flagged else ''}><summary>{html.escape(p.first)} and {html.escape(p.second)}: "
            f"{100 * p.similarity:.0f}%</summary><div class=\"sides\"><pre>{_highlighted(p.first_code, p.first_slices)}"
            f"</pre><pre>{_highlighted(p.second_code, p.second_slices)}</pre></div></details>" for p in shown)
        table = (f"<table><tr><th>student</th><th>student</th><th>similarity</th><th>shares</th><th>tokens</th></tr>"
                 f"{rows}</table>{sides}") if shown else "<p>No shared code beyond the starter.</p>"
        sections.append(f"<h2>{html.escape(unit)}</h2>{table}")
    unread = "".join(f"<li>{html.escape(problem)}</li>" for problem in problems)
    path.write_text(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(assignment)} code similarity</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1216px}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px}} tr.flag td{{background:#fdd}} mark{{background:#fd8}}
.sides{{display:flex;gap:1em}} .sides pre{{flex:1;overflow-x:auto;background:#f6f6f6;padding:.5em;font-size:85%}}
</style></head><body>
<h1>{html.escape(assignment)}: code similarity per graded unit</h1>
<p>Code is compared after dropping comments, whitespace and the starter code and writing every name as
one symbol (copydetect, winnowing with k={NOISE_TOKENS}, window {WINDOW}). A pair is flagged when one
submission's code is at least {100 * FLAG_SIMILARITY:.0f}% in the other's and they share at least
{FLAG_TOKENS} tokens. Similar is not copied: read the code side by side before acting.</p>
<h2>Flagged pairs of students ({len(by_students)})</h2>
<table><tr><th>student</th><th>student</th><th>units</th><th>which</th></tr>{summary}</table>
{"<h2>Not read</h2><ul>" + unread + "</ul>" if unread else ""}
{"".join(sections)}
</body></html>
""")
    path.with_suffix(".json").write_text(json.dumps(
        [{key: value for key, value in asdict(pair).items() if not key.endswith(("_code", "_slices"))}
         for pair in flagged], indent=1))
    return path
