"""cs231n-course: one verb per step of the course's life cycle."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from .course import GRADING_PACKAGE, LIBRARY_PACKAGE, RELEASE_ORDER, REPO_ROOT
from .errors import CourseError


class UsageError(CourseError):
    """A wrong name on the command line: one line for the instructor, exit code 2."""


def _listing(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit]) or "none"
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _assignments(names: list[str]) -> list[str]:
    # RELEASE_ORDER, not assignments(): reading every assignment's module imports nbgrader (a second).
    known = list(RELEASE_ORDER)
    for name in names:
        if name not in known:
            raise UsageError(f"unknown assignment {name!r}; the course has: {_listing(known)}")
    return names or known


def _students(course_root: Path, assignment: str, names: list[str]) -> None:
    from .run import submitted_students

    found = submitted_students(course_root, assignment)
    for name in names:
        if name not in found:
            raise UsageError(f"no submission of {assignment} by {name!r} in {course_root / 'submitted'}; "
                             f"students who submitted it: {_listing(found)}")


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
        print(f"releasing {assignment} ...", flush=True)
        for path in release(args.root, assignment):
            print(f"wrote {path.relative_to(args.root)}")
    return 0


def cmd_check_release(args: argparse.Namespace) -> int:
    from .freshness import stale_files

    names = _assignments(args.assignments)
    stale = stale_files(args.root, names, progress=lambda name: print(f"regenerating {name} ...", flush=True))
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
    from .gradebook import autograded_cells, scores
    from .parallel import autograde_assignments
    from .report import score_table
    from .run import submitted_students

    names = _assignments(args.assignments)
    if args.student and len(names) > 1:
        raise UsageError("--student needs exactly one assignment")
    if args.student:
        _students(args.root, names[0], args.student)
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
    from .report import incidents, read_flagged_pairs, score_table, write_csv, write_html
    from .run import recorded_runs

    rows = scores(args.root, args.assignment, everyone=True)
    cells = autograded_cells(args.root, args.assignment)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / f"{args.assignment}.csv", rows, cells)
    similar = read_flagged_pairs(args.out / f"{args.assignment}-similarity.json")
    page = write_html(args.out / f"{args.assignment}.html", args.assignment, rows, cells,
                      recorded_runs(args.root, args.assignment), incidents(args.root, args.assignment), similar)
    print(score_table(rows, cells))
    print(f"wrote {page.name}, {page.with_suffix('.csv').name} and {page.with_suffix('.png').name} in {page.parent}")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from .gradebook import scores
    from .nbgrader_runner import run_nbgrader

    rows = scores(args.root, args.assignment)
    graded = [row.student for row in rows]
    for name in args.student or []:
        if name not in graded:
            raise UsageError(f"no graded submission of {args.assignment} by {name!r}; graded: {_listing(graded)}")
    selected = [row for row in rows if not args.student or row.student in args.student]
    held = [] if args.allow_ungraded else [row for row in selected if row.needs_manual]
    for row in held:
        print(f"{row.student}: held back, {len(row.needs_manual)} answer(s) not graded by hand yet: "
              f"{', '.join(row.needs_manual)}")
    ready = [row.student for row in selected if row not in held]
    if ready:
        excluded = sorted(set(graded) - set(ready))
        arguments = ["generate_feedback", args.assignment, "--force", "--log-level=WARN"]
        if excluded:
            arguments.append(f"--CourseDirectory.student_id_exclude={','.join(excluded)}")
        if args.allow_ungraded:
            arguments.append("--HoldUngradedFeedback.allow_ungraded=True")
        completed = run_nbgrader(args.root, *arguments, check=False)
        if completed.returncode != 0:
            print((completed.stdout + completed.stderr).strip()[-3000:])
            print(f"nbgrader generate_feedback failed (exit {completed.returncode})")
            return 1
    print(f"feedback written for {len(ready)} of {len(selected)} submission(s) in {args.root / 'feedback'}"
          + (f"; {len(held)} held back until graded in formgrader (or pass --allow-ungraded)" if held else ""))
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    from .course import get_assignment
    from .gradebook import UnknownAssignment, due_date
    from .lms import late_submissions, plan_collection, read_roster
    from .nbgrader_runner import run_nbgrader

    roster = read_roster(args.roster.resolve())
    extracted = args.root / "downloaded" / args.assignment / "extracted"
    found = plan_collection(args.archive.resolve(), roster, list(get_assignment(args.assignment).notebooks),
                            extracted)
    for reason in found.refused:
        print(f"refused: {reason}")
    for reason in found.not_collected:
        print(f"not collected: {reason}")
    for duplicate in found.duplicates:
        print(f"duplicate: {duplicate}")
    existing = [s for s in found.students if os.path.lexists(args.root / "submitted" / s / args.assignment)]
    if existing and not args.force:
        raise UsageError(f"submitted/<student>/{args.assignment} exists for {_listing(existing)}; "
                         "pass --force to replace those submissions")
    if found.students:
        arguments = ["zip_collect", args.assignment, "--log-level=ERROR", "--ZipCollectApp.strict=True",
                     "--ZipCollectApp.collector_plugin=cs231n_lib.grading.lms.LmsCollector",
                     f"--LmsCollector.roster={args.roster.resolve()}", f"--LmsCollector.extracted={extracted}"]
        completed = run_nbgrader(args.root, *arguments, *(["--force"] if args.force else []), check=False)
        if completed.returncode != 0:
            print((completed.stdout + completed.stderr).strip()[-3000:])
            print(f"nbgrader zip_collect failed (exit {completed.returncode})")
            return 1
    try:
        due = due_date(args.root, args.assignment)
    except UnknownAssignment:
        due = None
    late = late_submissions(args.root, args.assignment, found.students, due) if due else []
    print(f"collected {len(found.students)} student(s) into {args.root / 'submitted'}"
          + (f"; late: {', '.join(late)}" if late else "")
          + ("" if due else f"; {args.assignment} has no due date in the gradebook, so nothing counts as late"))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import csv

    from .gradebook import max_score, scores
    from .lms import export_rows, read_roster

    roster = read_roster(args.roster.resolve())
    grades = {row.student: row.score for row in scores(args.root, args.assignment, everyone=True)}
    rows, unmatched = export_rows(args.format, args.assignment, roster, grades,
                                  max_score(args.root, args.assignment), args.lms_assignment_id or "")
    out = args.out or Path(f"{args.assignment}-{args.format}.csv")
    with out.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    for student in unmatched:
        print(f"not exported: {student} is in the gradebook but not in the roster")
    print(f"wrote {out}: {len(roster)} student(s) of the roster, {args.format} layout")
    return 1 if unmatched else 0


def cmd_similarity(args: argparse.Namespace) -> int:
    from .similarity import similarity, write_page

    print(f"comparing every pair of {args.assignment} submissions, unit by unit ...", flush=True)
    results, problems = similarity(args.root, args.assignment)
    args.out.mkdir(parents=True, exist_ok=True)
    page = write_page(args.out / f"{args.assignment}-similarity.html", args.assignment, results, problems)
    flagged = [pair for pairs in results.values() for pair in pairs if pair.flagged]
    for pair in flagged:
        print(f"{pair.unit}: {pair.first} and {pair.second}: {100 * pair.similarity:.0f}% ({pair.tokens} tokens)")
    for problem in problems:
        print(f"not read: {problem}")
    print(f"{len(flagged)} flagged pair(s) over {len(results)} unit(s); wrote {page} "
          f"(`cs231n-course report {args.assignment} --out {args.out}` lists them too)")
    return 0


def cmd_new_assignment(args: argparse.Namespace) -> int:
    from .template import name_problem, write_assignment

    problem = name_problem(args.root, args.name)
    if problem:
        raise UsageError(problem)
    for path in write_assignment(args.root, args.name):
        print(f"wrote {path.relative_to(args.root)}")
    print(f"Next: add {args.name!r} to RELEASE_ORDER in {LIBRARY_PACKAGE}/{GRADING_PACKAGE}/course.py, then run "
          f"`cs231n-course sync {args.name}`, `cs231n-course release {args.name}` and "
          f"`cs231n-course check-release {args.name}` (README: Adding an exercise).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(args.root, args.out)


def _verb(verbs: argparse._SubParsersAction, name: str, run: Callable[[argparse.Namespace], int],
          summary: str) -> argparse.ArgumentParser:
    """The parser of the verb name, listed with summary: main() calls run(args) with the arguments it parsed."""
    parser = verbs.add_parser(name, help=summary)
    parser.set_defaults(run=run)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cs231n-course", description=__doc__)
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="course root (default: this repository)")
    verbs = parser.add_subparsers(dest="verb", required=True)

    sync = _verb(verbs, "sync", cmd_sync, "copy reference solutions from cs231n_lib into source notebooks")
    sync.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    sync.add_argument("assignments", nargs="*", help="only these assignments (default: all)")

    release = _verb(verbs, "release", cmd_release, "generate release/ and solutions/ with nbgrader")
    release.add_argument("assignments", nargs="*")

    check_release = _verb(verbs, "check-release", cmd_check_release, "exit 1 if release/ or solutions/ is stale")
    check_release.add_argument("assignments", nargs="*")

    _verb(verbs, "leak-scan", cmd_leak_scan, "look for answers, hidden tests or staff files in release/")

    grade = _verb(verbs, "autograde", cmd_autograde,
                  "autograde what is in submitted/ in parallel and print the scores")
    grade.add_argument("assignments", nargs="+", metavar="assignment",
                       help="one or more assignments, graded on one pool of workers")
    grade.add_argument("--student", action="append", help="only this student (repeatable; one assignment)")
    grade.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="local Dask worker processes (default: one per core); 1 grades in this process")
    grade.add_argument("--scheduler", help="address of an existing Dask scheduler (e.g. tcp://host:8786)")
    grade.add_argument("--force", action="store_true", help="regrade submissions already graded from the same files")

    report = _verb(verbs, "report", cmd_report, "write CSV and HTML score reports from the gradebook")
    report.add_argument("assignment")
    report.add_argument("--out", type=Path, default=Path("reports"))

    feedback = _verb(verbs, "feedback", cmd_feedback,
                     "write feedback/ for graded submissions whose answers are all graded")
    feedback.add_argument("assignment")
    feedback.add_argument("--student", action="append", help="only this student (repeatable)")
    feedback.add_argument("--allow-ungraded", action="store_true",
                          help="also hand back submissions with answers not graded by hand yet (shown at 0)")

    collect = _verb(verbs, "collect", cmd_collect,
                    "collect submissions from an LMS download (Canvas zip or folders)")
    collect.add_argument("assignment")
    collect.add_argument("archive", type=Path, help="the LMS's zip, or a folder with one folder per student")
    collect.add_argument("--roster", type=Path, required=True,
                         help="CSV with student_id and lms_id (and name, email, sis_id, sis_login, section)")
    collect.add_argument("--force", action="store_true", help="replace submissions already in submitted/")

    export = _verb(verbs, "export", cmd_export, "write the grades as a file Canvas or Gradescope imports")
    export.add_argument("assignment")
    export.add_argument("--format", choices=["canvas", "gradescope", "csv"], default="csv")
    export.add_argument("--roster", type=Path, required=True, help="the roster CSV (see collect)")
    export.add_argument("--lms-assignment-id", help="Canvas's id of the assignment, to update its column")
    export.add_argument("--out", type=Path, help="default: <assignment>-<format>.csv")

    similar = _verb(verbs, "similarity", cmd_similarity, "compare every pair of submissions' code, unit by unit")
    similar.add_argument("assignment")
    similar.add_argument("--out", type=Path, default=Path("reports"))

    new = _verb(verbs, "new-assignment", cmd_new_assignment,
                "write a new assignment's three files from the template")
    new.add_argument("name", help="the assignment's name, e.g. network_visualization")

    demo = _verb(verbs, "demo", cmd_demo, "release, sample submissions, autograde and report in build/demo")
    demo.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "demo")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    try:
        # A misspelt assignment answers at once, before the command imports what it needs; the
        # commands themselves trust these names.
        named = list(getattr(args, "assignments", None) or [])
        if getattr(args, "assignment", None):
            named.append(args.assignment)
        _assignments(named)
        return args.run(args)
    except CourseError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
