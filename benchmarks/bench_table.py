"""Issue 18's table (what, measured, goal, met?) from the rows the benchmark scripts recorded.

Each script appends its rows to the results file through timing.record() (JSON lines; $BENCH_RESULTS, else
build/bench/results.jsonl); `make bench` empties the file, runs every script, then this. A row of the table
that no script recorded, or that one recorded without a value (torch not installed, say), reads
"not measured" with the reason; a row recorded twice shows its last measurement. Ratios ("x") are of one
run (numpy and its peer timed in the same process, taking turns where the script says so); seconds ("s")
are wall time. The load column is the 1-minute load average when the row was recorded: on a shared
machine, read the numbers with it.

Run: .venv/bin/python benchmarks/bench_table.py [--results PATH]
"""

from __future__ import annotations

import argparse
import json
import operator
from pathlib import Path

from timing import results_path

# The rows: (what, goal, unit). A script's row belongs to an entry if it is named the same or
# starts with the entry's name and a comma (one row per assignment: "grading / bare execution, knn").
TABLE = (
    ("make demo after install", "<= 120", "s"),
    ("make test", "<= 480", "s"),
    ("parallel autograde, --workers 2 vs serial nbgrader autograde", ">= 1.9", "x"),
    # The scaling curve has no goal: the issue asks to report it (one row per worker count).
    ("parallel autograde on a --scheduler cluster", "", "x"),
    ("grading / bare execution on one BLAS thread", "<= 1.15", "x"),
    ("conv fwd+bwd 3x3 float32 vs PyTorch", "<= 1.5", "x"),
    ("LSTM fwd+bwd float32 vs PyTorch", "<= 1.5", "x"),
    ("conv fwd+bwd 7x7 float64 vs PyTorch", "<= 1.0", "x"),
    ("conv fwd+bwd 3x3 float64 vs PyTorch", "<= 1.0", "x"),
    ("kNN no-loop vs scikit-learn, float64", "<= 1.0", "x"),
    ("LSTM fwd+bwd float64 vs PyTorch", "<= 1.0", "x"),
)
COMPARE = {"<=": operator.le, ">=": operator.ge}


def read_rows(path: Path) -> dict[str, dict]:
    """The recorded rows by name, in the order first recorded; a later line replaces an earlier one."""
    rows: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row["row"]] = row
    return rows


def met(value: float, goal: str) -> bool:
    sign, number = goal.split()
    return COMPARE[sign](value, float(number))


def cells(name: str, row: dict | None, goal: str, unit: str) -> tuple[str, ...]:
    """(what, measured, goal, met?, load, how) for one line of the table."""
    if row is not None:
        goal, unit = row["goal"], row["unit"]
    shown_goal = "(reported)" if not goal else f"{goal} {unit}" if unit == "s" else f"{goal}{unit}"
    if row is None or row["value"] is None:
        reason = row["note"] if row is not None and row["note"] else "no script recorded it"
        return name, f"not measured ({reason})", shown_goal, "-", "", ""
    value = row["value"]
    measured = f"{value:.1f} s" if unit == "s" else f"{value:.2f}{unit}"
    verdict = "-" if not goal else "met" if met(value, goal) else "MISSED"
    return name, measured, shown_goal, verdict, f"{row['load']:.1f}", row["note"]


def table_lines(rows: dict[str, dict]) -> list[str]:
    lines, used = [], set()
    for name, goal, unit in TABLE:
        mine = [key for key in rows if key == name or key.startswith(name + ",")]
        used.update(mine)
        lines += [cells(key, rows[key], goal, unit) for key in mine] or [cells(name, None, goal, unit)]
    lines += [cells(key, rows[key], "", "") for key in rows if key not in used]  # rows the table does not name
    header = ("what", "measured", "goal", "met?", "load", "how")
    widths = [max(len(line[k]) for line in [header, *lines]) for k in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
            for line in [header, *lines]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=None, help="the results file (default: $BENCH_RESULTS, "
                        "else build/bench/results.jsonl)")
    args = parser.parse_args()
    path = args.results or results_path()
    print(f"Issue 18's table, from {path}\n")
    print("\n".join(table_lines(read_rows(path))))


if __name__ == "__main__":
    main()
