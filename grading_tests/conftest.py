import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# nbgrader creates gradebooks with `alembic`, which it finds on PATH.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
os.environ.setdefault("MPLBACKEND", "agg")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
