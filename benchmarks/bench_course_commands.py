"""Wall time of `make demo` and `make test` on a fresh clone, install excluded.

The repository's committed HEAD (not uncommitted changes) is cloned with `git clone` into a scratch
folder under /var/tmp (or $CS231N_OUTSIDE_TMP), so the working tree is untouched. The clone gets
the repository's installed `.venv` by symlink and make is told not to rebuild its install stamp
(`make -o .venv/.installed-stamp`), so the times are of the commands after install, never of pip;
PYTHONPATH points at the clone so every process (nbgrader, kernels, Dask workers) runs the clone's
code, not the checkout the venv's editable install names. Printed and recorded (timing.record, for
bench_table.py): `make demo` seconds (goal <= 120) and `make test` seconds (goal <= 480: ruff and
pytest's default selection). Each command's output goes to make-<target>.log beside the results file.

Run: .venv/bin/python benchmarks/bench_course_commands.py [--only demo|test] [--keep]
(needs `make install` first; `make test` takes ~12 minutes on 2 cores, `make demo` ~4)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from timing import record, results_path

REPO_ROOT = Path(__file__).resolve().parents[1]
STAMP = ".venv/.installed-stamp"
# target -> (bench_table.py's row, goal in seconds)
TARGETS = {"demo": ("make demo after install", "<= 120"), "test": ("make test", "<= 480")}


def fresh_clone() -> Path:
    """A git clone of REPO_ROOT's HEAD under /var/tmp, its .venv a symlink to the repository's."""
    venv = (REPO_ROOT / ".venv").resolve()
    if not (venv / ".installed-stamp").exists():
        raise SystemExit(f"{REPO_ROOT / '.venv'} is not installed: run `make install` first")
    base = Path(os.environ.get("CS231N_OUTSIDE_TMP", "/var/tmp"))
    clone = Path(tempfile.mkdtemp(prefix="cs231n-bench-clone-", dir=base)) / "course"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
    (clone / ".venv").symlink_to(venv)
    return clone


def time_make(clone: Path, target: str, log: Path) -> tuple[float, int]:
    """(wall seconds, exit status) of `make <target>` in clone, install excluded; its output to log."""
    env = {**os.environ, "PYTHONPATH": str(clone)}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        started = time.perf_counter()
        status = subprocess.run(["make", "-o", STAMP, target], cwd=clone, env=env, stdout=out,
                                stderr=subprocess.STDOUT).returncode
        return time.perf_counter() - started, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(TARGETS), help="time this command alone")
    parser.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    args = parser.parse_args()
    targets = [args.only] if args.only else list(TARGETS)

    clone = fresh_clone()
    print(f"fresh clone of {REPO_ROOT} HEAD at {clone}; install excluded (.venv symlinked); "
          f"load average {os.getloadavg()[0]:.1f}")
    try:
        for target in targets:
            row, goal = TARGETS[target]
            log = results_path().parent / f"make-{target}.log"
            seconds, status = time_make(clone, target, log)
            if status == 0:
                print(f"  make {target:5s}: {seconds:7.1f} s  (goal {goal} s; output in {log})", flush=True)
                record(row, seconds, goal, unit="s", note="fresh clone, install excluded")
            else:
                print(f"  make {target:5s}: FAILED (exit {status}) after {seconds:.1f} s; see {log}", flush=True)
                record(row, None, goal, unit="s", note=f"make {target} failed (exit {status}), see {log.name}")
    finally:
        if args.keep:
            print(f"clone kept at {clone}")
        else:
            shutil.rmtree(clone.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
