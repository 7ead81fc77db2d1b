"""One module per assignment: its notebooks and units, hidden checks, and planted bugs."""
