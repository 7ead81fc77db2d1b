"""Roster, LMS archives and grade files (cs231n_lib/grading/lms.py), without grading anything."""

import csv
import datetime
import os
import stat
import zipfile

import pytest

from cs231n_lib.grading.lms import LmsError, RosterEntry, export_rows, match_file, plan_collection, read_roster, unpack

BY_LMS_ID = {"1001": "ann", "1002": "bob"}


@pytest.mark.parametrize("name, student, notebook", [
    ("smithann_1001_555_knn.ipynb", "ann", "knn.ipynb"),
    ("jonesbob_late_1002_556_knn.ipynb", "bob", "knn.ipynb"),
    ("jonesbob_LATE_1002_557_knn-2.ipynb", "bob", "knn.ipynb"),  # uploaded again: Canvas adds -2
    ("smithann_1001_558_KNN (1).ipynb", "ann", "knn.ipynb"),  # the assignment has one notebook
    ("1001/knn.ipynb", "ann", "knn.ipynb"),  # a folder per student, named by LMS id
    ("download/1002/knn.ipynb", "bob", "knn.ipynb"),
])
def test_files_are_matched_to_students_and_notebooks(name, student, notebook):
    found = match_file(name, BY_LMS_ID, ["knn"])
    assert (found.student_id, found.file_id, found.problem) == (student, notebook, "")


@pytest.mark.parametrize("name, problem", [
    ("doejoe_9999_559_knn.ipynb", "LMS id '9999' is not in the roster"),
    ("smithann_1001_560_timestamp.txt", "not a notebook: left out"),  # a forged submission time
    ("knn.ipynb", "neither a Canvas file name nor in a folder named by a student"),
])
def test_files_that_cannot_be_matched_say_why(name, problem):
    found = match_file(name, BY_LMS_ID, ["knn"])
    assert found.file_id is None and found.problem == problem


def test_a_notebook_of_another_name_is_refused_when_the_assignment_has_several():
    found = match_file("1001/mine.ipynb", BY_LMS_ID, ["a", "b"])
    assert found.file_id is None and "not a notebook of the assignment (a.ipynb, b.ipynb)" in found.problem


def test_the_roster_needs_unique_ids(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("student_id,lms_id,email\nann,1001,ann@x.edu\nbob,1001,bob@x.edu\n")
    with pytest.raises(LmsError, match="line 3: lms_id '1001' also on line 2"):
        read_roster(path)
    path.write_text("name,email\nAnn,ann@x.edu\n")
    with pytest.raises(LmsError, match="needs a header with a student_id column"):
        read_roster(path)
    path.write_text("student_id\nann\n")
    assert read_roster(path) == [RosterEntry("ann", "ann")]  # the LMS id defaults to the course id


def _zip(path, entries):
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data, when, mode in entries:
            info = zipfile.ZipInfo(name, date_time=when)
            info.external_attr = mode << 16
            bundle.writestr(info, data)


def test_a_zip_is_unpacked_with_its_times_and_nothing_outside_its_folder(tmp_path):
    archive = tmp_path / "submissions.zip"
    noon = (2026, 11, 20, 12, 0, 0)
    _zip(archive, [
        ("smithann_1001_555_knn.ipynb", b"{}", noon, stat.S_IFREG | 0o644),
        ("../escape.ipynb", b"{}", noon, stat.S_IFREG | 0o644),
        ("link.ipynb", b"/etc/passwd", noon, stat.S_IFLNK | 0o777),
    ])
    out = tmp_path / "extracted"
    unpacked = unpack(archive, out)
    assert list(unpacked.files) == ["smithann_1001_555_knn.ipynb"]
    assert sorted(unpacked.refused) == ["../escape.ipynb: a name outside the archive's folder",
                                       "link.ipynb: not a regular file (a link or a device)"]
    written = out / "smithann_1001_555_knn.ipynb"
    assert datetime.datetime.fromtimestamp(written.stat().st_mtime, datetime.timezone.utc) == \
        datetime.datetime(*noon, tzinfo=datetime.timezone.utc)
    assert not (tmp_path / "escape.ipynb").exists() and not (out / "link.ipynb").exists()


def test_a_folder_is_copied_without_following_links(tmp_path):
    folder = tmp_path / "download" / "1001"
    folder.mkdir(parents=True)
    (folder / "knn.ipynb").write_text("{}")
    os.utime(folder / "knn.ipynb", (1_700_000_000, 1_700_000_000))
    secret = tmp_path / "secret.txt"
    secret.write_text("staff only")
    (folder / "notes.ipynb").symlink_to(secret)
    os.mkfifo(folder / "pipe.ipynb")
    unpacked = unpack(tmp_path / "download", tmp_path / "extracted")
    assert unpacked.files == {"1001/knn.ipynb": 1_700_000_000}
    assert len(unpacked.refused) == 2
    assert sorted(p.name for p in (tmp_path / "extracted" / "1001").iterdir()) == ["knn.ipynb"]


def test_bad_archives_get_one_line(tmp_path):
    with pytest.raises(LmsError, match="does not exist"):
        unpack(tmp_path / "nope.zip", tmp_path / "out")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(LmsError, match="neither a zip archive nor a folder"):
        unpack(tmp_path / "notes.txt", tmp_path / "out")


ROSTER = [RosterEntry("ann", "1001", "Smith, Ann", "ann@x.edu", "S1", "asmith", "A"),
          RosterEntry("bob", "1002", "Jones, Bob", "bob@x.edu", "S2", "bjones", "B"),
          RosterEntry("cy", "1003", "Lee, Cy", "cy@x.edu", "S3", "clee", "A")]


def test_canvas_gets_its_gradebook_layout():
    rows, unmatched = export_rows("canvas", "knn", ROSTER, {"ann": 20.0, "bob": 14.4, "zed": 3.0}, 23.0, "8812")
    # Canvas's gradebook export: identity columns, then "<assignment> (<Canvas id>)"; a Points Possible row.
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "knn (8812)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "23"]
    assert rows[2:] == [["Smith, Ann", "1001", "S1", "asmith", "A", "20"],
                        ["Jones, Bob", "1002", "S2", "bjones", "B", "14.4"],
                        ["Lee, Cy", "1003", "S3", "clee", "A", ""]]  # unknown to the gradebook: left as is
    assert unmatched == ["zed"]


def test_gradescope_gets_email_and_total_score(tmp_path):
    rows, _ = export_rows("gradescope", "knn", ROSTER, {"ann": 20.0, "bob": 14.4, "cy": 0.0}, 23.0)
    path = tmp_path / "gradescope.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with path.open(newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [(r["Email"], r["Total Score"]) for r in table] == [("ann@x.edu", "20"), ("bob@x.edu", "14.4"),
                                                               ("cy@x.edu", "0")]
    assert list(table[0]) == ["Name", "SID", "Email", "Total Score"]


def test_a_collection_names_duplicates_keeping_the_newest_and_what_it_leaves_out(tmp_path):
    download = tmp_path / "download"
    download.mkdir()
    for name, when in [("jonesbob_1002_556_knn.ipynb", 1_700_000_000), ("jonesbob_1002_557_knn-1.ipynb", 1_700_100_000),
                       ("smithann_1001_555_knn.ipynb", 1_700_000_000), ("doejoe_9999_559_knn.ipynb", 1_700_000_000)]:
        (download / name).write_text("{}")
        os.utime(download / name, (when, when))
    roster = [RosterEntry("ann", "1001", "Ann Smith"), RosterEntry("bob", "1002", "Bob Jones")]
    found = plan_collection(download, roster, ["knn"], tmp_path / "extracted")
    assert found.students == ["ann", "bob"]
    assert found.duplicates == ["bob sent knn.ipynb 2 times; the newest is kept: jonesbob_1002_557_knn-1.ipynb"]
    assert found.not_collected == ["doejoe_9999_559_knn.ipynb: LMS id '9999' is not in the roster"]
    assert found.refused == []
