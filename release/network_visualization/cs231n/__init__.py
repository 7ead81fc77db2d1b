"""Course package for the network_visualization assignment.

Helpers (data loading, gradient checking, plotting) and the code you wrote in
earlier assignments. The units of this assignment are written in its notebook,
where they are graded; their copies here call the notebook's definitions. Units
of later assignments raise NotImplementedError.
"""

from .cell_errors import install as _install_cell_errors

# In a notebook, a cell that fails because an earlier cell failed names that cell.
_install_cell_errors()
