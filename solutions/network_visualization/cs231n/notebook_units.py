"""This assignment's units are written in its notebook, where they are graded.

The package's copy of each calls the definition the notebook's cell made, so
package code that uses a unit (a layer inside a network, say) runs yours.
"""

import sys


def written_in_notebook(name, notebook):
    """The notebook's definition of name; NotImplementedError until the cell that defines it has run."""
    definition = getattr(sys.modules.get("__main__"), name, None)
    if definition is None or getattr(definition, "__module__", "").partition(".")[0] == __name__.partition(".")[0]:
        raise NotImplementedError(f"{name} is written in {notebook}: run the cell that defines it there")
    return definition
