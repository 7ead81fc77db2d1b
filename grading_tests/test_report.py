import csv

from cs231n_lib.grading.gradebook import StudentScores
from cs231n_lib.grading.report import score_table, write_csv, write_html
from cs231n_lib.grading.run import GradingRun

CELLS = [("test_a", 3.0), ("test_b", 4.0)]


def rows():
    return [
        StudentScores("doe, jane", {"test_a": 3.0, "test_b": 0.0}, {"test_a": 3.0, "test_b": 4.0}, ["q1"]),
        StudentScores('o"neil', {"test_a": 0.0, "test_b": 4.0}, {"test_a": 3.0, "test_b": 4.0}),
    ]


def test_csv_quotes_names_with_commas_and_quotes(tmp_path):
    path = tmp_path / "scores.csv"
    write_csv(path, rows(), CELLS)
    with path.open(newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["student", "submitted", "timestamp", "test_a", "test_b", "auto_total", "raw_score",
                        "late_submission_penalty", "score", "max_score", "needs_manual_grading"]
    assert table[1][0] == "doe, jane" and table[2][0] == 'o"neil'
    assert [float(v) for v in table[1][3:10]] == [3.0, 0.0, 3.0, 3.0, 0.0, 3.0, 7.0]
    assert table[1][10] == "q1" and table[2][10] == ""


def test_table_shows_points_per_cell_and_total():
    text = score_table(rows(), CELLS)
    assert "a" in text.splitlines()[0] and "3/3" in text and "4/7" in text


def test_a_wide_table_wraps_into_blocks_that_fit_100_columns():
    cells = [(f"test_a_rather_long_cell_name_{i}", 2.0) for i in range(20)]
    row = StudentScores("a-student-with-a-long-id", {name: 2.0 for name, _ in cells}, dict(cells))
    text = score_table([row], cells)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert sum(line.startswith("student") for line in lines) >= 3  # the header repeats in each block
    assert text.count("2/2") == 20 and "40/40" in text


def test_html_report_embeds_a_chart_and_escapes_names(tmp_path):
    page = write_html(tmp_path / "knn.html", "knn", rows(), CELLS,
                      [GradingRun("doe, jane", 12.5, True, ""), GradingRun('o"neil', 3.0, False, "bad <json>")])
    text = page.read_text()
    assert "data:image/png;base64," in text and (tmp_path / "knn.png").stat().st_size > 1000
    assert "bad &lt;json&gt;" in text and "o&quot;neil" in text


def test_incidents_list_limits_hit_and_failed_runs(tmp_path):
    import json

    from cs231n_lib.grading.report import incidents

    graded = tmp_path / "autograded" / "eve" / "knn"
    graded.mkdir(parents=True)
    cell = {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "test_predict_labels"}}, "source": "",
            "outputs": [{"output_type": "error", "ename": "KernelDied", "evalue": "", "traceback": []}]}
    (graded / "knn.ipynb").write_text(json.dumps({"cells": [cell]}))
    (graded / ".cs231n-autograde.json").write_text(json.dumps({"ok": False, "message": "knn.ipynb is missing"}))
    assert incidents(tmp_path, "knn") == [
        ("eve", "knn.ipynb is missing"),
        ("eve", "knn: test_predict_labels: the kernel died (memory, os._exit, a signal)"),
    ]


def test_a_long_failure_message_is_cut_so_that_its_record_reads_back(tmp_path):
    # Every record write_state writes must be read back by the same reader the report and the
    # regrading check use; a message of non-ASCII characters takes 6 bytes each in the JSON.
    from cs231n_lib.grading.report import incidents
    from cs231n_lib.grading.run import STATE_MAX_BYTES, RunRecord, read_state, state_path, write_state

    folder = tmp_path / "autograded" / "eve" / "knn"
    folder.mkdir(parents=True)
    message = "Zelle fehlgeschlagen: \u00fc\u00e4\u00f6 " * 5000
    write_state(folder, RunRecord("abc", False, message, 3.0))
    assert (folder / ".cs231n-autograde.json").stat().st_size <= STATE_MAX_BYTES
    record = read_state(state_path(tmp_path, "knn", "eve"))
    assert record is not None and (record.fingerprint, record.ok, record.seconds) == ("abc", False, 3.0)
    assert message.startswith(record.message.split(" [... cut")[0]) and record.message.endswith("state file]")
    assert incidents(tmp_path, "knn") == [("eve", record.message)]
