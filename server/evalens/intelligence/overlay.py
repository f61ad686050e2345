"""jedi over the editor's unsaved text: a jedi plugin that serves open documents to imports.

jedi finds a module by asking its environment's subprocess, which only sees
files on disk. The ``import_module`` plugin below looks first in the request's
``Overlay`` (the open documents, by path, along each import root) and builds
the module from the open document's tree; a folder that exists only in the
editor becomes a namespace package; a module jedi found on disk whose file is
open is replaced by the open text. So a function added to an unsaved
``helpers.py`` completes in ``main.py`` and its definition is the unsaved line,
even for a ``helpers.py`` that does not exist on disk.

References search the open documents first, then the files of the project
on disk that are not open (``_project_files`` replaces jedi's walk).

The plugin is inert for inference states whose project is not an
``OverlayProject``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jedi  # type: ignore[import-untyped]
from jedi import cache as jedi_cache
from jedi.inference import InferenceState  # type: ignore[import-untyped]
from jedi.inference import imports as jedi_imports
from jedi.inference import references as jedi_references
from jedi.inference.base_value import ValueSet  # type: ignore[import-untyped]
from jedi.inference.cache import inference_state_method_cache  # type: ignore[import-untyped]
from jedi.inference.names import ImportName, SubModuleName  # type: ignore[import-untyped]
from jedi.inference.value import ModuleValue  # type: ignore[import-untyped]
from jedi.inference.value.module import SubModuleDictMixin  # type: ignore[import-untyped]
from jedi.inference.value.namespace import ImplicitNamespaceValue  # type: ignore[import-untyped]
from jedi.plugins import plugin_manager  # type: ignore[import-untyped]
from parso.file_io import KnownContentFileIO

from .snapshot import Snapshot
from .states import StateKeeper
from .trees import TREES, Lease

T = TypeVar("T")
#: the modules jedi's own inference rests on, always read from its stubs, as ``jedi.Script``
#: does (it never lets a script stand for them): served from an open ``typing.py``, what
#: jedi inferred anywhere depended on the order of sets, so on the process's hash seed
ESSENTIAL = frozenset({("builtins",), ("typing",)})


class Overlay:
    """The open documents of one request, and the tree leases taken from them."""

    def __init__(self, files: dict[str, tuple[str, int]]) -> None:
        self.files = {os.path.normpath(path): entry for path, entry in files.items()}
        self.dirs: set[str] = set()
        for path in self.files:
            parent = os.path.dirname(path)
            while parent and parent not in self.dirs and parent != os.path.dirname(parent):
                self.dirs.add(parent)
                parent = os.path.dirname(parent)
        self._leases: dict[tuple[str, int], Lease] = {}
        #: folder -> the module names the editor adds there (files, packages, editor-only folders)
        self.children: dict[str, set[str]] = {}
        for path in self.files:
            folder, name = os.path.split(path)
            if name == "__init__.py":
                folder, name = os.path.split(folder)
            elif name.endswith(".py"):
                name = name[:-3]
            else:
                continue
            self.children.setdefault(folder, set()).add(name)
        for folder in self.dirs:
            parent, name = os.path.split(folder)
            self.children.setdefault(parent, set()).add(name)

    def lease(self, grammar: Any, path: str) -> Lease:
        key = (path, id(grammar))
        lease = self._leases.get(key)
        if lease is None:
            text, revision = self.files[path]
            lease = self._leases[key] = TREES.acquire(grammar, path, text, revision)
        return lease

    def release(self) -> None:
        for lease in self._leases.values():
            TREES.release(lease)
        self._leases.clear()

    def module(self, state: Any, path: str, names: tuple[str, ...] | None, is_package: bool) -> Any:
        lease = self.lease(state.grammar, path)
        return ModuleValue(
            state,
            lease.tree,
            code_lines=lease.lines,
            file_io=_file_io(path, lease.text),
            string_names=names,
            is_package=is_package,
        )


def _file_io(path: str, text: str) -> Any:
    return KnownContentFileIO(Path(path), text)  # type: ignore[no-untyped-call]


class OverlayProject(jedi.Project):  # type: ignore[misc]
    """A jedi project carrying the request's overlay."""

    def __init__(self, overlay: Overlay, path: str, added_sys_path: tuple[str, ...]) -> None:
        super().__init__(path, added_sys_path=list(added_sys_path), smart_sys_path=True)
        self.evalens_overlay = overlay


class OverlayScript(jedi.Script):  # type: ignore[misc]
    """A ``jedi.Script`` on an open document's shared tree instead of a fresh parse."""

    def __init__(self, path: str, project: OverlayProject, environment: Any, keeper: StateKeeper | None = None) -> None:
        is_file = os.path.isabs(path)
        self._orig_path = path if is_file else None
        self.path = Path(path) if is_file else None
        if keeper is None:
            self._inference_state = InferenceState(project, environment=environment, script_path=self.path)
        else:
            self._inference_state = keeper.state(project, environment, self.path, path)
        lease = project.evalens_overlay.lease(self._inference_state.grammar, path)
        self._module_node = lease.tree
        self._code_lines = lease.lines
        self._code = lease.text
        jedi_cache.clear_time_caches()


def run(
    snap: Snapshot,
    environment: Any,
    path: str,
    text: str,
    revision: int,
    job: Callable[[Any], T],
    keeper: StateKeeper | None = None,
) -> T:
    """``job(script)`` on a script for the open document at ``path``, releasing its trees after.

    With a ``keeper``, the script reuses the inference state of an earlier request when that is sound.
    """
    made, overlay = script(snap, environment, path, text, revision, keeper)
    try:
        return job(made)
    finally:
        overlay.release()


def script(
    snap: Snapshot, environment: Any, path: str, text: str, revision: int, keeper: StateKeeper | None = None
) -> tuple[OverlayScript, Overlay]:
    """A script for the open document at ``path``; release the overlay when done."""
    files = dict(snap.files)
    path = os.path.normpath(path) if os.path.isabs(path) else path
    files[path] = (text, revision)
    overlay = Overlay(files)
    project = OverlayProject(overlay, snap.project_path, snap.sys_path)
    return OverlayScript(path, project, environment, keeper), overlay


def _find(overlay: Overlay, names: tuple[str, ...], parent: Any, sys_path: Any) -> tuple[str | None, list[str]]:
    """The open file for ``names`` (or None) and the editor-only folders that could be its namespace."""
    if parent is None:
        bases = [str(p) for p in (sys_path or [])]
    else:
        try:
            bases = [str(p) for p in (parent.py__path__() or [])]
        except AttributeError:
            return None, []
    folders = []
    for base in bases:
        target = os.path.join(os.path.normpath(base), names[-1])
        for candidate in (os.path.join(target, "__init__.py"), target + ".py"):
            if candidate in overlay.files:
                return candidate, []
        if target in overlay.dirs and not os.path.isdir(target):
            folders.append(target)
    return None, folders


def _replace_open(state: Any, overlay: Overlay, found: Any, names: tuple[str, ...]) -> Any:
    values = []
    for value in found:
        file_io = getattr(value, "file_io", None)
        path = os.path.normpath(str(file_io.path)) if file_io is not None and file_io.path else None
        if path in overlay.files and not isinstance(file_io, KnownContentFileIO):
            values.append(overlay.module(state, path, names, path.endswith("__init__.py")))
        else:
            values.append(value)
    return ValueSet(values)


def import_module(callback: Any) -> Any:
    """The jedi plugin hook (see jedi.plugins): open documents before disk."""

    def wrapper(state: Any, names: tuple[str, ...], parent: Any, sys_path: Any, *args: Any, **kwargs: Any) -> Any:
        overlay = getattr(state.project, "evalens_overlay", None)
        if overlay is None or not names or tuple(names) in ESSENTIAL:
            return callback(state, names, parent, sys_path, *args, **kwargs)
        cached = state.module_cache.get(names)
        if cached is not None:
            return cached
        path, folders = _find(overlay, tuple(names), parent, sys_path)
        if path is not None:
            result = ValueSet([overlay.module(state, path, tuple(names), path.endswith("__init__.py"))])
        else:
            found = callback(state, names, parent, sys_path, *args, **kwargs)
            if folders and not found:
                result = ValueSet([ImplicitNamespaceValue(state, string_names=tuple(names), paths=folders)])
            else:
                result = _replace_open(state, overlay, found, tuple(names))
        state.module_cache.add(tuple(names), result)
        return result

    return wrapper


_disk_project_files = jedi_references._find_project_modules


def _project_files(state: Any, module_contexts: Any) -> Any:
    overlay = getattr(state.project, "evalens_overlay", None)
    if overlay is None:
        yield from _disk_project_files(state, module_contexts)
        return
    skip = {os.path.normpath(str(m.py__file__())) for m in module_contexts if m.py__file__() is not None}
    for path, (text, _revision) in overlay.files.items():
        if path not in skip and os.path.isabs(path):
            yield _file_io(path, text)
    for file_io in _disk_project_files(state, module_contexts):
        if os.path.normpath(str(file_io.path)) not in overlay.files:
            yield file_io


def submodule_names(state: Any, paths: Any) -> list[str]:
    """The names of the modules the open documents add to the folders ``paths``."""
    overlay = getattr(state.project, "evalens_overlay", None)
    if overlay is None:
        return []
    found: set[str] = set()
    for folder in paths or ():
        found |= overlay.children.get(os.path.normpath(str(folder)), set())
    return sorted(name for name in found if name.isidentifier())


_disk_sub_modules_dict = SubModuleDictMixin.sub_modules_dict


@inference_state_method_cache()  # type: ignore[untyped-decorator]
def _sub_modules_dict(self: Any) -> dict[str, Any]:
    """A package's submodules: those on disk and those open in the editor (``pkg.mod`` after ``import pkg.mod``)."""
    names = dict(_disk_sub_modules_dict(self))
    if self.is_package():
        for name in submodule_names(self.inference_state, self.py__path__()):
            names.setdefault(name, SubModuleName(self.as_context(), name))
    return names


_disk_iter_module_names = jedi_imports.iter_module_names


def _iter_module_names(state: Any, module_context: Any, search_path: Any, module_cls: Any = None, **kwargs: Any) -> Any:
    """Module names for ``import |`` completion: those on disk and those open in the editor."""
    module_cls = module_cls or ImportName
    seen = set()
    for name in _disk_iter_module_names(state, module_context, search_path, module_cls=module_cls, **kwargs):
        seen.add(name.string_name)
        yield name
    for extra in submodule_names(state, search_path):
        if extra not in seen:
            yield module_cls(module_context, extra)


class _Plugin:
    import_module = staticmethod(import_module)


_installed = False


def install() -> None:
    """Register the plugin and put the editor's documents into jedi's module listing and
    reference search (once per process; ``patches.install``)."""
    global _installed
    if _installed:
        return
    _installed = True
    plugin_manager.register(_Plugin)
    jedi_references._find_project_modules = _project_files
    SubModuleDictMixin.sub_modules_dict = _sub_modules_dict
    jedi_imports.iter_module_names = _iter_module_names
