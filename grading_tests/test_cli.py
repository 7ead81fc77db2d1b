from cs231n_lib.grading.cli import main


def test_sync_check_and_leak_scan_pass_on_the_repository(capsys):
    assert main(["sync", "--check"]) == 0
    assert main(["leak-scan"]) == 0
    assert "0 leak(s)" in capsys.readouterr().out


def test_an_unknown_assignment_is_a_clear_error(capsys):
    import pytest

    with pytest.raises(SystemExit, match="unknown assignment 'nope'"):
        main(["release", "nope"])


def test_autograde_without_submissions_says_so(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "autograde", "knn"]) == 1
    assert "No submissions" in capsys.readouterr().out
