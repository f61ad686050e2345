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


#: The program that makes the worker's modules importable inside a Jupyter kernel, from
#: their sources sent with it (``kernel_source``): a finder for ``_evalens_worker.*`` whose
#: files are named under ``/<evalens-worker>/``, so that tracebacks leave them out as they
#: leave out the worker's files in a process of its own.
KERNEL_SOURCE = """\
def _evalens_install(files):
    import importlib.abc, importlib.util, sys
    prefix = "/<evalens-worker>/"

    class Sources(importlib.abc.MetaPathFinder, importlib.abc.SourceLoader):
        def find_spec(self, name, path=None, target=None):
            top, _, rest = name.partition(".")
            if top != "_evalens_worker" or (rest or "__init__") not in files:
                return None
            return importlib.util.spec_from_file_location(
                name, self.get_filename(name), loader=self, submodule_search_locations=None if rest else [])

        def get_filename(self, name):
            return prefix + (name.partition(".")[2] or "__init__") + ".py"

        def get_data(self, path):
            return files[path[len(prefix):-3]].encode("utf-8")

    if not any(type(finder).__name__ == "Sources" and getattr(finder, "evalens", False) for finder in sys.meta_path):
        finder = Sources()
        finder.evalens = True
        sys.meta_path.insert(0, finder)
    import _evalens_worker.kernelside


import base64 as _b, json as _j, zlib as _z
_evalens_install(_j.loads(_z.decompress(_b.b64decode("%s"))))
del _evalens_install, _b, _j, _z
"""


def kernel_source(folder: str) -> str:
    """``KERNEL_SOURCE`` with the worker's modules in ``folder`` (the matplotlib backend left
    out: in a kernel, the kernel's own backend shows figures)."""
    import os

    files = {}
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".py") and entry not in ("bootstrap.py", "mplbackend.py"):
            with open(os.path.join(folder, entry), encoding="utf-8") as source:
                files[entry[:-3]] = source.read()
    # one short line for the kernel to read, not 150 kB of Python: IPython tokenizes every
    # cell it is sent before running it
    import base64
    import json
    import zlib

    blob = base64.b64encode(zlib.compress(json.dumps(files).encode("utf-8"), 6)).decode("ascii")
    return KERNEL_SOURCE % blob
