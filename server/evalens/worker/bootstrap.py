"""The ``python -c`` program that starts the worker in the user's interpreter.

It removes the current directory from ``sys.path``, clears ``sys.argv`` and
loads this folder as the private package ``_evalens_worker``, so no module of
the server is importable and no user module can shadow the worker.
"""

SOURCE = """\
import importlib.util, sys
folder, read_fd, write_fd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.argv[:] = [""]
if sys.path and sys.path[0] in ("", folder):
    del sys.path[0]
spec = importlib.util.spec_from_file_location(
    "_evalens_worker", folder + "/__init__.py", submodule_search_locations=[folder])
package = importlib.util.module_from_spec(spec)
sys.modules["_evalens_worker"] = package
spec.loader.exec_module(package)
del spec, package
import _evalens_worker.main
_evalens_worker.main.serve(read_fd, write_fd)
"""
