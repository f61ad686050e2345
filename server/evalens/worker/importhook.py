"""Open editor documents as importable modules, inside the user's interpreter.

``DocumentTable`` holds the editor's current text of every open document.
``EditorFinder`` sits first on ``sys.meta_path`` and serves those texts before
anything on disk, registers them with ``linecache`` so tracebacks and
``inspect.getsource`` show the buffer, and hides the server's own packages.
"""

from __future__ import annotations

import importlib.machinery
import linecache
import os
import sys
import types
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from .collection import compiled
from .messages import DocumentInfo

if TYPE_CHECKING:
    from importlib.abc import Loader, MetaPathFinder
else:  # importlib.abc costs 10 ms at start-up, and the import system needs no base class
    Loader = MetaPathFinder = object

HIDDEN_HINT = (
    "it belongs to the evalens server's own environment, which user code does "
    "not see; install it into the interpreter that runs your code (the "
    "`evalens.interpreter` setting; a workspace .venv is picked up automatically)"
)


class DocumentTable:
    """The editor's documents, by module name and by file name."""

    def __init__(self) -> None:
        self.by_name: Dict[str, DocumentInfo] = {}
        self.by_path: Dict[str, DocumentInfo] = {}
        #: module name -> revision of the text that module last executed
        self.loaded: Dict[str, int] = {}
        #: module name -> the text it last executed (what the next update compares with)
        self.executed: Dict[str, str] = {}
        #: folders of documents under no workspace root, added to sys.path
        self.added_roots: List[str] = []

    def update(self, documents: Sequence[DocumentInfo], closed: Sequence[str]) -> None:
        for name in closed:
            old = self.by_name.pop(name, None)
            if old is not None:
                self.by_path.pop(old["path"], None)
                linecache.cache.pop(old["path"], None)
        for doc in documents:
            old = self.by_name.get(doc["name"])
            if old is not None and old["path"] != doc["path"]:
                self.by_path.pop(old["path"], None)
            self.by_name[doc["name"]] = doc
            self.by_path[doc["path"]] = doc
            register_source(doc["path"], doc["text"])
            root = doc.get("root")
            if root and root not in sys.path:
                # A document under no workspace root is a root itself (docs/protocol.md, "Module names").
                sys.path.append(root)
                self.added_roots.append(root)

    def package_folder(self, name: str) -> Optional[str]:
        """The folder of package ``name`` when an open document lives inside it."""
        prefix = name + "."
        for doc in self.by_name.values():
            if doc["importable"] and doc["name"].startswith(prefix):
                package = doc["name"] if doc["isPackage"] else doc["name"].rpartition(".")[0]
                folder = os.path.dirname(doc["path"])  # the folder of `package`
                for _ in range(package.count(".") - name.count(".")):
                    folder = os.path.dirname(folder)
                return folder
        return None

    def importable(self, name: str) -> Optional[DocumentInfo]:
        doc = self.by_name.get(name)
        if doc is not None and doc["importable"]:
            return doc
        return None


def register_source(filename: str, text: str) -> None:
    """Make tracebacks and ``inspect`` read ``text`` as the lines of ``filename``."""
    lines = text.splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    linecache.cache[filename] = (len(text), None, lines, filename)


def execute_document(module: types.ModuleType, doc: DocumentInfo, table: DocumentTable) -> None:
    """Run the document's current text in the module's (possibly existing) namespace."""
    register_source(doc["path"], doc["text"])
    code = compiled(doc["text"], doc["path"], "exec")
    exec(code, module.__dict__)
    table.loaded[doc["name"]] = doc["revision"]
    table.executed[doc["name"]] = doc["text"]


def bind_submodules(module: types.ModuleType) -> None:
    """Before a package's ``__init__`` runs again: bind each loaded submodule as an attribute,
    as importing it did the first time. A submodule already in ``sys.modules`` is not bound
    again by ``from .sub import x``, so an ``__init__`` that ends with ``del sub`` (toolz's
    ``curried``) would fail on its second run where a fresh import succeeds."""
    if not hasattr(module, "__path__"):
        return
    prefix = module.__name__ + "."
    namespace = module.__dict__
    for name, submodule in list(sys.modules.items()):
        if name.startswith(prefix) and "." not in name[len(prefix) :] and submodule is not None:
            namespace[name[len(prefix) :]] = submodule


class EditorLoader(Loader):
    """Loads one open document from the editor's text."""

    def __init__(self, table: DocumentTable, doc: DocumentInfo) -> None:
        self.table = table
        self.doc = doc

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        doc = self.table.by_name.get(self.doc["name"], self.doc)
        execute_document(module, doc, self.table)

    def get_source(self, fullname: str) -> str:
        return self.table.by_name.get(fullname, self.doc)["text"]

    def is_package(self, fullname: str) -> bool:
        return self.doc["isPackage"]


class HelperLoader(Loader):
    """Builds the ``evalens`` helper module that user code may import."""

    def __init__(self, table: DocumentTable, helpers: Dict[str, Any]) -> None:
        self.table = table
        self.helpers = helpers

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        table = self.table
        module.__doc__ = "Helpers for code running in an evalens session."

        def documents() -> Dict[str, str]:
            """Module name -> URI of each document open in the editor."""
            return {name: doc["uri"] for name, doc in table.by_name.items() if doc["importable"]}

        module.documents = documents  # type: ignore[attr-defined]
        module.in_evalens = True  # type: ignore[attr-defined]
        for name, helper in self.helpers.items():
            setattr(module, name, helper)


class EditorFinder(MetaPathFinder):
    """Serves open documents before disk and keeps the server's packages out."""

    def __init__(self, table: DocumentTable, hidden: List[str], helpers: Dict[str, Any]) -> None:
        self.table = table
        self.hidden = frozenset(hidden)
        self.helpers = helpers

    def find_spec(
        self,
        fullname: str,
        path: Optional[Sequence[str]],
        target: Optional[types.ModuleType] = None,
    ) -> Optional[importlib.machinery.ModuleSpec]:
        doc = self.table.importable(fullname)
        if doc is not None:
            spec = importlib.machinery.ModuleSpec(
                fullname,
                EditorLoader(self.table, doc),
                origin=doc["path"],
                is_package=doc["isPackage"],
            )
            spec.has_location = True
            if doc["isPackage"]:
                spec.submodule_search_locations = [os.path.dirname(doc["path"])]
            return spec
        folder = self.table.package_folder(fullname)
        if folder is not None:
            return self._on_disk_or_namespace(fullname, path, target, folder)
        if fullname == "evalens":
            return importlib.machinery.ModuleSpec(fullname, HelperLoader(self.table, self.helpers))
        if fullname.partition(".")[0] in self.hidden:
            raise ModuleNotFoundError(f"No module named {fullname!r}: {HIDDEN_HINT}", name=fullname)
        return None

    def _on_disk_or_namespace(
        self,
        fullname: str,
        path: Optional[Sequence[str]],
        target: Optional[types.ModuleType],
        folder: str,
    ) -> importlib.machinery.ModuleSpec:
        """A package holding open documents: from disk if it is there, else a namespace."""
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                return spec
        spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
        spec.submodule_search_locations = [folder]
        return spec


def install(table: DocumentTable, hidden: List[str], helpers: Optional[Dict[str, Any]] = None) -> EditorFinder:
    """Serve ``table``'s documents, hide ``hidden`` packages, and offer ``helpers`` (name ->
    object) in the ``evalens`` module user code may import."""
    finder = EditorFinder(table, hidden, helpers or {})
    sys.meta_path.insert(0, finder)
    return finder


def user_modules(roots: List[str], table: DocumentTable) -> Dict[str, str]:
    """Loaded modules that come from the editor or from the import roots.

    Only a file's own module counts: one that was loaded from it (its spec's origin),
    under the document's module name when the file is open. A module another one made
    to stand for it (``tlz.curried`` for ``toolz/curried/__init__.py``, ``__main__``
    after a run as main) is not that file's module, and running the file's text in it
    again would be wrong."""
    found: Dict[str, str] = {}
    inside = tuple(root + os.sep for root in roots + table.added_roots)
    for name, module in list(sys.modules.items()):
        try:
            namespace = vars(module)
        except TypeError:
            continue
        filename = namespace.get("__file__")
        if not isinstance(filename, str) or getattr(namespace.get("__spec__"), "origin", None) != filename:
            continue
        doc = table.by_path.get(filename)
        if doc is not None:
            if doc["name"] == name:
                found[name] = filename
        elif filename.startswith(inside) and "site-packages" not in filename:
            found[name] = filename
    for name, doc in table.by_name.items():
        if not doc["importable"] and name in sys.modules:
            found[name] = doc["path"]
    return found
