"""Course tooling: hidden checks, the nbgrader plug-ins that judge them, and the CLI."""
