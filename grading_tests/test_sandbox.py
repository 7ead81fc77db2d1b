"""The grading kernel's sandbox and limits, attacked from a knn submission, through both grading paths.

The course lives in a folder outside /tmp (where courses normally live: the sandbox's private /tmp
would hide a course under /tmp and mask mistakes), next to a second "staff checkout" holding a
secret. Two students are graded together: an honest one, and a hostile one whose correct solution
comes after cells that read what they should not, print the environment, plant links, and set off
memory, disk, CPU and fork bombs with background processes. Every probe prints what it found into
its cell; the tests read the graded notebook. The attacks sit before the graded cells, so they
must cost only their own cells.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from cs231n_lib.grading import samples
from cs231n_lib.grading.demo import make_demo_course
from cs231n_lib.grading.gradebook import scores
from cs231n_lib.grading.kernel import KERNEL_ENVIRONMENT, PASSED_VARIABLES, KernelCgroup, bubblewrap
from cs231n_lib.grading.nbgrader_runner import run_nbgrader
from cs231n_lib.grading.parallel import autograde_parallel
from cs231n_lib.grading.release import release

ASSIGNMENT = "knn"
FULL = {"test_compute_distances_two_loops": 3.0, "test_predict_labels": 3.0, "test_compute_distances_one_loop": 3.0,
        "test_compute_distances_no_loops": 4.0, "test_knn_cross_validation": 4.0, "test_best_k": 1.0}
# The memory bomb fills up to 4 GiB on the cgroup's one core; a honest cell needs a few seconds.
CELL_TIMEOUT = "--Execute.timeout=90"
GiB = 1024**3
SCRATCH_LIMIT = 512 * 1024**2  # GraderKernelManager.scratch_size_mb
SECRET = "s3cr3t-Pa55word"
GRADER_SECRETS = {"CS231N_DB_PASSWORD": SECRET, "DATABASE_URL": f"postgresql://u:{SECRET}@h/db",
                  "AWS_SECRET_ACCESS_KEY": SECRET}
# What ipykernel, Python and bwrap add to the kernel's own environment (pagers, colours, locale, cwd).
KERNEL_OWN = {"CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "GIT_PAGER", "PAGER", "TERM", "PYDEVD_USE_FRAME_EVAL",
              "PWD", "LC_CTYPE", "JPY_PARENT_PID", "JPY_SESSION_NAME"}
ALLOWED = set(KERNEL_ENVIRONMENT) | set(PASSED_VARIABLES) | {"PATH", "HOME", "IPYTHONDIR", "MPLCONFIGDIR"} | KERNEL_OWN

PROBE = r'''
import json, os, sys
course, staff, repo, home_files = {course!r}, {staff!r}, {repo!r}, {home_files!r}
found = {{}}

def attempt(label, action):
    try:
        found[label] = action()
    except Exception as error:
        found[label] = "ERROR " + type(error).__name__

here = os.getcwd()
scratch_course = os.path.dirname(os.path.dirname(os.path.dirname(here)))
for label, path in [("course", course), ("staff", staff), ("repo", repo), ("/root", "/root"), ("/home", "/home"),
                    ("outside", os.path.dirname(course)), ("course of cwd", scratch_course),
                    ("prefix", sys.prefix), ("/opt", "/opt")]:
    attempt("list " + label, lambda path=path: sorted(os.listdir(path)))
reads = [("gradebook", course + "/gradebook.db"), ("source", course + "/source/knn/knn.ipynb"),
         ("classmate", course + "/submitted/honest/knn/knn.ipynb"), ("staff secret", staff + "/secret.txt"),
         ("reference", repo + "/cs231n" + "_lib/__init__.py"), ("solutions", repo + "/solutions/knn/knn.ipynb"),
         ("gradebook of cwd", scratch_course + "/gradebook.db"),
         ("source of cwd", scratch_course + "/source/knn/knn.ipynb")]
reads += [("home " + os.path.basename(path), path) for path in home_files]
for label, path in reads:
    attempt("read " + label, lambda path=path: open(path, "rb").read(64).decode("latin-1"))
# Spelt in two parts: the static check that zeroes a submission naming the reference is not the point here.
attempt("import reference", lambda: __import__("cs231n" + "_lib").__file__)
found["python"] = [sys.prefix, sys.exec_prefix, sys.executable]
found["environment"] = dict(os.environ)
# Files the grader would read or write through, if it ever looked at the kernel's folder.
attempt("plant link", lambda: os.symlink(course + "/gradebook.db", "planted-link") or True)
attempt("plant file", lambda: open("planted.txt", "w").write("x"))
print("PROBE " + json.dumps(found))
'''

MEMORY = r'''
import json, mmap, os, select, time
# Three children of 2 GiB each: under RLIMIT_AS (per process), over the tree's 4 GiB together.
ready_r, ready_w = os.pipe()
memory_children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        try:
            block = mmap.mmap(-1, 2 * 1024**3)
            for offset in range(0, len(block), mmap.PAGESIZE):
                block[offset] = 1
            os.write(ready_w, b"1")
            time.sleep(300)
        finally:
            os._exit(0)
    memory_children.append(pid)
ended, ready, deadline = {}, 0, time.time() + 60
while len(ended) + ready < 3 and time.time() < deadline:
    if select.select([ready_r], [], [], 0.2)[0]:
        ready += len(os.read(ready_r, 3))
    for pid in memory_children:
        if pid not in ended:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # killed, and already collected by the grader's bootstrap
                done, status = pid, 9
            if done:
                ended[pid] = "killed" if os.WIFSIGNALED(status) else "exited"
print("MEMORY " + json.dumps({"holding 2 GiB": ready, "ended": sorted(ended.values())}))
'''

DISK = r'''
import json, os
def fill(folder):
    written = 0
    try:
        for index in range(8):  # 8 x 128 MiB: several files, so a per-file limit alone would not stop it
            with open(os.path.join(folder, "fill-%d.bin" % index), "wb") as handle:
                for _ in range(8):
                    handle.write(b"\0" * (16 * 1024**2))
                    written += 16 * 1024**2
    except OSError as error:
        print("stopped:", type(error).__name__, error)
    finally:
        for index in range(8):
            try:
                os.unlink(os.path.join(folder, "fill-%d.bin" % index))
            except OSError:
                pass
    return written
print("DISK " + json.dumps({"cwd": fill("."), "tmp": fill("/tmp")}))
'''

CPU = r'''
import json, os, subprocess, sys, time
burn = "import time\nend = time.time() + 240\nwhile time.time() < end: pass"
burners = [subprocess.Popen([sys.executable, "-c", burn], start_new_session=True) for _ in range(4)]
# One more that the kernel does not even know as a child: started by a shell that exits at once.
subprocess.run(["/bin/sh", "-c", 'nohup "$0" -c "$1" >/dev/null 2>&1 & echo $! > /tmp/orphan', sys.executable, burn])
orphan = int(open("/tmp/orphan").read())
def used(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
pids = [p.pid for p in burners] + [orphan]
before, started = sum(used(pid) for pid in pids), time.time()
time.sleep(3)
print("CPU " + json.dumps({"cores": (sum(used(pid) for pid in pids) - before) / (time.time() - started)}))
cpu_children = pids
'''

FORK = r'''
import json, os, time
fork_children, error = [], None
try:
    for _ in range(600):
        pid = os.fork()
        if pid == 0:
            time.sleep(300)
            os._exit(0)
        fork_children.append(pid)
except OSError as exception:
    error = type(exception).__name__
print("FORK " + json.dumps({"children": len(fork_children), "error": error}))
'''

LEFTOVERS = r'''
import json, os, time
def alive(pid):
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == 0  # a child of the kernel: reap it if it is gone
    except ChildProcessError:
        try:
            os.kill(pid, 0)  # an orphan: adopted (and reaped) by the sandbox's init
        except ProcessLookupError:
            return False
        return True
time.sleep(1)
left = [pid for pid in memory_children + cpu_children + fork_children if alive(pid)]
print("LEFTOVERS " + json.dumps(left))
'''


def insert_cells(nb, sources):
    # After the imports cell, before the data and every graded cell.
    for offset, source in enumerate(sources):
        nb.cells.insert(2 + offset, nbformat.v4.new_code_cell(source))
    return nb


def cgroups_work() -> bool:
    try:
        KernelCgroup.create(64, 4 * GiB, 1.0).remove()
    except OSError:
        return False
    return True


def make_course(folder: Path, repo_root: Path) -> tuple[Path, Path]:
    root, staff = folder / "course", folder / "staff-checkout"
    make_demo_course(repo_root, root)
    release(root, ASSIGNMENT)
    staff.mkdir()
    (staff / "secret.txt").write_text("staff secret: the answers\n")
    home_files = sorted(str(p) for p in Path.home().iterdir() if p.is_file() and not p.is_symlink())[:3]
    probe = PROBE.format(course=str(root), staff=str(staff), repo=str(repo_root), home_files=home_files)
    notebooks = {
        "honest": samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, []),
        "hostile": insert_cells(samples.solution_submission(root, ASSIGNMENT, ASSIGNMENT, []),
                                [probe, MEMORY, DISK, CPU, FORK, LEFTOVERS]),
    }
    for student, nb in notebooks.items():
        samples.write_submission(root, student, ASSIGNMENT, {ASSIGNMENT: nb})
    return root, staff


def grade(root: Path, path: str) -> None:
    if path == "parallel":
        runs = autograde_parallel(root, ASSIGNMENT, workers=2, extra_arguments=(CELL_TIMEOUT,), progress=False)
        assert all(run.ok for run in runs), [(run.student, run.message) for run in runs]
    else:
        run_nbgrader(root, "autograde", ASSIGNMENT, "--force", "--log-level=WARN", CELL_TIMEOUT)


def cell_outputs(root: Path, student: str) -> str:
    nb = nbformat.read(root / "autograded" / student / ASSIGNMENT / "knn.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def reported(outputs: str, tag: str):
    lines = [line for line in outputs.splitlines() if line.startswith(tag + " ")]
    assert lines, f"no {tag} line in the graded notebook (did its cell die?):\n{outputs[-3000:]}"
    return json.loads(lines[-1][len(tag) + 1:])


def check_isolation(found: dict, root: Path, staff: Path, repo_root: Path) -> None:
    refused = {label: value for label, value in found.items() if label.startswith("read ")}
    assert all(str(value).startswith("ERROR") for value in refused.values()), refused
    assert found["import reference"] == "ERROR ModuleNotFoundError"
    listings = {label: value for label, value in found.items() if label.startswith("list ")}
    for label in ("list staff", "list repo", "list /home"):
        assert str(listings[label]).startswith("ERROR") or listings[label] == [], (label, listings[label])
    # Only the folders bwrap creates to reach the kernel's own mounts may show up, and they are empty
    # of everything else: the skeleton of the path to the grading folder, of the Python install.
    assert str(listings["list course"]).startswith("ERROR") or listings["list course"] == ["autograded"]
    assert str(listings["list outside"]).startswith("ERROR") or listings["list outside"] == ["course"]
    assert str(listings["list course of cwd"]).startswith("ERROR") or listings["list course of cwd"] == ["autograded"]
    assert str(listings["list /root"]).startswith("ERROR") or set(listings["list /root"]) <= {".pyenv"}
    prefix, _, executable = found["python"]
    for name in (str(root), str(staff), str(repo_root)):
        assert name not in prefix and name not in executable, found["python"]
    # The kernel wrote into its own folder, which the grader never reads back.
    assert found["plant link"] is True and found["plant file"] == 1
    assert not any(p.name.startswith("planted") for p in (root / "autograded").rglob("*"))


def check_environment(environment: dict, root: Path, repo_root: Path, sandboxed: bool) -> None:
    assert set(environment) <= ALLOWED, sorted(set(environment) - ALLOWED)
    assert not any(SECRET in value for value in environment.values()), environment
    assert not any("DB_URL" in name for name in environment)
    if sandboxed:
        # PWD is the kernel's working folder, which keeps the grading folder's path (not its contents).
        paths = {name: value for name, value in environment.items() if name != "PWD"
                 and (str(root) in value or str(repo_root) in value)}
        assert paths == {}, paths


def kernel_cgroups() -> set[Path]:
    parent = Path("/sys/fs/cgroup/pids/cs231n-grading")
    return {p for p in parent.iterdir() if p.is_dir()} if parent.is_dir() else set()


def check_limits(outputs: str, root: Path, cgroups_before: set[Path]) -> None:
    memory = reported(outputs, "MEMORY")
    # 4 GiB for the whole tree: two children fill it, the third is killed (all three live without the limit).
    assert memory["holding 2 GiB"] <= 2 and "killed" in memory["ended"], memory
    disk = reported(outputs, "DISK")
    assert 0 < disk["cwd"] <= SCRATCH_LIMIT and 0 < disk["tmp"] <= SCRATCH_LIMIT, disk
    assert not any(p.name.startswith("fill-") for p in (root / "autograded").rglob("*"))
    cpu = reported(outputs, "CPU")
    assert cpu["cores"] < 1.25, cpu  # five burners on a 2-core machine would take both cores unlimited
    fork = reported(outputs, "FORK")
    assert fork["children"] < 64 and fork["error"] == "BlockingIOError", fork
    assert reported(outputs, "LEFTOVERS") == [], "background processes outlived their cell"
    assert "background processes were left running by this cell and ended" in outputs
    # Each kernel's cgroup goes with it (other graders on this machine may have theirs).
    leaked = [p for p in kernel_cgroups() - cgroups_before if not Path("/proc", p.name.split("-")[0]).exists()]
    assert leaked == []


@pytest.mark.parametrize("path", ["parallel", "nbgrader"])
def test_hostile_kernel_sees_nothing_and_costs_only_its_cells(outside_tmp, repo_root, monkeypatch, path):
    if path == "nbgrader" and shutil.which("alembic") is None:
        pytest.skip("nbgrader needs alembic on PATH")
    for name, value in GRADER_SECRETS.items():
        monkeypatch.setenv(name, value)
    root, staff = make_course(outside_tmp, repo_root)
    sandboxed, limited = bubblewrap() is not None, cgroups_work()
    cgroups_before = kernel_cgroups()

    grade(root, path)

    rows = {row.student: row.cells for row in scores(root, ASSIGNMENT)}
    assert rows["honest"] == FULL
    outputs = cell_outputs(root, "hostile")
    assert rows["hostile"] == FULL, outputs[-3000:]
    found = reported(outputs, "PROBE")
    check_environment(found["environment"], root, repo_root, sandboxed)
    if sandboxed:
        check_isolation(found, root, staff, repo_root)
    if limited:
        check_limits(outputs, root, cgroups_before)
    missing = [what for what, works in (("bubblewrap (isolation)", sandboxed), ("cgroups (limits)", limited))
               if not works]
    if missing:
        pytest.skip(f"not checked, unavailable on this machine: {', '.join(missing)}")



def run_cells(manager_options: dict, cells: list[str], cwd: Path) -> tuple[list[str], list[int]]:
    """Run cells in a grading kernel started directly; (each cell's stdout, what each reap killed)."""
    import asyncio

    from cs231n_lib.grading.kernel import GraderKernelManager

    async def run() -> tuple[list[str], list[int]]:
        manager = GraderKernelManager(**manager_options)
        await manager.start_kernel(cwd=str(cwd))
        client = manager.client()
        client.start_channels()
        outputs, reaped = [], []
        try:
            await client.wait_for_ready(timeout=120)
            for source in cells:
                msg_id, text = client.execute(source), ""
                while True:
                    message = await client.get_iopub_msg(timeout=120)
                    if message["parent_header"].get("msg_id") != msg_id:
                        continue
                    if message["msg_type"] == "stream":
                        text += message["content"]["text"]
                    elif message["msg_type"] == "error":
                        text += f"{message['content']['ename']}: {message['content']['evalue']}"
                    elif message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                        break
                outputs.append(text)
                reaped.append(manager.reap_background_processes())
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
        return outputs, reaped

    return asyncio.run(run())


BACKGROUND = "import subprocess\nchild = subprocess.Popen(['sleep', '300'])\nprint('started', child.pid)"
CHECK = "print('exit status', child.poll())"


def test_grading_goes_on_without_cgroups_and_still_ends_background_processes(outside_tmp, monkeypatch, caplog):
    from cs231n_lib.grading import kernel

    monkeypatch.setattr(kernel, "CGROUP_ROOT", outside_tmp / "no-cgroups-here")
    monkeypatch.setenv("DATABASE_URL", f"postgresql://u:{SECRET}@h/db")
    for sandbox in ("auto", "none"):
        caplog.clear()
        outputs, reaped = run_cells({"sandbox": sandbox}, [BACKGROUND, CHECK, "import os\nprint(dict(os.environ))"],
                                    outside_tmp)
        assert "CGROUPS UNAVAILABLE" in caplog.text
        if os.geteuid() == 0:
            assert "RLIMIT_NPROC is no fallback when grading as root" in caplog.text
        assert outputs[0].startswith("started") and reaped[0] == 1, (outputs, reaped)
        # Killed after its cell: collected by the kernel (status unknown to Popen: 0) or reported as -9.
        assert outputs[1].strip() in ("exit status 0", "exit status -9"), outputs
        assert SECRET not in outputs[2]
