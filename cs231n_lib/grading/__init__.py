"""Course tooling: hidden checks, the nbgrader plug-ins that judge them, and the CLI."""

import sys

# jsonschema (under nbformat and nbgrader) imports rfc3987_syntax, when installed, for its "iri" format
# checker, and that import compiles dozens of Earley parsers: 1.0 s of every process that imports nbformat
# (the CLI, each Dask worker, each fork server), a third of a command's start. No schema that nbformat,
# nbgrader or Jupyter validates uses the "iri" formats (python-jsonschema/jsonschema#1428); marking the
# module absent makes jsonschema leave those two formats unchecked, as it does wherever it is not installed.
sys.modules.setdefault("rfc3987_syntax", None)
