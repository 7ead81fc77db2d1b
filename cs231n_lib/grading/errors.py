"""The errors that are the instructor's to fix, kept apart from the modules that raise them.

The command line catches CourseError without importing nbgrader, so `--help` and a misspelt verb or
option are answered at once.
"""


class CourseError(Exception):
    """A name, file or option the instructor can correct: the CLI prints the message as one line, exit 2."""
