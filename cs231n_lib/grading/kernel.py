"""The kernel that runs submissions during autograde: sandboxed, limited, and without the reference.

``GraderKernelManager`` (nbgrader's ``Execute.kernel_manager_class``, see
nbgrader_config.py) starts ipykernel through a small bootstrap that caps each
process's address space and file size and unhooks the reference library from
the import system. Around it:

* **A sandbox built from an allow-list** (bubblewrap, where it works): the
  system directories the interpreter needs, read-only; the base Python
  installation at its own path; the course's virtualenv read-only at a
  neutral path (``/opt/cs231n-venv``), so ``sys.prefix`` names no course; a
  private size-limited ``/tmp`` and working folder (a tmpfs at the grading
  folder's path, holding read-only binds of that folder's regular files);
  no network, its own pid namespace, no capabilities. Nothing else of the
  machine exists inside: no course root, no other checkout, no home.
* **An allow-listed environment** in every mode: nothing of the grader's
  environment reaches the kernel unless it is named in ``KERNEL_ENVIRONMENT``
  or ``PASSED_VARIABLES``.
* **Limits per submission** (cgroup v1, one cgroup per kernel): process
  count, memory and CPU of the whole kernel tree, and
  ``reap_background_processes`` to end what a cell left running. Without
  writable cgroups, grading goes on with per-process rlimits and a warning.

The kernel talks to the grader over unix sockets in a directory shared with the sandbox.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, Float, Integer, List, Unicode

from .course import LIBRARY_PACKAGE, STUDENT_PACKAGE

# Runs as `python -c BOOTSTRAP -f <connection file>` before anything of the student's.
BOOTSTRAP = r"""
import os, resource, sys
for variable, limit in (("CS231N_MEMORY_LIMIT_BYTES", resource.RLIMIT_AS),
                        ("CS231N_FILE_SIZE_LIMIT_BYTES", resource.RLIMIT_FSIZE),
                        ("CS231N_PROCESS_LIMIT", resource.RLIMIT_NPROC)):
    value = int(os.environ.pop(variable, "0"))
    if value > 0:
        resource.setrlimit(limit, (value, value))

import glob, signal

def collect_killed_children(signum, frame):
    # A child the grader killed after its cell (SIGKILL) stays a zombie, holding a slot of the
    # tree's process limit, until someone waits for it: collect those, leave the others to their owner.
    pids = set()
    for listing in glob.glob("/proc/self/task/*/children"):
        try:
            pids.update(int(pid) for pid in open(listing).read().split())
        except (OSError, ValueError):
            pass
    for pid in pids:
        try:
            info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            if info is not None and info.si_code == os.CLD_KILLED and info.si_status == signal.SIGKILL:
                os.waitpid(pid, 0)
        except OSError:
            pass

signal.signal(signal.SIGCHLD, collect_killed_children)
name = "__LIBRARY_PACKAGE__"
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in repr(f) + getattr(f, "__module__", "")]
sys.path[:] = [p for p in sys.path if not os.path.isdir(os.path.join(p or ".", name))]

class RefuseReference:
    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if fullname == name or fullname.startswith(name + "."):
            raise ModuleNotFoundError(
                "No module named %r: the reference library is not available to submissions" % fullname,
                name=fullname)
        return None

sys.meta_path.insert(0, RefuseReference())
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""
# The bootstrap is code run as it stands, so the library's name goes in as text.
BOOTSTRAP = BOOTSTRAP.replace("__LIBRARY_PACKAGE__", LIBRARY_PACKAGE)

# One BLAS thread per kernel: graders run several kernels side by side.
KERNEL_ENVIRONMENT = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "agg",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
}
# Taken from the grader's environment when set; every other variable (database URLs, tokens,
# the instructor's paths) stays out of the kernel.
PASSED_VARIABLES = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")

# Where the course's virtualenv appears inside the sandbox: a path that names no course.
VENV_MOUNT = "/opt/cs231n-venv"
# System folders the interpreter and its shared libraries need, mirrored read-only (or as the
# same symlink, on merged-/usr systems).
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What of /etc the kernel may read: the dynamic loader's cache, user and group names, time zone,
# name-service order and fonts; no ssl (no network anyway), no credentials, no shadow files.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf", "localtime",
             "timezone", "hosts", "fonts", "mime.types")

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "cs231n-grading"
CGROUP_CONTROLLERS = ("pids", "memory", "cpu")
CPU_PERIOD_US = 100_000

# Puts itself into the kernel's cgroups, then becomes the kernel (or its sandbox): everything the
# kernel starts is born inside them. A failed write is detected by the manager after the launch.
CGROUP_WRAPPER = 'while [ "$1" != -- ]; do echo $$ > "$1" 2>/dev/null; shift; done; shift; exec "$@"'


@cache
def bubblewrap() -> str | None:
    """The bwrap executable if it can build a sandbox on this machine, else None."""
    executable = shutil.which("bwrap")
    if executable is None:
        return None
    probe = [executable, *system_binds(), "--dev", "/dev", "--proc", "/proc", "--unshare-net",
             "--unshare-pid", *privilege_options(executable), "--die-with-parent", "true"]
    try:
        subprocess.run(probe, check=True, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return executable


@cache
def privilege_options(executable: str) -> tuple[str, ...]:
    """Options that take every privilege away from the kernel, as far as this machine allows.

    Run as root, bwrap keeps root's capabilities in the sandbox (the kernel could remount the
    read-only binds writable); in a user namespace of its own, with no capabilities, it cannot.
    """
    candidates = [("--unshare-user", "--uid", "0", "--gid", "0", "--cap-drop", "ALL"), ("--cap-drop", "ALL"), ()]
    if os.geteuid() != 0:
        # Unprivileged bwrap has no capabilities to drop; a user namespace is all it can add.
        candidates = [("--unshare-user",), ()]
    for options in candidates:
        try:
            subprocess.run([executable, "--ro-bind", "/", "/", *options, "true"], check=True, capture_output=True,
                           timeout=20)
        except (OSError, subprocess.SubprocessError):
            continue
        return options
    return ()


def system_binds() -> list[str]:
    """bwrap arguments mirroring the system folders and the allowed files of /etc, read-only."""
    command: list[str] = []
    for folder in SYSTEM_FOLDERS:
        path = Path(folder)
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), folder]
        elif path.is_dir():
            command += ["--ro-bind", folder, folder]
    command += ["--dir", "/etc"]
    for name in ETC_FILES:
        path = Path("/etc", name)
        if path.exists():
            command += ["--ro-bind", str(path), str(path)]
    return command


def python_binds() -> tuple[list[str], str]:
    """bwrap arguments showing the Python environment read-only, and the interpreter to start.

    A virtualenv appears at VENV_MOUNT (it usually sits inside the course root, whose path would
    otherwise be sys.prefix); the base installation it points to appears at its own path, alone.
    Editable-install hooks (which name the course's cs231n_lib) are replaced by empty files.
    """
    prefix, base = Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()
    command: list[str] = []
    if not any(base.is_relative_to(folder) for folder in SYSTEM_FOLDERS):
        command += ["--ro-bind", str(base), str(base)]
    if prefix == base:
        return command, sys.executable
    command += ["--ro-bind", str(prefix), VENV_MOUNT]
    for site in sorted({site.resolve() for site in prefix.glob("lib*/python*/site-packages")}):
        for hook in [*site.glob("__editable__*"), *site.glob("*.egg-link")]:
            if hook.is_file():
                command += ["--ro-bind", "/dev/null", str(Path(VENV_MOUNT) / hook.relative_to(prefix))]
    # The interpreter itself is usually a link to the base installation: resolve its folder only.
    executable = Path(sys.executable)
    try:
        relative = (executable.parent.resolve() / executable.name).relative_to(prefix)
    except ValueError:
        relative = Path("bin") / "python"
    return command, str(Path(VENV_MOUNT) / relative)


def working_folder_binds(work_dir: Path, size: int) -> list[str]:
    """A private tmpfs at work_dir holding read-only binds of its regular files and folders.

    The kernel can write there (up to size bytes) but nothing it writes reaches the grading folder,
    so it cannot plant links or files that the grader would later read or write through. Symlinks
    and special files of the grading folder are left out (a bind would follow a link on the host).
    """
    command = [*size_option(size), "--tmpfs", str(work_dir)]
    for entry in sorted(work_dir.iterdir()) if work_dir.is_dir() else []:
        target = work_dir / entry.name
        if entry.is_symlink():
            # The staff copy of the student package in source/ is a link into release/ (see
            # release.py); `nbgrader validate` on a source notebook needs what it points to.
            if entry.name == STUDENT_PACKAGE and (entry.resolve() / "__init__.py").is_file():
                command += ["--ro-bind", str(entry.resolve()), str(target)]
            continue
        if entry.is_file() or entry.is_dir():
            command += ["--ro-bind", str(entry), str(target)]
    return command


def size_option(size: int) -> list[str]:
    return ["--size", str(size)] if size > 0 else []


def sandbox_command(executable: str, work_dir: Path, socket_dir: Path, scratch_bytes: int = 512 * 1024**2,
                    environment: dict[str, str] | None = None, hidden: list[Path] | None = None
                    ) -> tuple[list[str], str]:
    """bwrap arguments for a kernel working in work_dir, and the Python interpreter to start inside.

    The sandbox starts empty and gets only what is listed here (see the module docstring). The
    folders bwrap creates on the way to the working folder hold nothing and are read-only, as are
    hidden folders (the course root) on that way, so nothing written there can look like it landed.
    """
    binds, python = python_binds()
    hidden = [path for path in hidden or [] if work_dir.is_relative_to(path) and path != work_dir]
    command = [executable, *system_binds(), *binds, "--dev", "/dev", "--proc", "/proc",
               *size_option(scratch_bytes), "--tmpfs", "/tmp", *size_option(scratch_bytes), "--tmpfs", "/dev/shm"]
    for path in hidden:
        command += ["--size", str(1024**2), "--tmpfs", str(path)]
    command += [*working_folder_binds(work_dir, scratch_bytes), "--bind", str(socket_dir), str(socket_dir)]
    for path in [*hidden, Path("/")]:
        command += ["--remount-ro", str(path)]
    command += ["--chdir", str(work_dir), "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--hostname", "grader", *privilege_options(executable),
                # ipykernel would watch a parent pid that does not exist in the new pid namespace;
                # --die-with-parent ends the kernel with the grader instead.
                "--die-with-parent", "--new-session", "--clearenv"]
    for name, value in sorted((environment or {}).items()):
        command += ["--setenv", name, value]
    return command, python


def kernel_environment(inherited: dict[str, str], limits: dict[str, str], path: str, home: str) -> dict[str, str]:
    """The kernel's whole environment: ours, plus the few harmless variables of the grader's."""
    environment = {name: inherited[name] for name in PASSED_VARIABLES if name in inherited}
    environment.update(KERNEL_ENVIRONMENT)
    environment.update(limits)
    environment.update({"PATH": path, "HOME": home, "IPYTHONDIR": os.path.join(home, "ipython"),
                        "MPLCONFIGDIR": os.path.join(home, "matplotlib")})
    return environment


def private_folder() -> str:
    """A folder only this grader uses; in memory where possible, so what a kernel writes into its
    socket folder is charged to the kernel's memory limit rather than filling a disk."""
    shared_memory = Path("/dev/shm")
    where = shared_memory if shared_memory.is_dir() and os.access(shared_memory, os.W_OK) else None
    # Named after the grader, so the folders of a grader killed before its cleanup can be found.
    for folder in (where or Path(tempfile.gettempdir())).glob("cs231n-kernel-*-*"):
        owner = folder.name.split("-")[2]
        if owner.isdigit() and not Path("/proc", owner).exists():
            shutil.rmtree(folder, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"cs231n-kernel-{os.getpid()}-", dir=where)


class KernelCgroup:
    """One cgroup per kernel in each v1 controller: pids.max, memory and CPU quota for its whole tree."""

    def __init__(self, folders: dict[str, Path]) -> None:
        self.folders = folders

    @classmethod
    def create(cls, max_processes: int, memory_bytes: int, cpu_cores: float) -> KernelCgroup:
        """Create and configure the cgroups; OSError (with the reason) where that is impossible."""
        folders: dict[str, Path] = {}
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        try:
            for controller in CGROUP_CONTROLLERS:
                parent = CGROUP_ROOT / controller / CGROUP_PARENT
                if not (CGROUP_ROOT / controller / "cgroup.procs").exists():
                    raise OSError(f"no cgroup v1 '{controller}' controller at {CGROUP_ROOT / controller}")
                parent.mkdir(exist_ok=True)
                _remove_abandoned(parent)
                folders[controller] = parent / name
                folders[controller].mkdir()
            if max_processes > 0:
                (folders["pids"] / "pids.max").write_text(str(max_processes))
            if memory_bytes > 0:
                (folders["memory"] / "memory.limit_in_bytes").write_text(str(memory_bytes))
                swap = folders["memory"] / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(str(memory_bytes))
            if cpu_cores > 0:
                (folders["cpu"] / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
                (folders["cpu"] / "cpu.cfs_quota_us").write_text(str(int(cpu_cores * CPU_PERIOD_US)))
            _share_fairly(folders["cpu"].parent)
        except OSError:
            cls(folders).remove()
            raise
        return cls(folders)

    def procs_files(self) -> list[str]:
        return [str(folder / "cgroup.procs") for folder in self.folders.values()]

    def pids(self) -> set[int]:
        pids: set[int] = set()
        for folder in self.folders.values():
            try:
                pids.update(int(line) for line in (folder / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return pids

    def holds(self, pid: int) -> bool:
        """Is pid in every one of this kernel's cgroups?"""
        try:
            lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
        except OSError:
            return False
        memberships = {controller: path for _, controllers, path in (line.split(":", 2) for line in lines)
                       for controller in controllers.split(",")}
        return all(memberships.get(controller) == "/" + str(folder.relative_to(CGROUP_ROOT / controller))
                   for controller, folder in self.folders.items())

    def remove(self) -> None:
        """Kill what is left in the cgroups and remove them."""
        for attempt in range(50):
            for pid in self.pids():
                _kill(pid, signal.SIGKILL)
            try:
                for folder in self.folders.values():
                    if folder.exists():
                        folder.rmdir()
            except OSError:
                time.sleep(0.02 * (attempt + 1))
                continue
            if "cpu" in self.folders:
                _share_fairly(self.folders["cpu"].parent)
            return


def _share_fairly(parent: Path) -> None:
    """Weigh the parent of the kernels' CPU cgroups as one process per kernel.

    The scheduler weighs a cgroup as one task: with the default weight, every grading kernel on
    the machine would share what one ordinary process gets (measured: kernel start-up 1.2 s -> 4 s
    under load). Each kernel gets what it would have had as an ordinary process; its quota still
    caps it at cpu_cores.
    """
    try:
        kernels = sum(1 for folder in parent.iterdir() if folder.is_dir())
        (parent / "cpu.shares").write_text(str(min(262_144, 1024 * max(1, kernels))))
    except OSError:
        pass  # only the fairness between graders and other work suffers


def _remove_abandoned(parent: Path) -> None:
    """Remove empty cgroups left by graders that were killed before their cleanup."""
    for folder in parent.iterdir():
        owner = folder.name.split("-", 1)[0]
        if folder.is_dir() and owner.isdigit() and not Path(f"/proc/{owner}").exists():
            try:
                folder.rmdir()
            except OSError:
                pass  # still has processes, or another grader got there first


def _kill(pid: int, signum: int) -> bool:
    try:
        os.kill(pid, signum)
    except OSError:
        return False
    return True


def _process_table(pids: set[int] | None = None) -> dict[int, tuple[int, int, int]]:
    """pid -> (parent pid, session id, start time) of the given processes (default: every process)."""
    table = {}
    for entry in os.listdir("/proc") if pids is None else map(str, pids):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry)] = (int(fields[1]), int(fields[3]), int(fields[19]))
    return table


def _executable(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


class GraderKernelManager(AsyncKernelManager):
    """Starts the grading kernel, whatever kernelspec the notebook names."""

    sandbox = CaselessStrEnum(
        ["auto", "bubblewrap", "none"], default_value="auto", config=True,
        help="'auto': bubblewrap where it works, else a loud warning and no sandbox; "
        "'bubblewrap': refuse to grade without it; 'none': no sandbox.",
    )
    hidden_paths = List(Unicode(), config=True, help="Folders the kernel must not see (the course directory). The "
                        "sandbox shows only an allow-list, so they are hidden anyway; the one holding the kernel's "
                        "working folder is shown empty and read-only on the way to it.")
    memory_limit_mb = Integer(4096, config=True, help="Address-space cap of each kernel process (0: none).")
    tree_memory_limit_mb = Integer(4096, config=True,
                                   help="Memory of the kernel and every process it starts, together (0: none).")
    max_processes = Integer(64, config=True,
                            help="Processes and threads of the kernel tree, the kernel's own included (0: none).")
    cpu_cores = Float(1.0, config=True, help="CPU the kernel tree may use, in cores (0: no limit).")
    scratch_size_mb = Integer(512, config=True,
                              help="Size of the kernel's private working folder, and of its /tmp (0: unlimited).")

    _private_dir: str | None = None
    _cgroup: KernelCgroup | None = None
    _cgroup_failed: bool = False
    _bwrap: str | None = None

    @property
    def kernel_spec(self) -> KernelSpec:
        # The environment is set whole in _async_pre_start_kernel.
        return KernelSpec(
            argv=[sys.executable, "-c", BOOTSTRAP, "-f", "{connection_file}"],
            display_name="Python 3 (cs231n grader)",
            language="python",
            env={},
            # Interrupts travel as messages: a signal could not reach into the sandbox's process tree.
            interrupt_mode="message",
        )

    def _sandbox_executable(self) -> str | None:
        if self.sandbox == "none":
            return None
        executable = bubblewrap()
        if executable is None:
            if self.sandbox == "bubblewrap":
                raise RuntimeError("GraderKernelManager.sandbox = 'bubblewrap', but bwrap is missing or cannot "
                                   "create namespaces here; install Debian's bubblewrap")
            self.log.warning("SANDBOX UNAVAILABLE: grading WITHOUT isolation (install bubblewrap); student code "
                             "can read the gradebook, the instructor's files and reach the network")
        return executable

    def _kernel_cgroup(self) -> KernelCgroup | None:
        if self._cgroup is None and not self._cgroup_failed:
            try:
                self._cgroup = KernelCgroup.create(self.max_processes, self.tree_memory_limit_mb * 1024 * 1024,
                                                   self.cpu_cores)
            except OSError as error:
                self._cgroup_failed = True
                self.log.warning(
                    "CGROUPS UNAVAILABLE (%s): no process-count, memory or CPU limit for the kernel's whole "
                    "process tree; only per-process limits (address space %d MB, file size %d MB) apply%s. "
                    "Background processes are still ended after each cell.", error, self.memory_limit_mb,
                    self.scratch_size_mb,
                    "; RLIMIT_NPROC is no fallback when grading as root (root is exempt from it)"
                    if os.geteuid() == 0 else "; RLIMIT_NPROC caps the grading user's processes")
        return self._cgroup

    def _limit_variables(self, cgroup: KernelCgroup | None) -> dict[str, str]:
        """The bootstrap's per-process limits (see BOOTSTRAP)."""
        limits = {}
        if self.memory_limit_mb > 0:
            limits["CS231N_MEMORY_LIMIT_BYTES"] = str(self.memory_limit_mb * 1024 * 1024)
        if self.scratch_size_mb > 0:
            limits["CS231N_FILE_SIZE_LIMIT_BYTES"] = str(self.scratch_size_mb * 1024 * 1024)
        if cgroup is None and os.geteuid() != 0 and self.max_processes > 0:
            # RLIMIT_NPROC counts every process of the user, so leave room for those already running.
            own = sum(1 for entry in Path("/proc").iterdir() if entry.name.isdigit() and _owned(entry))
            limits["CS231N_PROCESS_LIMIT"] = str(own + self.max_processes)
        return limits

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        executable = self._bwrap = self._sandbox_executable()
        if self._private_dir is None:
            self._private_dir = private_folder()
            for name in ("sockets", "home"):
                os.mkdir(os.path.join(self._private_dir, name), 0o700)
            if executable is not None:
                self.transport = "ipc"
                self.ip = os.path.join(self._private_dir, "sockets", "kernel")
                self.connection_file = os.path.join(self._private_dir, "sockets", "connection.json")
        command, kw = await super()._async_pre_start_kernel(**kw)
        cgroup = self._kernel_cgroup()
        limits = self._limit_variables(cgroup)
        if executable is not None:
            environment = kernel_environment(kw.get("env") or {}, limits, f"{VENV_MOUNT}/bin:/usr/bin:/bin", "/tmp")
            work_dir = Path(kw.get("cwd") or os.getcwd()).resolve()
            sandbox, python = sandbox_command(executable, work_dir, Path(self._private_dir, "sockets"),
                                              self.scratch_size_mb * 1024 * 1024, environment,
                                              [Path(p).resolve() for p in self.hidden_paths])
            if command and command[0] == sys.executable:
                command = [python, *command[1:]]
            command = sandbox + command
        else:
            path = os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"])
            environment = kernel_environment(kw.get("env") or {}, limits, path,
                                             os.path.join(self._private_dir, "home"))
        # jupyter_client starts from the grader's whole environment (os.environ); the kernel gets none of it.
        kw["env"] = environment
        if cgroup is not None:
            command = ["/bin/sh", "-c", CGROUP_WRAPPER, "cs231n-kernel", *cgroup.procs_files(), "--", *command]
        return command, kw

    async def _async_post_start_kernel(self, **kw: Any) -> None:
        await super()._async_post_start_kernel(**kw)
        pid = self._kernel_pid()
        if self._cgroup is None or pid is None:
            return
        # The wrapper joins the cgroups as its first act, a moment after the launch.
        for _ in range(100):
            if self._cgroup.holds(pid):
                return
            await asyncio.sleep(0.02)
        if not self._cgroup.holds(pid):
            self.log.warning("The kernel (pid %d) is not in its cgroups: its tree runs without process, memory "
                             "and CPU limits", pid)

    def _kernel_pid(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return getattr(process, "pid", None)

    def cpu_seconds(self) -> float | None:
        """CPU time (user and system) that the kernel's processes have used so far; None if unknown."""
        pids, _ = self._tree()
        if not pids:
            return None
        ticks = 0
        for pid in pids:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue  # it has just ended
            fields = stat[stat.rindex(")") + 2:].split()
            ticks += sum(int(value) for value in fields[11:15])  # utime, stime, and those of reaped children
        return ticks / os.sysconf("SC_CLK_TCK")

    def _tree(self) -> tuple[set[int], set[int]]:
        """(every process of the kernel's tree, those that must live: the kernel and its sandbox)."""
        root = self._kernel_pid()
        if root is None:
            return set(), set()
        # A cgroup holds the whole tree, orphans included; without one, look at every process.
        in_cgroup = self._cgroup.pids() if self._cgroup is not None else None
        table = _process_table(None if in_cgroup is None else in_cgroup | {root})
        children: dict[int, list[int]] = {}
        for pid, (parent, _, _) in sorted(table.items(), key=lambda item: item[1][2]):
            children.setdefault(parent, []).append(pid)
        descendants, stack = set(), [root]
        while stack:
            pid = stack.pop()
            descendants.add(pid)
            stack += children.get(pid, [])
        tree = (in_cgroup or set()) | descendants
        if self._bwrap is None:
            # Without a pid namespace, an orphan is adopted by init but stays in the kernel's session.
            tree |= {pid for pid, (_, session, _) in table.items() if session == root}
        # The sandbox's own processes (bwrap, its pid-1 reaper) lead to the kernel: the first child of
        # the reaper that is not bwrap. Later children of the reaper are orphans it adopted.
        keep, line = set(), [root]
        sandbox = os.path.realpath(self._bwrap) if self._bwrap else None
        while line:
            pid = line.pop()
            keep.add(pid)
            if sandbox is not None and os.path.realpath(_executable(pid)) == sandbox:
                line += children.get(pid, [])[:1]
        return tree, keep

    def reap_background_processes(self) -> int:
        """Kill every process of the kernel's tree except the kernel and its sandbox; return how many.

        Called after every cell: a process a cell leaves running would otherwise compete with the
        next cells and the next submissions. Each round stops what is found before killing it, so a
        fork bomb cannot outrun the reaper.
        """
        killed: set[int] = set()
        for _ in range(100):
            tree, keep = self._tree()
            victims = tree - keep - killed
            if not victims:
                break
            for pid in victims:
                _kill(pid, signal.SIGSTOP)
            for pid in victims:
                if _kill(pid, signal.SIGKILL):
                    killed.add(pid)
        if killed:
            self.log.info("Ended %d background process(es) of the kernel", len(killed))
        self._clear_socket_folder()
        return len(killed)

    def _clear_socket_folder(self) -> None:
        """Delete what the kernel wrote into the one writable folder it shares with the grader."""
        if self._private_dir is None or self._bwrap is None:
            return
        folder = Path(self._private_dir, "sockets")
        for entry in os.scandir(folder):
            if entry.name == "connection.json" or stat.S_ISSOCK(entry.stat(follow_symlinks=False).st_mode):
                continue
            self.log.warning("Removing %s: written by the kernel into its socket folder", entry.name)
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                Path(entry.path).unlink(missing_ok=True)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if self._cgroup is not None:
            # Without a pid namespace, children outlive a killed kernel; the cgroup still holds them.
            for pid in self._cgroup.pids():
                _kill(pid, signal.SIGKILL)
            if not restart:
                self._cgroup.remove()
                self._cgroup = None
        if not restart and self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None


def _owned(entry: Path) -> bool:
    try:
        return entry.stat().st_uid == os.geteuid()
    except OSError:
        return False
