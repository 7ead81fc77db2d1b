"""The kernel that runs submissions during autograde: sandboxed, limited, and without the reference.

``GraderKernelManager`` (nbgrader's ``Execute.kernel_manager_class``, see
nbgrader_config.py) starts ipykernel through a small bootstrap that caps the
address space (a memory bomb becomes a MemoryError in its own cell) and
unhooks the reference library from the import system. Where bubblewrap
works, the kernel also runs inside it: the filesystem read-only, the course
directory (gradebook, source notebooks, other submissions, the reference
library) replaced by an empty one except for the submission's own grading
directory, a private /tmp, and no network. The kernel then talks to the
grader over unix sockets in a directory shared with the sandbox.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, Integer, List, Unicode

from .course import STUDENT_PACKAGE

# Runs as `python -c BOOTSTRAP -f <connection file>` before anything of the student's.
BOOTSTRAP = r"""
import os, resource, sys
limit = int(os.environ.get("CS231N_MEMORY_LIMIT_BYTES", "0"))
if limit > 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
name = "cs231n_lib"
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

# One BLAS thread per kernel: graders run several kernels side by side.
KERNEL_ENVIRONMENT = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "agg",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
}


@cache
def bubblewrap() -> str | None:
    """The bwrap executable if it can build a sandbox on this machine, else None."""
    executable = shutil.which("bwrap")
    if executable is None:
        return None
    probe = [executable, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
             "--unshare-pid", "--die-with-parent", "true"]
    try:
        subprocess.run(probe, check=True, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return executable


def sandbox_command(executable: str, work_dir: Path, socket_dir: Path, hidden: list[Path]) -> list[str]:
    """bwrap arguments: everything read-only, hidden paths emptied, work_dir and socket_dir writable."""
    command = [executable, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in hidden:
        if path.exists():
            command += ["--tmpfs", str(path)]
    # The interpreter and its packages stay visible even when they live inside a hidden folder
    # or under /tmp (a checkout in a temporary directory).
    for path in sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}):
        if any(path.is_relative_to(h.resolve()) for h in [Path("/tmp"), *hidden]):
            command += ["--ro-bind", str(path), str(path)]
    command += ["--bind", str(work_dir), str(work_dir), "--bind", str(socket_dir), str(socket_dir)]
    # A source notebook's copy of the student package is a link into release/ (see release.py);
    # `nbgrader validate` on a source notebook needs its target visible, read-only.
    package = work_dir / STUDENT_PACKAGE
    if package.is_symlink() and (package.resolve() / "__init__.py").is_file():
        command += ["--ro-bind", str(package.resolve()), str(package.resolve())]
    # The emptied folders stay read-only, so nothing written there can look like it landed.
    for path in hidden:
        if path.exists():
            command += ["--remount-ro", str(path)]
    command += ["--chdir", str(work_dir), "--setenv", "HOME", "/tmp", "--setenv", "IPYTHONDIR", "/tmp/ipython",
                "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib", "--unshare-net", "--unshare-pid", "--unshare-ipc",
                # ipykernel would watch a parent pid that does not exist in the new pid namespace;
                # --die-with-parent ends the kernel with the grader instead.
                "--unsetenv", "JPY_PARENT_PID", "--die-with-parent", "--new-session"]
    return command


class GraderKernelManager(AsyncKernelManager):
    """Starts the grading kernel, whatever kernelspec the notebook names."""

    sandbox = CaselessStrEnum(
        ["auto", "bubblewrap", "none"], default_value="auto", config=True,
        help="'auto': bubblewrap where it works, else a loud warning and no sandbox; "
        "'bubblewrap': refuse to grade without it; 'none': no sandbox.",
    )
    hidden_paths = List(Unicode(), config=True, help="Folders the kernel must not see (the course directory).")
    memory_limit_mb = Integer(4096, config=True, help="Address-space cap of the kernel process (0: none).")

    _socket_dir: str | None = None

    @property
    def kernel_spec(self) -> KernelSpec:
        environment = dict(KERNEL_ENVIRONMENT)
        if self.memory_limit_mb > 0:
            environment["CS231N_MEMORY_LIMIT_BYTES"] = str(self.memory_limit_mb * 1024 * 1024)
        return KernelSpec(
            argv=[sys.executable, "-c", BOOTSTRAP, "-f", "{connection_file}"],
            display_name="Python 3 (cs231n grader)",
            language="python",
            env=environment,
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
                             "can read the gradebook and reach the network")
        return executable

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        executable = self._sandbox_executable()
        if executable is not None and self._socket_dir is None:
            self._socket_dir = tempfile.mkdtemp(prefix="cs231n-kernel-")
            self.transport = "ipc"
            self.ip = os.path.join(self._socket_dir, "kernel")
            self.connection_file = os.path.join(self._socket_dir, "connection.json")
        command, kw = await super()._async_pre_start_kernel(**kw)
        if executable is not None:
            work_dir = Path(kw.get("cwd") or os.getcwd()).resolve()
            hidden = [Path(p).resolve() for p in self.hidden_paths]
            command = sandbox_command(executable, work_dir, Path(self._socket_dir), hidden) + command
        return command, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None
