"""Run nbgrader's own command line against a course directory."""

from __future__ import annotations

import contextlib
import faulthandler
import os
import subprocess
import sys
import threading
import time
import types
from pathlib import Path


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the command and the end of its log."""


def nbgrader_environment() -> dict[str, str]:
    environment = dict(os.environ)
    # Plain (unforked) nbgrader stamps a new gradebook using the `alembic` command, found on PATH.
    environment["PATH"] = os.path.dirname(sys.executable) + os.pathsep + environment.get("PATH", "")
    environment.setdefault("MPLBACKEND", "agg")
    return environment


def run_nbgrader(course_root: Path, *arguments: str, check: bool = True, fork: bool = True,
                 environment: dict[str, str] | None = None,
                 timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run `nbgrader ARGUMENTS` in course_root: forked from the fork server when it can (see below; stdout
    then holds stdout and stderr together), else (or with fork=False) as a plain subprocess.

    environment defaults to nbgrader_environment(); past timeout seconds the run is killed and its
    returncode is None.
    """
    command = [sys.executable, "-m", "nbgrader", *arguments]
    environment = nbgrader_environment() if environment is None else environment
    if fork and can_fork_graders():
        returncode, log = run_nbgrader_forked(course_root, list(arguments), environment, timeout)
        completed = subprocess.CompletedProcess(command, returncode, log, "")
    else:
        try:
            completed = subprocess.run(command, cwd=course_root, env=environment, capture_output=True, text=True,
                                       timeout=timeout)
        except subprocess.TimeoutExpired:
            completed = subprocess.CompletedProcess(command, None, "", "")
    if check and completed.returncode != 0:
        log = (completed.stdout + completed.stderr).strip().splitlines()
        tail = "\n".join(log[-25:])
        raise NbgraderError(f"`nbgrader {' '.join(arguments)}` failed (exit {completed.returncode}):\n{tail}")
    return completed


# Importing nbgrader and the grading stack costs ~2 s of CPU, as much as a quarter of grading a short
# notebook. A fork server imports them once; each grading run is a fresh child forked from it: a
# clean process (nbgrader's apps are singletons) that can be killed at a time limit, with no import.
# cs231n_lib.grading first: its import keeps jsonschema from compiling its IRI parsers (see its __init__).
FORK_SERVER_PRELOAD = ["cs231n_lib.grading", "nbgrader.apps.nbgraderapp", "nbclient",
                       "cs231n_lib.grading.preprocessors", "cs231n_lib.grading.grading_folder",
                       "cs231n_lib.grading.execute", "cs231n_lib.grading.kernel", "cs231n_lib.grading.manual_grades"]


# Held while a child starts and while one is polled. Process.start() first polls every running child of
# the process (multiprocessing's _cleanup), reading its exit code from the fork server's pipe: a thread
# polling its own child at the same moment then finds the pipe empty and reads exit code 255 (seen as
# "grading failed" with nothing in the log: once in 56 gradings, two at a time, in one CI run).
_CHILDREN = threading.Lock()


def _nbgrader_child(course_root: str, arguments: list[str], environment: dict[str, str], log_path: str) -> None:
    os.chdir(course_root)
    os.environ.clear()
    os.environ.update(environment)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    # A crash (a signal, a fatal error) leaves a Python traceback in the log instead of nothing.
    faulthandler.enable()
    sys.argv = ["nbgrader", *arguments]
    from nbgrader.apps.nbgraderapp import main

    from . import gradebook  # noqa: F401  (its import stamps new gradebooks without an `alembic` process)

    main()


def can_fork_graders() -> bool:
    # Daemonic processes (a Dask worker under a nanny, by default) may not start children.
    import multiprocessing

    return not multiprocessing.current_process().daemon and "forkserver" in multiprocessing.get_all_start_methods()


def run_nbgrader_forked(course_root: Path, arguments: list[str], environment: dict[str, str],
                        timeout: float | None) -> tuple[int | None, str]:
    """Run an nbgrader command in a child of the fork server: (exit code or None at the timeout, its log)."""
    import tempfile

    with tempfile.NamedTemporaryFile(prefix="nbgrader-", suffix=".log") as log:
        returncode = run_in_forked_child(_nbgrader_child, (str(course_root), arguments, environment, log.name),
                                         timeout)
        return returncode, Path(log.name).read_text(errors="replace")


def start_fork_server() -> None:
    """Start the fork server now if graders are forked here: its imports then overlap what this process
    does before its first grading (building templates, say) instead of delaying that grading."""
    if not can_fork_graders():
        return
    from multiprocessing import forkserver

    _fork_server_context()
    with _CHILDREN, _blank_main():
        forkserver.ensure_running()


def _fork_server_context():
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(FORK_SERVER_PRELOAD)
    return context


@contextlib.contextmanager
def _blank_main():
    # multiprocessing re-imports the caller's __main__ in the fork server and its children (a script
    # without a `__name__ == "__main__"` guard would run again; `python - < script` cannot be found).
    # They need nothing from it, so they are shown a blank __main__ while they start.
    caller_main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = caller_main


def run_in_forked_child(target, arguments: tuple, timeout: float | None) -> int | None:
    """target(*arguments) in a child of the fork server: its exit code (negative: killed by that signal), or
    None if it ran past timeout seconds (it is then killed). Safe to call from several threads at once."""
    child = _fork_server_context().Process(target=target, args=arguments)
    with _CHILDREN, _blank_main():
        child.start()
    returncode = _wait(child, timeout)
    if returncode is None:
        child.kill()
        _wait(child, None)
    return returncode


def _wait(child, timeout: float | None) -> int | None:
    """child's exit code once it has ended, or None if it still runs after timeout seconds."""
    from multiprocessing.connection import wait

    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        wait([child.sentinel], remaining)  # never reads the exit code: only the poll below does, under the lock
        with _CHILDREN:
            if child.exitcode is not None:
                return child.exitcode
        if deadline is not None and time.monotonic() >= deadline:
            return None
