"""The kernel that runs submissions during autograde.

``GraderKernelManager`` starts ``python -m cs231n_lib.grading.kernel``,
which unhooks the reference library from the import system before handing
over to ipykernel, so a submission that imports ``cs231n_lib`` fails like any
missing module. (This stops casual imports; the sandbox of issue 9 makes it
impossible by not mounting the library at all.)
"""

from __future__ import annotations

import os
import sys

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

REFERENCE_PACKAGE = "cs231n_lib"

# One BLAS thread per kernel: graders run several kernels side by side.
KERNEL_ENVIRONMENT = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "agg",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def kernel_spec() -> KernelSpec:
    return KernelSpec(
        argv=[sys.executable, "-m", "cs231n_lib.grading.kernel", "-f", "{connection_file}"],
        display_name="Python 3 (cs231n grader)",
        language="python",
        env=KERNEL_ENVIRONMENT,
    )


class GraderKernelManager(AsyncKernelManager):
    """Starts the grading kernel whatever kernelspec the notebook names."""

    @property
    def kernel_spec(self) -> KernelSpec:
        return kernel_spec()


class _RefuseReference:
    """A meta-path finder that refuses the reference library with a clear message."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == REFERENCE_PACKAGE or name.startswith(REFERENCE_PACKAGE + "."):
            raise ModuleNotFoundError(
                f"No module named '{name}': the reference library is not available to submissions", name=name
            )
        return None


def hide_reference_library() -> None:
    library_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.meta_path[:] = [
        finder for finder in sys.meta_path
        if "__editable__" not in getattr(finder, "__module__", "") and "__editable__" not in repr(finder)
    ]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != library_parent]
    sys.path_importer_cache.clear()
    for name in [n for n in sys.modules if n == REFERENCE_PACKAGE or n.startswith(REFERENCE_PACKAGE + ".")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _RefuseReference())


def main() -> None:
    hide_reference_library()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
