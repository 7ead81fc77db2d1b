"""nbgrader configuration of the course; every nbgrader command run from this directory reads it."""

import os

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
)

ROOT = os.path.dirname(os.path.abspath(__file__))

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.root = ROOT
c.CourseDirectory.course_id = "cs231n"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.solution_directory = "solutions"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# The gradebook stores hidden tests in plain text: it lives with the staff files, never in a release.
# timeout=60 waits out a concurrent writer instead of failing with "database is locked".
c.CourseDirectory.db_url = os.environ.get(
    "CS231N_DB_URL", "sqlite:///" + os.path.join(ROOT, "gradebook.db") + "?timeout=60"
)
# The grader's record of a run (parallel.STATE_FILE) stays out of feedback/ and the grading copy.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store",
                            ".cs231n-autograde.json"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Per-cell time limit. The slowest graded cell of the reference runs in under 10 s on one core
# (two-loop distances); a student's two-loop version may be a few times slower.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# A whole notebook's execution budget; a submission that keeps hitting cell limits stops here.
c.ResilientExecute.notebook_timeout = 900
c.Execute.kernel_manager_class = "cs231n_lib.grading.kernel.GraderKernelManager"
# Student code must not see the course directory: gradebook (hidden tests in plain text), sources,
# other submissions, the reference library. Only its own grading folder is mounted back.
c.GraderKernelManager.hidden_paths = [ROOT]
c.GraderKernelManager.sandbox = os.environ.get("CS231N_SANDBOX", "auto")
c.GraderKernelManager.memory_limit_mb = 4096

# Late work (cs231n_lib/grading/late.py): 10% of the score per started day after the due date, at most
# 50%, after 15 minutes' grace. Due dates: `nbgrader db assignment add <assignment> --duedate=...`.
c.AssignLatePenalties.plugin_class = "cs231n_lib.grading.late.PenaltyPerDayLate"
c.PenaltyPerDayLate.fraction_per_day = 0.1
c.PenaltyPerDayLate.max_fraction = 0.5
c.PenaltyPerDayLate.grace_minutes = 15

# A new student is added before nbgrader looks it up: two assignments graded at once would both insert
# it, and one would lose that submission (cs231n_lib/grading/students.py).
c.Autograde.pre_convert_hook = "cs231n_lib.grading.students.add_student_before_autograde"

# A deleted test cell comes back from the gradebook (and is graded); nbgrader would score it nothing.
c.OverwriteCells.add_missing_cells = True  # OverwriteCellsQuietly inherits it

# Submissions and grading folders are written by students and their kernels: nbgrader reads every
# notebook without following links or blocking on FIFOs, below a size limit (grading_folder.py).
c.Autograde.exporter_class = "cs231n_lib.grading.grading_folder.SafeNotebookExporter"
c.GenerateFeedback.exporter_class = "cs231n_lib.grading.grading_folder.SafeFeedbackExporter"
# Feedback waits until every written answer is graded by hand (it would show them at 0 points);
# `--HoldUngradedFeedback.allow_ungraded=True` hands it back anyway.
c.GenerateFeedback.preprocessors = [
    "cs231n_lib.grading.manual_grades.HoldUngradedFeedback",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

c.Autograde.sanitize_preprocessors = [
    # First: nbgrader has just copied the submission following links; drop what was a link or FIFO.
    "cs231n_lib.grading.grading_folder.DropUnsafeSubmissionFiles",
    "nbgrader.preprocessors.ClearOutput",
    # Before DeduplicateIds and OverwriteCells, which fail on tampered metadata with a KeyError.
    "cs231n_lib.grading.grading_folder.CheckGradingStructure",
    "nbgrader.preprocessors.DeduplicateIds",
    "cs231n_lib.grading.grading_folder.DropBrokenGradingMetadata",
    "nbgrader.preprocessors.OverwriteKernelspec",
    # nbgrader's OverwriteCells, quiet about test cells left as released (upstream #1961).
    "cs231n_lib.grading.grading_folder.OverwriteCellsQuietly",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# The kernel computes, the grader judges: see cs231n_lib/grading/preprocessors.py.
c.Autograde.autograde_preprocessors = [
    "cs231n_lib.grading.grading_folder.PrepareGradingDirectory",
    "cs231n_lib.grading.preprocessors.InjectHiddenChecks",
    "cs231n_lib.grading.execute.ResilientExecute",
    "cs231n_lib.grading.preprocessors.JudgeHiddenChecks",
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    "cs231n_lib.grading.grading_folder.LimitOutputSize",
    "cs231n_lib.grading.grading_folder.HideGraderPaths",
    # nbgrader's SaveAutoGrades, keeping hand-given grades of unchanged answers graded.
    "cs231n_lib.grading.manual_grades.KeepManualGrades",
    AssignLatePenalties,
    CheckCellMetadata,
    # Last: the kernel is gone; remove what it planted before nbgrader writes and chmods the folder.
    "cs231n_lib.grading.grading_folder.SecureGradingFolder",
]

# The staff copy of each assignment's package (a link in source/, see `cs231n-course release`)
# never ships from source/: releases get a freshly generated one.
c.CourseDirectory.ignore.append("cs231n")
c.PrepareGradingDirectory.release_directory = os.path.join(ROOT, "release")

# Solutions are handed back without outputs, so regenerating them is deterministic.
c.GenerateSolution.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.ClearMarkScheme",
]
