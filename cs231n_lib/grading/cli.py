"""cs231n-course: one verb per step of the course's life cycle."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .course import REPO_ROOT, assignments


def _assignments(names: list[str]) -> list[str]:
    known = [a.name for a in assignments()]
    for name in names:
        if name not in known:
            raise SystemExit(f"unknown assignment {name!r}; the course has: {', '.join(known)}")
    return names or known


def cmd_sync(args: argparse.Namespace) -> int:
    from .sync import sync

    drifts = sync(args.root, check_only=args.check, names=_assignments(args.assignments))
    for drift in drifts:
        print(f"{drift.notebook}: {drift.unit}: {drift.problem}")
    if args.check and drifts:
        print("Solution cells are out of date with cs231n_lib; run `cs231n-course sync`.")
        return 1
    print("solution cells " + ("match" if args.check else "written from") + " cs231n_lib")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from .release import release

    for assignment in _assignments(args.assignments):
        for path in release(args.root, assignment):
            print(f"wrote {path.relative_to(args.root)}")
    return 0


def cmd_check_release(args: argparse.Namespace) -> int:
    from .freshness import stale_files

    stale = stale_files(args.root, _assignments(args.assignments))
    for line in stale:
        print(line)
    if stale:
        print("release/ or solutions/ is stale; run `cs231n-course release` and commit the result.")
        return 1
    print("release/ and solutions/ are up to date")
    return 0


def cmd_leak_scan(args: argparse.Namespace) -> int:
    from .leakscan import scan_release

    leaks = scan_release(args.root)
    for leak in leaks:
        print(leak)
    print(f"{len(leaks)} leak(s) found in release/")
    return 1 if leaks else 0


def cmd_autograde(args: argparse.Namespace) -> int:
    from .autograde import submitted_students
    from .gradebook import autograded_cells, scores
    from .parallel import autograde_assignments
    from .report import score_table

    names = _assignments(args.assignments)
    if args.student and len(names) > 1:
        raise SystemExit("--student needs exactly one assignment")
    empty = [name for name in names if not submitted_students(args.root, name)]
    for name in empty:
        print(f"No submissions of {name} in {args.root / 'submitted'}")
    if len(empty) == len(names):
        return 1
    runs_by_assignment = autograde_assignments(
        args.root, {name: args.student or None for name in names if name not in empty}, workers=args.workers,
        scheduler=args.scheduler, force=args.force)
    status = 0
    for name, runs in runs_by_assignment.items():
        if not runs:
            continue
        print(f"== {name}")
        print(score_table(scores(args.root, name, [r.student for r in runs]), autograded_cells(args.root, name)))
        for run in runs:
            if not run.ok:
                print(f"{run.student}: not graded: {run.message}")
                status = 1
            elif run.message:  # graded, with notes (files left out, tampered cells restored)
                print(f"{run.student}: note: {run.message}")
    return status


def cmd_report(args: argparse.Namespace) -> int:
    from .gradebook import autograded_cells, scores
    from .parallel import recorded_runs
    from .report import incidents, score_table, write_csv, write_html

    rows, cells = scores(args.root, args.assignment), autograded_cells(args.root, args.assignment)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / f"{args.assignment}.csv", rows, cells)
    page = write_html(args.out / f"{args.assignment}.html", args.assignment, rows, cells,
                      recorded_runs(args.root, args.assignment), incidents(args.root, args.assignment))
    print(score_table(rows, cells))
    print(f"wrote {page}, {page.with_suffix('.csv')} and {page.with_suffix('.png')}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(args.root, args.out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cs231n-course", description=__doc__)
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="course root (default: this repository)")
    verbs = parser.add_subparsers(dest="verb", required=True)

    sync = verbs.add_parser("sync", help="copy reference solutions from cs231n_lib into source notebooks")
    sync.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    sync.add_argument("assignments", nargs="*", help="only these assignments (default: all)")
    sync.set_defaults(run=cmd_sync)

    release = verbs.add_parser("release", help="generate release/ and solutions/ with nbgrader")
    release.add_argument("assignments", nargs="*")
    release.set_defaults(run=cmd_release)

    check_release = verbs.add_parser("check-release", help="exit 1 if release/ or solutions/ is stale")
    check_release.add_argument("assignments", nargs="*")
    check_release.set_defaults(run=cmd_check_release)

    leak = verbs.add_parser("leak-scan", help="look for answers, hidden tests or staff files in release/")
    leak.set_defaults(run=cmd_leak_scan)

    grade = verbs.add_parser("autograde", help="autograde what is in submitted/ in parallel and print the scores")
    grade.add_argument("assignments", nargs="+", metavar="assignment",
                       help="one or more assignments, graded on one pool of workers")
    grade.add_argument("--student", action="append", help="only this student (repeatable; one assignment)")
    grade.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="local Dask worker processes (default: one per core); 1 grades in this process")
    grade.add_argument("--scheduler", help="address of an existing Dask scheduler (e.g. tcp://host:8786)")
    grade.add_argument("--force", action="store_true", help="regrade submissions already graded from the same files")
    grade.set_defaults(run=cmd_autograde)

    report = verbs.add_parser("report", help="write CSV and HTML score reports from the gradebook")
    report.add_argument("assignment")
    report.add_argument("--out", type=Path, default=Path("reports"))
    report.set_defaults(run=cmd_report)

    demo = verbs.add_parser("demo", help="release, sample submissions, autograde and report in build/demo")
    demo.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "demo")
    demo.set_defaults(run=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.root = args.root.resolve()
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
