import subprocess
import sys

from cs231n_lib.grading.cli import main
from cs231n_lib.grading.course import REPO_ROOT


def _in_a_new_interpreter(code: str) -> list[str]:
    """The lines code prints, run by a new Python: this one has long imported nbgrader and nbformat."""
    completed = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout.splitlines()


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


def test_help_and_typos_answer_before_nbgrader_is_imported():
    """Importing nbgrader and the notebook stack takes seconds; `--help`, a misspelt verb and a
    misspelt assignment (of a command that takes several, or one) need none of it."""
    lines = _in_a_new_interpreter(
        "import sys\n"
        "sys.stderr = sys.stdout\n"
        "from cs231n_lib.grading.cli import main\n"
        "for argv in (['--help'], ['autogarde', 'knn'], ['autograde', 'knn', 'svm'], ['report', 'kNN']):\n"
        "    try:\n"
        "        code = main(argv)\n"
        "    except SystemExit as exit:\n"
        "        code = exit.code\n"
        "    print('exit', code, 'nbgrader imported:', 'nbgrader' in sys.modules)\n")
    assert [line for line in lines if line.startswith("exit")] == [
        "exit 0 nbgrader imported: False", "exit 2 nbgrader imported: False", "exit 2 nbgrader imported: False",
        "exit 2 nbgrader imported: False"]
    assert "cs231n-course: error: unknown assignment 'svm'; the course has: knn, svm_softmax" in "\n".join(lines)


def test_the_grading_tools_never_compile_jsonschemas_iri_parsers():
    """jsonschema's optional rfc3987_syntax costs a second at import; with the grading package imported
    first it is never loaded, and notebooks are still validated against nbformat's schema."""
    lines = _in_a_new_interpreter(
        "import sys\n"
        "import cs231n_lib.grading\n"
        "import nbformat\n"
        "notebook = nbformat.read('source/knn/knn.ipynb', as_version=4)\n"
        "nbformat.validate(notebook)\n"
        "notebook.cells[0]['cell_type'] = 'no such type'\n"
        "try:\n"
        "    nbformat.validate(notebook)\n"
        "except nbformat.ValidationError:\n"
        "    print('invalid notebook refused')\n"
        "print('rfc3987_syntax loaded:', sys.modules.get('rfc3987_syntax') is not None)\n")
    assert lines == ["invalid notebook refused", "rfc3987_syntax loaded: False"]
