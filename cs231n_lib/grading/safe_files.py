"""File operations for folders a submission or a student's kernel can tamper with.

A submission can ship symbolic links (to a classmate's notebook, the gradebook, /etc/passwd),
FIFOs that block a reader for good, and sparse files of 100 GB; a kernel can plant the same in
its grading folder, or replace the graded notebook by a link so that the grader writes through
it. Every read here opens without following links and without blocking, checks what it opened,
and refuses anything that is not a small regular file; every write creates a fresh file. Each
refusal is an ``UnsafeFileError`` whose message is one line an instructor and a student can read.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

MB = 1024 * 1024
# A graded knn notebook is ~1 MB; the whole-notebook output cap (grading_folder.LimitOutputSize)
# keeps a graded one under ~25 MB.
MAX_NOTEBOOK_BYTES = 50 * MB
MAX_FILE_BYTES = 50 * MB
MAX_SUBMISSION_BYTES = 100 * MB
# Holes are checked only above this size: a small file costs nothing to read, whatever it is.
SPARSE_CHECK_BYTES = 1 * MB


class UnsafeFileError(OSError):
    """A file the grader will not read or write; str() is the one-line reason."""


def kind(mode: int) -> str | None:
    """What a non-regular entry is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def _has_holes(fd: int, size: int) -> bool:
    # SEEK_HOLE finds the first hole; a file without one reports its end. Compression or delayed
    # allocation change st_blocks but never make a hole, so this does not flag honest files.
    if size < SPARSE_CHECK_BYTES:
        return False
    try:
        return os.lseek(fd, 0, os.SEEK_HOLE) < size
    except OSError:
        return False
    finally:
        os.lseek(fd, 0, os.SEEK_SET)  # SEEK_HOLE moved the offset; the caller reads from the start


def refusal(name: str, status: os.stat_result, limit: int, fd: int | None = None) -> str | None:
    """Why the entry with this lstat/fstat status may not be read (None if it may)."""
    what = kind(status.st_mode)
    if what is not None:
        return f"{name} is {what}"
    if status.st_size > limit:
        return f"{name} is {status.st_size / MB:.1f} MB, above the {limit / MB:.0f} MB limit"
    if fd is not None and _has_holes(fd, status.st_size):
        return f"{name} is a sparse file ({status.st_size / MB:.1f} MB with holes)"
    return None


def read_bytes(path: Path | str, limit: int = MAX_FILE_BYTES, name: str | None = None) -> bytes:
    """The content of a regular file of at most limit bytes, never following a link or blocking."""
    name = name or os.path.basename(path)
    try:
        before = os.lstat(path)
    except OSError as error:
        raise UnsafeFileError(f"{name} cannot be read: {error.strerror}") from None
    reason = refusal(name, before, limit)
    if reason:
        raise UnsafeFileError(reason)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:  # replaced by a link or a FIFO since lstat
        raise UnsafeFileError(f"{name} cannot be opened safely: {error.strerror}") from None
    try:
        reason = refusal(name, os.fstat(fd), limit, fd)
        if reason:
            raise UnsafeFileError(reason)
        chunks, total = [], 0
        while chunk := os.read(fd, min(MB, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # grew while being read
                raise UnsafeFileError(f"{name} grew above the {limit / MB:.0f} MB limit while being read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path | str, limit: int = MAX_FILE_BYTES, name: str | None = None) -> str:
    return read_bytes(path, limit, name).decode("utf-8")


@dataclass
class Scan:
    """A folder's regular files (relative name -> path) and the entries refused, with reasons."""

    files: dict[str, Path] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # relative name -> one-line reason


def scan(directory: Path, file_limit: int = MAX_FILE_BYTES, total_limit: int = MAX_SUBMISSION_BYTES,
         notebook_limit: int = MAX_NOTEBOOK_BYTES) -> Scan:
    """List a folder recursively without following links; refuse what read_bytes would refuse.

    Files past total_limit (in sorted order) are refused too. Sparse files are caught on reading.
    """
    result, total = Scan(), 0
    for relative, status in _walk(directory, ""):
        limit = notebook_limit if relative.endswith(".ipynb") else file_limit
        reason = refusal(relative, status, limit)
        if reason is None and total + status.st_size > total_limit:
            reason = f"{relative} is past the {total_limit / MB:.0f} MB limit for a whole submission"
        if reason:
            result.refused[relative] = reason
        else:
            total += status.st_size
            result.files[relative] = directory / relative
    return result


def _walk(directory: Path, prefix: str):
    """(relative name, lstat) of every entry but real folders, which are entered; links are not."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        relative = prefix + entry.name
        status = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(status.st_mode):
            yield from _walk(Path(entry.path), relative + "/")
        else:
            yield relative, status


def remove_entry(path: Path | str) -> None:
    """Remove a file, link or folder without touching what a link points to."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(status.st_mode):
        shutil.rmtree(path)  # never follows links inside (fd-based on Linux)
    else:
        os.unlink(path)


def write_fresh(path: Path | str, data: bytes | str) -> None:
    """Write data to a newly created file: whatever was at path (a planted link) is unlinked first."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    remove_entry(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def real_directory(anchor: Path, relative: Path | str) -> Path:
    """anchor/relative as a chain of real folders: links or files on the way are removed, folders made.

    anchor itself is trusted (the course's autograded/ folder, say); nothing below it is.
    """
    current = Path(anchor)
    for part in Path(relative).parts:
        current = current / part
        try:
            if stat.S_ISDIR(os.lstat(current).st_mode):
                continue
            os.unlink(current)
        except FileNotFoundError:
            pass
        os.mkdir(current)
    return current


def clean_folder(directory: Path, file_limit: int = MAX_FILE_BYTES,
                 total_limit: int = MAX_SUBMISSION_BYTES) -> list[str]:
    """Remove from a grading folder every entry the grader must not read, copy or chmod.

    That is links, FIFOs, devices, sockets, sparse or oversized files, files with other hard
    links (a hard link to the gradebook would be truncated or chmod'ed through), and files past
    total_limit. Returns one line per removal.
    """
    removed, total = [], 0
    for relative, status in _walk(directory, ""):
        path = directory / relative
        reason = refusal(relative, status, file_limit)
        if reason is None and status.st_nlink > 1:
            reason = f"{relative} is a hard link to another file"
        if reason is None and status.st_size >= SPARSE_CHECK_BYTES:
            reason = _sparse_reason(path, relative, file_limit)
        if reason is None and total + status.st_size > total_limit:
            reason = f"{relative} is past the {total_limit / MB:.0f} MB limit for a grading folder"
        if reason:
            remove_entry(path)
            removed.append(reason)
        else:
            total += status.st_size
    return removed


def _sparse_reason(path: Path, relative: str, limit: int) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return f"{relative} cannot be opened safely"
    try:
        return refusal(relative, os.fstat(fd), limit, fd)
    finally:
        os.close(fd)


def linked_folder(anchor: Path, relative: Path | str) -> str | None:
    """Why anchor/relative is not a chain of real folders (a link or a file on the way), or None."""
    current, name = Path(anchor), ""
    for part in Path(relative).parts:
        current, name = current / part, f"{name}{part}/"
        try:
            what = kind(os.lstat(current).st_mode)
        except FileNotFoundError:
            return None
        if what != "a folder":
            return f"{name.rstrip('/')} is {what or 'a regular file'}"
    return None
