"""The session's variables for the editor's variables view, read without running user code.

A page lists a module's namespace (sorted, filtered) or an object's children: the items
of lists, tuples, dicts and sets, an instance's attributes (its ``__dict__`` and slots), a
DataFrame's columns, a Series' values and an array's items (``libraries``). Everything is
read the way live hover reads it (``inspection``): through the builtin types' own C
methods, never the object's ``__getattr__``, properties, ``__dir__`` or ``__repr__``.

An entry that can be expanded gets a ref, an int the next page of its children names;
refs hold their objects until the next run, which forgets them all (a ref from before is
stale and says so). Each run also reports which names of its module it rebound or deleted
(``snapshot`` before, ``changed`` after), so a view refreshes only those.
"""

from __future__ import annotations

import itertools
import operator
import os
import types
from typing import Any, Dict, List, Optional, Tuple

from . import libraries
from .inspection import SIZED, namespace, summary_or_safe_repr, type_name
from .reprs import bounded_repr
from .variablemessages import StaleRef, Variable, VariablesAnswer, VariablesPage, VariablesQuery

Page = libraries.Page
#: values a snapshot holds until the run ends (``Snapshot``): immutable, without finalizers
_HELD = frozenset({int, float, complex, bool, type(None), str, bytes})
#: the longest name of a dict item (its key's repr)
KEY_CHARS = 100
_HIDDEN_KINDS = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)


class Variables:
    """The refs given out since the last run, and the pages asked of them."""

    def __init__(self) -> None:
        self.refs: Dict[int, Any] = {}
        #: never reused, nor taken up by the next interpreter (it starts elsewhere at random):
        #: a ref from before a run or a restart is stale, not someone else's
        self.next_ref = int.from_bytes(os.urandom(5), "big") + 1

    def forget(self) -> None:
        """A run starts: every ref given out so far goes stale."""
        self.refs.clear()

    def answer(self, query: VariablesQuery) -> VariablesAnswer:
        start, count, limit = max(query["start"], 0), max(query["count"], 0), max(query["reprChars"], 1)
        ref = query["ref"]
        if ref is not None:
            if ref not in self.refs:
                stale: StaleRef = {"stale": ref}
                return stale
            found = children(self.refs[ref])
            total, page = found if found is not None else (0, _no_children)
            entries = page(start, count)
        else:
            bound = namespace(query["module"]) or {}
            asked = query.get("names")
            if asked is not None:
                names = sorted(name for name in set(asked) if type(name) is str and name in bound)
            else:
                names = namespace_names(bound, query["all"])
            total = len(names)
            entries = [(name, bound[name]) for name in names[start : start + count]]
        result: VariablesPage = {
            "variables": [self.entry(name, value, limit) for name, value in entries],
            "total": total,
        }
        return result

    def entry(self, name: str, value: Any, limit: int) -> Variable:
        text, truncated = bounded_repr(value, limit, seconds=0.2, own_repr=summary_or_safe_repr)
        ref = None
        if _expandable(value):
            ref = self.next_ref
            self.next_ref += 1
            self.refs[ref] = value
        entry: Variable = {"name": name, "type": type_name(value), "repr": text, "ref": ref, "size": size_of(value)}
        if truncated:
            entry["truncated"] = True
        return entry


def namespace_names(bound: Dict[str, Any], everything: bool) -> List[str]:
    """A module's names as the view lists them: sorted, and without names starting with
    ``_``, modules, functions and classes unless ``everything``."""
    if everything:
        return sorted(name for name in bound if type(name) is str)
    return sorted(
        name
        for name, value in bound.items()
        if type(name) is str and not name.startswith("_") and not issubclass(type(value), _HIDDEN_KINDS)
    )


# -- children ---------------------------------------------------------------------------


def _no_children(start: int, count: int) -> List[Tuple[str, Any]]:
    return []


def _expandable(value: Any) -> bool:
    found = children(value)
    return found is not None and found[0] > 0


def children(value: Any) -> Optional[Tuple[int, Page]]:
    """How many children ``value`` has and how to read a page of them; None when it has none
    the view shows (a scalar, a string, a function, a module, a class). Types are told apart
    by ``issubclass`` of the value's type: ``isinstance`` could ask the value its ``__class__``."""
    kind = type(value)
    if issubclass(kind, (list, tuple)):
        return _sequence(value, list if issubclass(kind, list) else tuple)
    if issubclass(kind, dict):
        return dict.__len__(value), lambda start, count: _dict_items(value, start, count)
    if issubclass(kind, (set, frozenset)):
        base = set if issubclass(kind, set) else frozenset
        return base.__len__(value), lambda start, count: _numbered(base.__iter__(value), start, count)
    known = libraries.children(value)
    if known is not None:
        return known
    if issubclass(kind, (str, bytes, bytearray, range, types.ModuleType, type, types.FunctionType)):
        return None
    attributes = instance_attributes(value)
    if not attributes:
        return None
    return len(attributes), lambda start, count: attributes[start : start + count]


def size_of(value: Any) -> Optional[int]:
    """``len()`` of a builtin container or string (of a subclass too, by the builtin's own
    ``__len__``), the rows of a known library object; None for anything else."""
    kind = type(value)
    for base in SIZED:
        if issubclass(kind, base):
            return base.__len__(value)
    known = libraries.summary(value)
    return known[1] if known is not None else None


def _sequence(value: Any, base: Any) -> Tuple[int, Page]:
    length: int = base.__len__(value)

    def page(start: int, count: int) -> List[Tuple[str, Any]]:
        items = base.__getitem__(value, slice(start, start + count))  # a plain list or tuple
        return [(str(start + offset), item) for offset, item in enumerate(items)]

    return length, page


def _dict_items(value: Dict[Any, Any], start: int, count: int) -> List[Tuple[str, Any]]:
    items = itertools.islice(dict.items(value), start, start + count)
    return [(bounded_repr(key, KEY_CHARS, seconds=0.2, own_repr=summary_or_safe_repr)[0], item) for key, item in items]


def _numbered(items: Any, start: int, count: int) -> List[Tuple[str, Any]]:
    return [(str(start + offset), item) for offset, item in enumerate(itertools.islice(items, start, start + count))]


def instance_attributes(obj: Any) -> List[Tuple[str, Any]]:
    """An instance's attributes, sorted by name: its ``__dict__`` and its slots, read through
    Python's own descriptors (a class's ``__dict__`` property, or a ``__getattr__``, is not called)."""
    found: Dict[str, Any] = {}
    mro = type.__dict__["__mro__"].__get__(type(obj))
    for klass in mro:
        namespace = type.__dict__["__dict__"].__get__(klass)
        descriptor = namespace.get("__dict__")
        if type(descriptor) is types.GetSetDescriptorType and not found:
            own = descriptor.__get__(obj, type(obj))
            if type(own) is dict:
                found.update((key, value) for key, value in own.items() if type(key) is str)
            break
    for klass in mro:
        namespace = type.__dict__["__dict__"].__get__(klass)
        for name in _slot_names(namespace.get("__slots__"), type.__dict__["__name__"].__get__(klass)):
            descriptor = namespace.get(name)
            if type(descriptor) is types.MemberDescriptorType and name not in found:
                try:
                    found[name] = descriptor.__get__(obj, type(obj))
                except AttributeError:  # a slot not set
                    continue
    return sorted(found.items())


def _slot_names(slots: Any, class_name: str) -> List[str]:
    """``__slots__`` as the class's member names (``__x`` mangled), when it is a plain string,
    tuple or list of strings (anything else could run code to iterate)."""
    if type(slots) is str:
        slots = (slots,)
    if type(slots) not in (tuple, list):
        return []
    names = [slot for slot in slots if type(slot) is str and slot not in ("__dict__", "__weakref__")]
    owner = class_name.lstrip("_")
    return [f"_{owner}{name}" if name.startswith("__") and not name.endswith("__") else name for name in names]


# -- what a run changed ---------------------------------------------------------------


class Snapshot:
    """A module's bindings before a run: its names in order with each value's identity, and
    the values of the immutable builtin scalars, held until the run ends so that their
    addresses cannot be taken by the run's new values. Other values are not held (holding
    them could keep alive, and delay the finalizer of, what the run deletes): one freed by
    the run whose address the name's new value takes is missed. Built and compared by C
    loops (``map``, ``compress``, list comparison): about 2 ms a run in a module of 16,666
    functions, 0.1-0.2 ms in one of a thousand names."""

    def __init__(self, namespace: Dict[str, Any]) -> None:
        self.names, self.ids = _bindings(namespace)
        values = namespace.values()
        self.held = list(itertools.compress(values, map(_HELD.__contains__, map(type, values))))


def _bindings(namespace: Dict[str, Any]) -> Tuple[List[Any], List[int]]:
    return list(namespace), list(map(id, namespace.values()))


def snapshot(module_name: Optional[str]) -> Optional[Snapshot]:
    """The module's bindings before a run; None when the module is not loaded."""
    bound = namespace(module_name)
    return Snapshot(bound) if bound is not None else None


def changed(module_name: Optional[str], before: Optional[Snapshot]) -> List[str]:
    """The names of the module the run rebound, bound or deleted, sorted."""
    bound = namespace(module_name) or {}
    if before is None:
        return sorted(name for name in bound if type(name) is str)
    names, ids = _bindings(bound)
    if ids == before.ids and names == before.names:  # what most runs in a big module come to
        return []
    kept = len(before.names)
    if names[:kept] == before.names:  # the names of before in the same order, new ones after them
        differ = set(itertools.compress(names, map(operator.ne, ids, before.ids)))  # up to the shorter
        differ.update(names[kept:])
    else:  # a name was deleted: compare name by name
        now, then = dict(zip(names, ids)), dict(zip(before.names, before.ids))
        differ = {name for name, _ in now.items() ^ then.items()}
    return sorted(name for name in differ if type(name) is str)
