"""Code similarity per unit: planted copies are found, independent correct solutions and the starter
code are not. Every assignment, with the planted alternatives as the independent solutions."""

import re
import shutil

import nbformat
import pytest

from cs231n_lib.grading import samples
from cs231n_lib.grading.cli import main
from cs231n_lib.grading.course import assignments, get_assignment
from cs231n_lib.grading.similarity import FLAG_TOKENS, collect_units, fingerprint, similarity


def disguise(code: str) -> str:
    """What a student hiding a copy does: new comments, renamed variables, two independent lines swapped."""
    code = re.sub(r"#[^\n]*", "# worked this out myself", code)
    names = sorted(set(re.findall(r"(?<![.\w])([a-z_][a-z0-9_]*)\s*=(?!=)", code)))
    for index, name in enumerate(names):
        code = re.sub(rf"(?<![.\w]){name}(?!\w)", f"value_{index}", code)
    lines = code.split("\n")
    for i in range(len(lines) - 1):
        first, second = lines[i], lines[i + 1]
        target = re.match(r"\s*(\w+)\s*=(?!=)", first)
        indent = len(first) - len(first.lstrip())
        if (target and re.match(r"\s*\w+\s*=(?!=)", second) and indent == len(second) - len(second.lstrip())
                and not re.search(rf"\b{target[1]}\b", second.split("=", 1)[1])
                and not re.search(rf"\b{second.split('=')[0].strip()}\b", first.split("=", 1)[1])):
            lines[i], lines[i + 1] = second, first
            break
    return "\n".join(lines) + "\n# end of my solution\n"


def _solution_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


@pytest.fixture(scope="module", params=[a.name for a in assignments()])
def compared(request, tmp_path_factory, repo_root):
    assignment = request.param
    notebook = get_assignment(assignment).notebooks[0]
    root = tmp_path_factory.mktemp(f"similarity-{assignment}")
    shutil.copytree(repo_root / "release" / assignment, root / "release" / assignment)
    shutil.copytree(repo_root / "source" / assignment, root / "source" / assignment, symlinks=True)
    solution = samples.solution_submission(root, assignment, notebook, [])
    copy = nbformat.reads(nbformat.writes(solution), as_version=4)
    for cell in _solution_cells(copy):
        cell.source = disguise(cell.source)
    students = {"solution": solution, "copycat": copy,
                "blank-1": samples.release_notebook(root, assignment, notebook),
                "blank-2": samples.release_notebook(root, assignment, notebook)}
    alternative_units = {}
    for student, (name, planted) in samples.planned_alternatives(assignment).items():
        if name != notebook:
            continue
        alternatives = [samples.get_alternative(assignment, alternative) for alternative in planted]
        # Only the alternatives are written; every other unit is left as released.
        students[student] = samples.with_alternatives(samples.release_notebook(root, assignment, notebook),
                                                      alternatives)
        alternative_units[student] = {alternative.unit for alternative in alternatives}
    for student, nb in students.items():
        samples.write_submission(root, student, assignment, {notebook: nb})
    results, problems = similarity(root, assignment)
    assert problems == []
    return assignment, root, results, alternative_units


def test_planted_copies_are_flagged(compared):
    assignment, root, results, _ = compared
    units, starters, _ = collect_units(root, assignment)
    missed = []
    for unit, pairs in results.items():
        pair = next((p for p in pairs if {p.first, p.second} == {"solution", "copycat"}), None)
        tokens = pair.tokens if pair else 0
        print(f"{assignment}/{unit}: copy {100 * pair.similarity if pair else 0:.0f}%, {tokens} tokens")
        # Units too short to tell a copy from a coincidence are never flagged, by design; a unit with
        # twice as much code as that must be.
        own = fingerprint(units[unit]["solution"], fingerprint(starters[unit]).hashes)  # beyond the starter
        if own.token_coverage >= 2 * FLAG_TOKENS and not (pair and pair.flagged):
            missed.append((unit, round(pair.similarity, 2) if pair else None, tokens))
    assert missed == []


def test_independent_correct_solutions_are_not_flagged(compared):
    assignment, _, results, alternative_units = compared
    compared_pairs = 0
    for unit, pairs in results.items():
        writers = sorted(student for student, units in alternative_units.items() if unit in units)
        for pair in pairs:
            if {pair.first, pair.second} <= set(writers):
                compared_pairs += 1
                print(f"{assignment}/{unit}: {pair.first} vs {pair.second}: {100 * pair.similarity:.0f}%")
                assert not pair.flagged, (unit, pair.similarity, pair.tokens)
    assert compared_pairs > 0


def test_the_starter_code_alone_never_matches(compared):
    _, _, results, _ = compared
    for pairs in results.values():
        assert not [p for p in pairs if "blank-1" in (p.first, p.second) or "blank-2" in (p.first, p.second)]


def test_the_cli_writes_a_page_and_the_report_lists_flagged_pairs(compared, tmp_path, capsys):
    assignment, root, _, _ = compared
    if assignment != "rnn_captioning":
        pytest.skip("the page is checked on one assignment")
    assert main(["--root", str(root), "similarity", assignment, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "copycat" in out and "flagged pair(s)" in out
    page = (tmp_path / f"{assignment}-similarity.html").read_text()
    assert "<mark>" in page and "copycat" in page and "blank-1" not in page
    from cs231n_lib.grading.report import read_flagged_pairs, write_html

    flagged = read_flagged_pairs(tmp_path / f"{assignment}-similarity.json")
    assert {"copycat", "solution"} in [{pair["first"], pair["second"]} for pair in flagged]
    assert not [pair for pair in flagged if "blank" in pair["first"] + pair["second"]]
    report = write_html(tmp_path / f"{assignment}.html", assignment, [], [], similar=flagged).read_text()
    assert f"Similar code ({len(flagged)} flagged pairs)" in report and f"{assignment}-similarity.html" in report


def test_the_same_submissions_get_the_same_numbers_in_every_process(compared):
    """copydetect hashes k-grams with Python's hash(), which changes with PYTHONHASHSEED: similarities
    moved from run to run (a planted copy of gan's tanh_forward was found in one run, not in another)."""
    import json
    import os
    import subprocess
    import sys

    assignment, root, _, _ = compared
    if assignment != "rnn_captioning":
        pytest.skip("checked on one assignment")
    script = ("import json, sys; from pathlib import Path; from cs231n_lib.grading.similarity import similarity\n"
              "results, _ = similarity(Path(sys.argv[1]), sys.argv[2])\n"
              "print(json.dumps([(p.unit, p.first, p.second, p.similarity, p.tokens) "
              "for pairs in results.values() for p in pairs]))")
    runs = [json.loads(subprocess.run([sys.executable, "-c", script, str(root), assignment], check=True, text=True,
                                      capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout)
            for seed in ("1", "2")]
    assert runs[0] and runs[0] == runs[1]
