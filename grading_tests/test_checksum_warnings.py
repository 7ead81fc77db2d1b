"""nbgrader warns "Attribute 'checksum' ... has changed!" for every test cell of every submission,
because the release strips hidden tests (upstream jupyter/nbgrader#1961). OverwriteCellsQuietly keeps
the warning only for a cell that differs from what the student was given."""

import logging

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.preprocessors import OverwriteCells
from nbgrader.utils import compute_checksum

from cs231n_lib.grading.grading_folder import OverwriteCellsQuietly

SOURCE = "assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(2) == 2\n### END HIDDEN TESTS"
RELEASED = "assert f(1) == 1"


def _test_cell(source):
    metadata = {"nbgrader": {"grade_id": "test_f", "grade": True, "solution": False, "locked": True, "points": 3,
                             "schema_version": 3}}
    return nbformat.v4.new_code_cell(source, metadata=metadata)


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        gradebook.add_assignment("hw")
        gradebook.add_notebook("nb", "hw")
        gradebook.add_grade_cell("test_f", "nb", "hw", max_score=3, cell_type="code")
        gradebook.add_source_cell("test_f", "nb", "hw", cell_type="code", locked=True, source=SOURCE,
                                  checksum=compute_checksum(_test_cell(SOURCE)))
    return url


def _warnings(preprocessor_class, db_url, source, caplog):
    resources = {"nbgrader": {"notebook": "nb", "assignment": "hw", "student": "ann", "db_url": db_url}}
    preprocessor = preprocessor_class()
    preprocessor.log = logging.getLogger("overwrite-cells-test")
    nb = nbformat.v4.new_notebook(cells=[_test_cell(source)])
    with caplog.at_level(logging.DEBUG, logger="overwrite-cells-test"):
        caplog.clear()
        nb, _ = preprocessor.preprocess(nb, resources)
    assert nb.cells[0].source == SOURCE  # the hidden tests are back either way
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_test_cell_as_released_raises_no_warning(db_url, caplog):
    assert _warnings(OverwriteCellsQuietly, db_url, RELEASED, caplog) == []
    # nbgrader's own class warns here: the noise this removes.
    assert any("checksum" in w for w in _warnings(OverwriteCells, db_url, RELEASED, caplog))


def test_an_edited_test_cell_still_warns(db_url, caplog):
    found = _warnings(OverwriteCellsQuietly, db_url, RELEASED + "\nassert True", caplog)
    assert len(found) == 1 and "Attribute 'checksum' for cell test_f has changed!" in found[0], found
