"""A throwaway PostgreSQL server for the tests: its own data directory, a Unix socket, no TCP.

Found through Debian's postgresql package (`make install` installs it where it can) or initdb on
PATH. PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user the
package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path


def find_initdb() -> str | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return candidates[0] if candidates else shutil.which("initdb")


def unavailable_reason() -> str | None:
    """Why a server cannot be started here, or None if it can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed (pip install -e '.[test]')"
    if find_initdb() is None:
        return "PostgreSQL is not installed (Debian: apt-get install postgresql; `make install` tries)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run the server as"
    return None


@contextmanager
def postgres_server():
    """Yield a SQLAlchemy URL of a fresh database on a private server; stop and delete it after."""
    bin_dir = Path(find_initdb()).parent
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    scratch = Path(tempfile.mkdtemp(prefix="cs231n-postgres-"))
    data, socket_dir = scratch / "data", scratch / "socket"
    socket_dir.mkdir()
    if as_user:
        shutil.chown(scratch, "postgres")
        shutil.chown(socket_dir, "postgres")
    user = "postgres" if as_user else os.environ.get("USER", "postgres")

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, text=True, cwd=scratch)

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "--no-sync")
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(scratch / "server.log"), "-w", "-o",
            f"-k {socket_dir} -c listen_addresses='' -c fsync=off", "start")
        try:
            run(str(bin_dir / "createdb"), "-h", str(socket_dir), "-U", user, "gradebook")
            yield f"postgresql+psycopg://{user}@/gradebook?host={socket_dir}"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
