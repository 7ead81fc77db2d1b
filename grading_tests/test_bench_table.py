"""benchmarks/bench_table.py prints issue 18's table from a results file: met, missed and not measured rows.

Times are never asserted here; this checks the plumbing from timing.record to the printed table.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run(script: str, env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, str(BENCHMARKS / script), *args], cwd=BENCHMARKS, env=env,
                          check=True, capture_output=True, text=True).stdout


def table_row(output: str, what: str) -> list[str]:
    """The table line that starts with what, split into its columns (two or more spaces apart)."""
    line = next(line for line in output.splitlines() if line.startswith(what + "  "))
    return re.split(r"\s{2,}", line.strip())


def write_results(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps({"note": "", "load": 1.0, "time": "", **row}) + "\n" for row in rows))


def test_bench_table_marks_goals_met_missed_and_not_measured(tmp_path):
    results = tmp_path / "results.jsonl"
    write_results(results, [
        {"row": "make demo after install", "value": 150.0, "goal": "<= 120", "unit": "s"},
        {"row": "parallel autograde, --workers 2 vs serial nbgrader autograde", "value": 1.95, "goal": ">= 1.9",
         "unit": "x"},
        {"row": "grading / bare execution on one BLAS thread, knn", "value": 1.10, "goal": "<= 1.15", "unit": "x"},
        {"row": "parallel autograde on a --scheduler cluster, 8 workers vs serial nbgrader autograde", "value": 1.7,
         "goal": "", "unit": "x", "note": "40 knn submissions"},
        {"row": "grading / bare execution on one BLAS thread, gan", "value": 1.40, "goal": "<= 1.15", "unit": "x"},
        {"row": "LSTM fwd+bwd float32 vs PyTorch", "value": None, "goal": "<= 1.5", "unit": "x",
         "note": "torch not installed"},
        {"row": "kNN no-loop vs scikit-learn, float64", "value": 1.30, "goal": "<= 1.0", "unit": "x"},
        {"row": "kNN no-loop vs scikit-learn, float64", "value": 0.97, "goal": "<= 1.0", "unit": "x"},  # rerun
    ])
    output = run("bench_table.py", {}, "--results", str(results))

    assert table_row(output, "make demo after install")[1:4] == ["150.0 s", "<= 120 s", "MISSED"]
    assert table_row(output, "parallel autograde, --workers 2 vs serial nbgrader autograde")[1:4] == [
        "1.95x", ">= 1.9x", "met"]
    assert table_row(output, "grading / bare execution on one BLAS thread, knn")[3] == "met"
    assert table_row(output, "grading / bare execution on one BLAS thread, gan")[3] == "MISSED"
    # The scaling curve has no goal: reported, neither met nor missed.
    assert table_row(output, "parallel autograde on a --scheduler cluster, 8 workers vs serial nbgrader autograde")[
        1:4] == ["1.70x", "(reported)", "-"]
    assert table_row(output, "LSTM fwd+bwd float32 vs PyTorch")[1:4] == [
        "not measured (torch not installed)", "<= 1.5x", "-"]
    assert table_row(output, "kNN no-loop vs scikit-learn, float64")[1:4] == ["0.97x", "<= 1.0x", "met"]
    # A row no script recorded still has its line.
    assert table_row(output, "make test")[1:3] == ["not measured (no script recorded it)", "<= 480 s"]


def test_record_appends_rows_that_bench_table_reads(tmp_path):
    results = tmp_path / "results.jsonl"
    record = ("from timing import record; "
              "record('conv fwd+bwd 3x3 float32 vs PyTorch', 1.2, '<= 1.5', note='N=64'); "
              "record('conv fwd+bwd 3x3 float64 vs PyTorch', None, '<= 1.0', note='torch not installed')")
    subprocess.run([sys.executable, "-c", record], cwd=BENCHMARKS, env={"BENCH_RESULTS": str(results)}, check=True)
    output = run("bench_table.py", {"BENCH_RESULTS": str(results)})

    conv = table_row(output, "conv fwd+bwd 3x3 float32 vs PyTorch")
    assert conv[1:4] == ["1.20x", "<= 1.5x", "met"] and conv[-1] == "N=64"
    assert table_row(output, "conv fwd+bwd 3x3 float64 vs PyTorch")[1] == "not measured (torch not installed)"
