"""Module names for documents, from the workspace's import roots (docs/protocol.md, "Module names").

Each workspace folder is an import root, and so is its ``src/`` when present.
A document's module name is its path relative to the deepest root holding it,
``/`` as ``.``, without ``.py``; ``pkg/__init__.py`` is ``pkg``. A document
under no root uses its own folder as root. Untitled documents get a name that
no import statement can reach.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import unquote, urlparse


@dataclass(frozen=True)
class ModuleName:
    """Where a document lives in the interpreter."""

    name: str
    path: str  # file name for __file__ and code objects (the URI for untitled documents)
    importable: bool
    is_package: bool
    root: str | None = None  # the import root the name is relative to


@dataclass(frozen=True)
class Project:
    """The workspace folders and the import roots they give (``import_roots``)."""

    folders: list[str]
    roots: list[str]


def import_roots(folders: list[str], is_dir: Callable[[str], bool] = os.path.isdir) -> list[str]:
    """Each workspace folder, and its ``src/`` when that folder exists."""
    roots: list[str] = []
    for folder in folders:
        folder = os.path.normpath(folder)
        for root in (folder, os.path.join(folder, "src")):
            if root not in roots and (root == folder or is_dir(root)):
                roots.append(root)
    return roots


def uri_to_path(uri: str) -> str | None:
    """The file system path of a ``file:`` URI, or None for any other scheme."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return os.path.normpath(unquote(parsed.path))


def _strip_suffix(filename: str) -> str:
    for suffix in (".py", ".pyw", ".pyi"):
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return filename


def name_for_path(path: str, roots: list[str]) -> ModuleName:
    """The module a file at ``path`` becomes, given the import roots."""
    path = os.path.normpath(path)
    holding = [r for r in roots if path.startswith(r.rstrip(os.sep) + os.sep)]
    root = max(holding, key=len) if holding else os.path.dirname(path)
    parts = list(PurePath(os.path.relpath(path, root)).parts)
    parts[-1] = _strip_suffix(parts[-1])
    is_package = parts[-1] == "__init__" and len(parts) > 1
    if is_package:
        parts.pop()
    return ModuleName(".".join(parts), path, importable=True, is_package=is_package, root=root)


def name_for_uri(uri: str, roots: list[str]) -> ModuleName:
    """The module an open document becomes."""
    path = uri_to_path(uri)
    if path is None:
        return ModuleName(uri, uri, importable=False, is_package=False)
    return name_for_path(path, roots)
