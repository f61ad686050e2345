"""Known library types whose live contents hide behind ``__getattr__``: a pandas DataFrame's columns.

Each reader serves objects of a library's own class, or of a subclass that
resolves every attribute the reader relies on to the library's own object, and
calls only the library's accessors (library code, never user code). The
library must already be imported by the user: nothing here imports it.
"""

from __future__ import annotations

import keyword
import sys
import types
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

#: At most this many column labels are read for completion.
COLUMN_LIMIT = 1000
#: At most this many column labels are shown in a hover.
PREVIEW_COLUMNS = 10
#: Longest column label shown in a hover.
LABEL_CHARS = 40

_MISSING = object()
T = TypeVar("T")


def _mro(cls: type) -> Tuple[type, ...]:
    return type.__dict__["__mro__"].__get__(cls)  # type: ignore[no-any-return]


def _class_dict(cls: type) -> Any:
    return type.__dict__["__dict__"].__get__(cls)


def _lookup(cls: type, name: str) -> Any:
    """What ``cls.name`` resolves to, found in the class dicts of its MRO without running code."""
    for klass in _mro(cls):
        namespace = _class_dict(klass)
        if name in namespace:
            return namespace[name]
    return _MISSING


def _in_package(module: Any, package: str) -> bool:
    return type(module) is str and (module == package or module.startswith(package + "."))


def _defined_in(cls: type, package: str) -> bool:
    return _in_package(type.__dict__["__module__"].__get__(cls), package)  # extension types: from their C name


def _library_own(value: Any, name: str, package: str) -> bool:
    """Whether ``value``, found as ``name`` on a class, is Python's default or the library's own object."""
    if value is _MISSING or value is _class_dict(object).get(name, _MISSING):
        return True
    if type(value) is types.FunctionType:
        return _in_package(types.FunctionType.__dict__["__module__"].__get__(value), package)
    return _defined_in(type(value), package)


def _module_global(module_name: str, name: str) -> Any:
    module = sys.modules.get(module_name)
    if not isinstance(module, types.ModuleType):
        return None
    return object.__getattribute__(module, "__dict__").get(name)


class _DataFrameReader:
    """pandas.DataFrame: columns via pandas' ``columns`` accessor, shape via ``index`` and ``columns``."""

    #: Attributes whose lookup on the object's class must be pandas' own: the
    #: attribute protocol, the accessors used here, and what they read.
    guarded = ("__getattribute__", "__getattr__", "columns", "index", "_mgr")

    def _library_class(self) -> Optional[type]:
        found = _module_global("pandas.core.frame", "DataFrame")
        return found if isinstance(found, type) else None

    def _serves(self, obj: Any) -> Optional[type]:
        frame = self._library_class()
        cls = type(obj)
        if frame is None or not any(klass is frame for klass in _mro(cls)):
            return None
        for name in self.guarded:
            found = _lookup(frame, name)
            if not _library_own(found, name, "pandas"):
                return None  # pandas.DataFrame itself was patched
            if cls is not frame and _lookup(cls, name) is not found:
                return None  # a subclass replaced part of the attribute protocol
        own = _instance_dict(obj)
        manager = own.get("_mgr", _MISSING) if own is not None else _MISSING
        if manager is _MISSING or not _defined_in(type(manager), "pandas"):
            return None
        return frame

    def _axis(self, frame: type, obj: Any, name: str) -> Any:
        accessor = _lookup(frame, name)  # checked by ``_serves``: one of pandas' descriptors
        axis = type(accessor).__get__(accessor, obj, type(obj))
        return axis if _defined_in(type(axis), "pandas") else None

    def attributes(self, obj: Any) -> Optional[List[str]]:
        frame = self._serves(obj)
        if frame is None:
            return None
        columns = self._axis(frame, obj, "columns")
        if columns is None:
            return None
        return [
            label
            for label in columns[:COLUMN_LIMIT]
            if type(label) is str and label.isidentifier() and not keyword.iskeyword(label)
        ]

    def summary(self, obj: Any) -> Optional[Tuple[str, int]]:
        frame = self._serves(obj)
        if frame is None:
            return None
        index, columns = self._axis(frame, obj, "index"), self._axis(frame, obj, "columns")
        if index is None or columns is None:
            return None
        rows, width = len(index), len(columns)
        shown = [_label(label) for label in columns[:PREVIEW_COLUMNS]]
        more = ", …" if width > PREVIEW_COLUMNS else ""
        names = f": {', '.join(shown)}{more}" if shown else ""
        return f"<DataFrame {_count(rows, 'row')} × {_count(width, 'column')}{names}>", rows


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _label(label: Any) -> str:
    if type(label) is str:
        return repr(label) if len(label) <= LABEL_CHARS else repr(label[:LABEL_CHARS]) + "…"
    if (type(label) is int and -(10**LABEL_CHARS) < label < 10**LABEL_CHARS) or type(label) in (float, bool):
        return repr(label)
    return "…"


def _instance_dict(obj: Any) -> Optional[Dict[str, Any]]:
    try:
        found = object.__getattribute__(obj, "__dict__")
    except (AttributeError, TypeError):
        return None
    return found if type(found) is dict else None


_READERS = (_DataFrameReader(),)


def attributes(obj: Any) -> List[str]:
    """Attribute names a known library type serves through ``__getattr__`` (none for other objects)."""
    for reader in _READERS:
        found = _guarded(reader.attributes, obj)
        if found is not None:
            return found
    return []


def summary(obj: Any) -> Optional[Tuple[str, int]]:
    """A short description and length of a known library object, or None."""
    for reader in _READERS:
        found = _guarded(reader.summary, obj)
        if found is not None:
            return found
    return None


def _guarded(read: Callable[[Any], Optional[T]], obj: Any) -> Optional[T]:
    """A reader's answer; None when the library's internals are not what the reader expects."""
    try:
        return read(obj)
    except Exception:
        return None
