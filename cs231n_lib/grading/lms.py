"""In and out of a learning management system: a roster, submissions from an LMS archive, grade files.

In: `collect` unpacks an LMS download (Canvas's zip, or a folder per student) safely into
``downloaded/<assignment>/extracted/`` with each file's submission time, then runs nbgrader's own
``zip_collect`` with ``LmsCollector``, which names each file's student through the roster. nbgrader
writes ``submitted/<student>/<assignment>/`` and its ``timestamp.txt`` (so late penalties apply).

Out: `export_rows` turns the gradebook into the rows Canvas's gradebook import and Gradescope's score
upload read.
"""

from __future__ import annotations

import csv
import datetime
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.plugins import FileNameCollectorPlugin
from traitlets import Unicode

from . import safe_files
from .errors import CourseError

# Canvas's "Download submissions": <sortable name>_[late_]<user id>_<submission id>_<file name>, where
# a file uploaded again gets "-<n>" before its extension.
CANVAS_NAME = re.compile(r"^(?P<name>[^_/]+)_(?:(?:late|LATE)_)?(?P<lms_id>\d+)_(?P<submission>\d+)_"
                         r"(?P<file>.+?)(?:-(?P<version>\d+))?(?P<ext>\.[A-Za-z0-9]+)$")
MAX_ARCHIVE_BYTES = 2 * 1024 * safe_files.MB
ROSTER_COLUMNS = ("student_id", "lms_id", "name", "email", "sis_id", "sis_login", "section")


class LmsError(CourseError, ValueError):
    """An archive or roster that cannot be used as given: the message says why, in one line."""


@dataclass(frozen=True)
class RosterEntry:
    student_id: str
    lms_id: str
    name: str = ""
    email: str = ""
    sis_id: str = ""
    sis_login: str = ""
    section: str = ""


def read_roster(path: Path) -> list[RosterEntry]:
    """A CSV with a header; `student_id` (the course's id) is required, `lms_id` (Canvas's user id)
    defaults to it; name, email, sis_id, sis_login and section are used by the exports."""
    try:
        text = safe_files.read_text(path, safe_files.MAX_FILE_BYTES)
    except (safe_files.UnsafeFileError, UnicodeDecodeError, FileNotFoundError) as error:
        raise LmsError(f"roster {path}: {error}") from None
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or "student_id" not in rows[0]:
        raise LmsError(f"roster {path}: needs a header with a student_id column (and lms_id, name, email, ...)")
    entries, seen = [], {}
    for number, row in enumerate(rows, start=2):
        values = {key: (row.get(key) or "").strip() for key in ROSTER_COLUMNS}
        if not values["student_id"]:
            raise LmsError(f"roster {path}, line {number}: empty student_id")
        values["lms_id"] = values["lms_id"] or values["student_id"]
        for key in ("student_id", "lms_id"):
            if (key, values[key]) in seen:
                raise LmsError(f"roster {path}, line {number}: {key} {values[key]!r} also on line "
                               f"{seen[key, values[key]]}")
            seen[key, values[key]] = number
        entries.append(RosterEntry(**values))
    return entries


@dataclass
class Match:
    """What a file of an LMS download is: whose, which notebook, when."""

    path: str  # relative to the extracted folder
    student_id: str | None
    file_id: str | None
    problem: str = ""


def match_file(relative: str, by_lms_id: dict[str, str], notebooks: list[str]) -> Match:
    """Whose submission a file is: Canvas's file name, or a folder named by the student's LMS id.

    A notebook under another name (Canvas's "-1" suffix, "knn (2).ipynb") counts as the assignment's
    notebook when the assignment has only one.
    """
    parts = relative.split("/")
    found = CANVAS_NAME.match(parts[-1])
    if found:
        lms_id, name = found["lms_id"], found["file"] + found["ext"]
    elif len(parts) >= 2:
        lms_id, name = parts[-2], parts[-1]
    else:
        return Match(relative, None, None, "neither a Canvas file name nor in a folder named by a student")
    if lms_id not in by_lms_id:
        return Match(relative, None, None, f"LMS id {lms_id!r} is not in the roster")
    if not name.endswith(".ipynb"):
        return Match(relative, by_lms_id[lms_id], None, "not a notebook: left out")
    notebook = name.removesuffix(".ipynb")
    if notebook not in notebooks and len(notebooks) == 1:
        notebook = notebooks[0]
    if notebook not in notebooks:
        return Match(relative, by_lms_id[lms_id], None, f"{name} is not a notebook of the assignment "
                     f"({', '.join(n + '.ipynb' for n in notebooks)})")
    return Match(relative, by_lms_id[lms_id], notebook + ".ipynb")


@dataclass
class Unpacked:
    files: dict[str, float] = field(default_factory=dict)  # relative path -> submission time (POSIX seconds)
    refused: list[str] = field(default_factory=list)


def unpack(archive: Path, destination: Path) -> Unpacked:
    """Copy an LMS download (a .zip, or a folder) into `destination` (emptied first), keeping each
    file's time. Nothing is followed or created through a link; names that climb out, links, devices
    and oversized files are refused and listed."""
    safe_files.remove_entry(destination)
    destination.mkdir(parents=True)
    unpacked = Unpacked()
    mode = archive.lstat().st_mode if os.path.lexists(archive) else None
    if mode is None:
        raise LmsError(f"{archive} does not exist")
    if stat.S_ISDIR(mode):
        folder = safe_files.scan(archive, safe_files.MAX_NOTEBOOK_BYTES, MAX_ARCHIVE_BYTES)
        unpacked.refused += [reason for _, reason in sorted(folder.refused.items())]
        for relative, path in sorted(folder.files.items()):
            data = safe_files.read_bytes(path, safe_files.MAX_NOTEBOOK_BYTES, name=relative)
            _write(destination, relative, data, path.lstat().st_mtime)
            unpacked.files[relative] = path.lstat().st_mtime
        return unpacked
    if not stat.S_ISREG(mode) or not zipfile.is_zipfile(archive):
        raise LmsError(f"{archive} is neither a zip archive nor a folder")
    with zipfile.ZipFile(archive) as bundle:
        total = 0
        for entry in bundle.infolist():
            name = entry.filename
            kind = stat.S_IFMT(entry.external_attr >> 16)
            if entry.is_dir():
                continue
            if name.startswith("/") or ".." in name.split("/") or "\\" in name:
                unpacked.refused.append(f"{name}: a name outside the archive's folder")
            elif kind and kind != stat.S_IFREG:
                unpacked.refused.append(f"{name}: not a regular file (a link or a device)")
            elif entry.file_size > safe_files.MAX_NOTEBOOK_BYTES or total + entry.file_size > MAX_ARCHIVE_BYTES:
                unpacked.refused.append(f"{name}: larger than the limit ({entry.file_size} bytes)")
            else:
                total += entry.file_size
                when = datetime.datetime(*entry.date_time, tzinfo=datetime.timezone.utc).timestamp()
                with bundle.open(entry) as handle:
                    data = handle.read(safe_files.MAX_NOTEBOOK_BYTES + 1)
                if len(data) > safe_files.MAX_NOTEBOOK_BYTES:  # the entry's stated size was false
                    unpacked.refused.append(f"{name}: larger than the limit")
                    continue
                _write(destination, name, data, when)
                unpacked.files[name] = when
    return unpacked


@dataclass
class Collection:
    """What `collect` found in an LMS download, before nbgrader copies anything."""

    students: list[str]  # students with at least one notebook to collect
    refused: list[str]  # files unpack left out, with the reason
    not_collected: list[str]  # "path: why" for files that name no student or no notebook
    duplicates: list[str]  # "student sent notebook n times; the newest is kept: path"


def plan_collection(archive: Path, roster: list[RosterEntry], notebooks: list[str], extracted: Path) -> Collection:
    """Unpack archive into extracted and match each file to a roster student and a notebook."""
    by_lms_id = {entry.lms_id: entry.student_id for entry in roster}
    unpacked = unpack(archive, extracted)
    matches = [match_file(name, by_lms_id, notebooks) for name in sorted(unpacked.files)]
    newest: dict[tuple[str, str], list[str]] = {}
    for found in matches:
        if found.file_id:
            newest.setdefault((found.student_id, found.file_id), []).append(found.path)
    duplicates = [f"{student} sent {notebook} {len(paths)} times; the newest is kept: "
                  f"{max(paths, key=lambda path: unpacked.files[path])}"
                  for (student, notebook), paths in sorted(newest.items()) if len(paths) > 1]
    return Collection(students=sorted({student for student, _ in newest}), refused=list(unpacked.refused),
                      not_collected=[f"{found.path}: {found.problem}" for found in matches if not found.file_id],
                      duplicates=duplicates)


def late_submissions(course_root: Path, assignment: str, students: list[str],
                     due: datetime.datetime) -> list[str]:
    """"student (hours late)" for each student whose collected timestamp.txt is after due."""
    from nbgrader.utils import parse_utc

    late = []
    for student in students:
        try:
            stamp = safe_files.read_text(course_root / "submitted" / student / assignment / "timestamp.txt", 1024)
            when = parse_utc(stamp.strip())
        except (safe_files.UnsafeFileError, FileNotFoundError, UnicodeDecodeError, ValueError):
            continue
        if when > due:
            late.append(f"{student} ({(when - due) / datetime.timedelta(hours=1):.1f} h)")
    return late


def _write(destination: Path, relative: str, data: bytes, when: float) -> None:
    folder = safe_files.real_directory(destination, Path(relative).parent)
    path = folder / Path(relative).name
    safe_files.write_fresh(path, data)
    os.utime(path, (when, when))


class LmsCollector(FileNameCollectorPlugin):
    """nbgrader zip_collect's collector for LMS downloads unpacked by `unpack`: the student from the
    roster, the notebook's name, the time from the file (the archive's entry time)."""

    roster = Unicode("", help="the course roster CSV (see cs231n_lib/grading/lms.py)").tag(config=True)
    extracted = Unicode("", help="the folder unpack wrote").tag(config=True)

    def collect(self, submitted_file: str) -> dict | None:
        relative = os.path.relpath(submitted_file, self.extracted)
        found = match_file(relative.replace(os.sep, "/"), _by_lms_id(self.roster), _notebooks(self.parent))
        if not found.file_id:
            self.log.warning("%s: %s", relative, found.problem)
            return None
        when = datetime.datetime.fromtimestamp(os.lstat(submitted_file).st_mtime, datetime.timezone.utc)
        return {"student_id": found.student_id, "file_id": found.file_id,
                "timestamp": when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")}


def _by_lms_id(roster: str) -> dict[str, str]:
    return {entry.lms_id: entry.student_id for entry in read_roster(Path(roster))}


def _notebooks(app) -> list[str]:
    from .course import get_assignment

    return list(get_assignment(app.coursedir.assignment_id).notebooks)


FORMATS = ("canvas", "gradescope", "csv")


def export_rows(export_format: str, assignment: str, roster: list[RosterEntry], grades: dict[str, float],
                max_score: float, lms_assignment: str = "") -> tuple[list[list[str]], list[str]]:
    """(rows of the file with its header, students of the gradebook missing from the roster).

    grades: course student id -> grade, for every student of the gradebook (0 without a submission, as
    in `nbgrader export`); a roster student the gradebook does not know is left blank (the LMS keeps
    what it has).
    - canvas: Canvas's gradebook CSV: Student, ID, SIS User ID, SIS Login ID, Section, then the
      assignment's column "<name> (<Canvas assignment id>)", after a "Points Possible" row.
    - gradescope: Gradescope's score upload, matched by Email: Name, SID, Email, Total Score.
    - csv: student_id, name, email, score, max_score.
    """
    known = {entry.student_id for entry in roster}
    unmatched = sorted(set(grades) - known)

    def grade(entry: RosterEntry) -> str:
        value = grades.get(entry.student_id)
        return "" if value is None else f"{value:g}"

    if export_format == "canvas":
        column = f"{assignment} ({lms_assignment})" if lms_assignment else assignment
        rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
                ["    Points Possible", "", "", "", "", f"{max_score:g}"]]
        rows += [[entry.name, entry.lms_id, entry.sis_id, entry.sis_login, entry.section, grade(entry)]
                 for entry in roster]
    elif export_format == "gradescope":
        rows = [["Name", "SID", "Email", "Total Score"]]
        rows += [[entry.name, entry.sis_id, entry.email, grade(entry)] for entry in roster]
    elif export_format == "csv":
        rows = [["student_id", "name", "email", "score", "max_score"]]
        rows += [[entry.student_id, entry.name, entry.email, grade(entry), f"{max_score:g}"] for entry in roster]
    else:
        raise LmsError(f"unknown format {export_format!r}; choose one of: {', '.join(FORMATS)}")
    return rows, unmatched
