from cs231n_lib.grading.cli import main


def test_sync_check_and_leak_scan_pass_on_the_repository(capsys):
    assert main(["sync", "--check"]) == 0
    assert main(["leak-scan"]) == 0
    assert "0 leak(s)" in capsys.readouterr().out


def test_an_unknown_assignment_is_a_clear_error(capsys):
    assert main(["release", "nope"]) == 2
    assert capsys.readouterr().err == ("cs231n-course: error: unknown assignment 'nope'; the course has: knn, "
                                       "svm_softmax, two_layer_net, batchnorm_dropout, convnet, rnn_captioning, gan, "
                                       "network_visualization\n")


def test_autograde_without_submissions_says_so(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "autograde", "knn"]) == 1
    assert "No submissions" in capsys.readouterr().out
