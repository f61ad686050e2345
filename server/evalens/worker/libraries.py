"""Known library types whose live contents hide behind ``__getattr__`` or C accessors: a pandas
DataFrame's columns, a Series' values, a numpy array's shape, dtype and items.

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
#: At most this many items of a Series or an array are shown in its summary.
PREVIEW_ITEMS = 5

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
    if type(value) is property:  # the library's own property: its getter is the library's function
        getter = property.__dict__["fget"].__get__(value)
        return type(getter) is types.FunctionType and _library_own(getter, name, package)
    return _defined_in(type(value), package)


def _module_global(module_name: str, name: str) -> Any:
    module = sys.modules.get(module_name)
    if not isinstance(module, types.ModuleType):
        return None
    return object.__getattribute__(module, "__dict__").get(name)


#: a page of an object's children: (start, count) -> [(name, child)]
Page = Callable[[int, int], List[Tuple[str, Any]]]


class _PandasReader:
    """Objects of one pandas class (or of a subclass that leaves the attribute protocol and
    the accessors read here to pandas), read through pandas' own accessors."""

    module = ""
    name = ""
    #: Attributes whose lookup on the object's class must be pandas' own: the attribute
    #: protocol, the accessors used here, and what they read.
    guarded: Tuple[str, ...] = ()

    def _library_class(self) -> Optional[type]:
        found = _module_global(self.module, self.name)
        return found if isinstance(found, type) else None

    def _serves(self, obj: Any) -> Optional[type]:
        library = self._library_class()
        cls = type(obj)
        if library is None or not any(klass is library for klass in _mro(cls)):
            return None
        for name in self.guarded:
            found = _lookup(library, name)
            if not _library_own(found, name, "pandas"):
                return None  # pandas' class itself was patched
            if cls is not library and _lookup(cls, name) is not found:
                return None  # a subclass replaced part of the attribute protocol
        own = _instance_dict(obj)
        manager = own.get("_mgr", _MISSING) if own is not None else _MISSING
        if manager is _MISSING or not _defined_in(type(manager), "pandas"):
            return None
        return library

    def _read(self, library: type, obj: Any, name: str) -> Any:
        accessor = _lookup(library, name)  # checked by ``_serves``: one of pandas' descriptors
        value = type(accessor).__get__(accessor, obj, type(obj))
        kind = type(value)
        return value if _defined_in(kind, "pandas") or _defined_in(kind, "numpy") else None

    def attributes(self, obj: Any) -> Optional[List[str]]:
        return None

    def summary(self, obj: Any) -> Optional[Tuple[str, int]]:
        return None

    def children(self, obj: Any) -> Optional[Tuple[int, Page]]:
        return None


class _DataFrameReader(_PandasReader):
    """pandas.DataFrame: columns via ``columns``, shape via ``index`` and ``columns``, a
    column's Series via ``iloc``."""

    module, name = "pandas.core.frame", "DataFrame"
    guarded = ("__getattribute__", "__getattr__", "columns", "index", "iloc", "_mgr")

    def attributes(self, obj: Any) -> Optional[List[str]]:
        frame = self._serves(obj)
        columns = self._read(frame, obj, "columns") if frame is not None else None
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
        index, columns = self._read(frame, obj, "index"), self._read(frame, obj, "columns")
        if index is None or columns is None:
            return None
        rows, width = len(index), len(columns)
        shown = [_label(label) for label in columns[:PREVIEW_COLUMNS]]
        more = ", …" if width > PREVIEW_COLUMNS else ""
        names = f": {', '.join(shown)}{more}" if shown else ""
        return f"<DataFrame {_count(rows, 'row')} × {_count(width, 'column')}{names}>", rows

    def children(self, obj: Any) -> Optional[Tuple[int, Page]]:
        """Its columns, each a Series named by its label."""
        frame = self._serves(obj)
        if frame is None:
            return None
        columns, rows = self._read(frame, obj, "columns"), self._read(frame, obj, "iloc")
        if columns is None or rows is None:
            return None

        def page(start: int, count: int) -> List[Tuple[str, Any]]:
            labels = columns[start : start + count]
            return [(_name_of(label), rows[:, start + offset]) for offset, label in enumerate(labels)]

        return len(columns), page


class _SeriesReader(_PandasReader):
    """pandas.Series: length and labels via ``index``, values via ``iloc``, its ``dtype``."""

    module, name = "pandas.core.series", "Series"
    guarded = ("__getattribute__", "__getattr__", "index", "iloc", "dtype", "_mgr")

    def summary(self, obj: Any) -> Optional[Tuple[str, int]]:
        series = self._serves(obj)
        if series is None:
            return None
        index, rows, dtype = (self._read(series, obj, name) for name in ("index", "iloc", "dtype"))
        if index is None or rows is None:
            return None
        length = len(index)
        first = ", ".join(_label(value) for value in rows[:PREVIEW_ITEMS].tolist())
        more = ", …" if length > PREVIEW_ITEMS else ""
        return f"<Series {_count(length, 'row')}, dtype {dtype}: {first}{more}>", length

    def children(self, obj: Any) -> Optional[Tuple[int, Page]]:
        """Its values, each named by its index label."""
        series = self._serves(obj)
        if series is None:
            return None
        index, rows = self._read(series, obj, "index"), self._read(series, obj, "iloc")
        if index is None or rows is None:
            return None

        def page(start: int, count: int) -> List[Tuple[str, Any]]:
            labels = index[start : start + count]
            return list(zip((_name_of(label) for label in labels), rows[start : start + count].tolist()))

        return len(index), page


class _ArrayReader:
    """numpy.ndarray itself (not a subclass): shape, dtype and items through numpy's own C
    accessors."""

    def _serves(self, obj: Any) -> bool:
        array = _module_global("numpy", "ndarray")
        return isinstance(array, type) and type(obj) is array

    def attributes(self, obj: Any) -> Optional[List[str]]:
        return None

    def summary(self, obj: Any) -> Optional[Tuple[str, int]]:
        if not self._serves(obj):
            return None
        shape = tuple(obj.shape)
        items = ", ".join(_label(value) for value in obj.flat[:PREVIEW_ITEMS].tolist())
        more = ", …" if obj.size > PREVIEW_ITEMS else ""
        length = shape[0] if shape else 1
        return f"<ndarray shape {shape!r}, dtype {obj.dtype}: [{items}{more}]>", length

    def children(self, obj: Any) -> Optional[Tuple[int, Page]]:
        """Its items along the first axis: values, or arrays of one dimension less."""
        if not self._serves(obj) or obj.ndim == 0:
            return None

        def page(start: int, count: int) -> List[Tuple[str, Any]]:
            part = obj[start : start + count]
            values = part.tolist() if obj.ndim == 1 else list(part)
            return [(str(start + offset), value) for offset, value in enumerate(values)]

        return obj.shape[0], page


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _name_of(label: Any) -> str:
    """A column's or an index label's name in the variables view."""
    return label if type(label) is str else _label(label)


def _label(label: Any) -> str:
    if type(label) is str:
        return repr(label) if len(label) <= LABEL_CHARS else repr(label[:LABEL_CHARS]) + "…"
    if (type(label) is int and -(10**LABEL_CHARS) < label < 10**LABEL_CHARS) or type(label) in (float, bool):
        return repr(label)
    if label is None:
        return "None"
    return "…"


def _instance_dict(obj: Any) -> Optional[Dict[str, Any]]:
    try:
        found = object.__getattribute__(obj, "__dict__")
    except (AttributeError, TypeError):
        return None
    return found if type(found) is dict else None


_READERS = (_DataFrameReader(), _SeriesReader(), _ArrayReader())


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


def children(obj: Any) -> Optional[Tuple[int, Page]]:
    """How many children a known library object has, and how to read a page of them; None for other objects."""
    for reader in _READERS:
        found = _guarded(reader.children, obj)
        if found is not None:
            return found
    return None


def _guarded(read: Callable[[Any], Optional[T]], obj: Any) -> Optional[T]:
    """A reader's answer; None when the library's internals are not what the reader expects."""
    try:
        return read(obj)
    except Exception:
        return None
