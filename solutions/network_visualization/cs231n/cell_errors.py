"""In a notebook: when a cell fails because an earlier cell failed, say which cell that was.

A failed training cell leaves `solver` half made; three cells later `solver.loss_history[-1]` raises a
bare `IndexError` that says nothing about the real cause. After every cell that raises, this prints
a note naming each earlier failed cell that set a name the failing cell uses. Importing the course
package installs it (only inside IPython, once).
"""

import ast
import builtins

_failed = {}  # name -> (execution count, first line, "ExceptionClass: message") of the failed cell that set it


def _assigned(tree):
    """Names a cell's top-level statements bind."""
    names = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).partition(".")[0] for alias in statement.names)
        else:
            for node in ast.walk(statement):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
    return names


def _used(tree):
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _after_cell(result):
    try:
        source = result.info.raw_cell or ""
        tree = ast.parse(source)
    except Exception:  # IPython magics and syntax errors: nothing to say
        return
    error = result.error_before_exec or result.error_in_exec
    names = _assigned(tree)
    if error is None:
        for name in names:
            _failed.pop(name, None)
        return
    causes = {}
    for name in sorted(_used(tree) - names):
        if name in _failed:
            causes.setdefault(_failed[name], []).append(name)
    for (count, first_line, what), used in causes.items():
        print(f"\nNote: this cell uses {', '.join(used)}, set by the cell In [{count}] ({first_line!r}) which failed "
              f"with {what}. Fix that cell and run it again first; this error may come from there.")
    message = str(error).strip().splitlines()[0][:120] if str(error).strip() else ""
    first_line = next((line.strip() for line in source.splitlines() if line.strip()), "")[:60]
    for name in names:
        _failed[name] = (result.execution_count, first_line, type(error).__name__ + (f": {message}" if message else ""))


def install():
    """Register the note with the running IPython shell (nothing outside IPython; once per shell)."""
    get_ipython = getattr(builtins, "get_ipython", None)
    shell = get_ipython() if get_ipython else None
    if shell is None or getattr(shell, "_cs231n_cell_errors", False):
        return
    shell.events.register("post_run_cell", _after_cell)
    shell._cs231n_cell_errors = True
