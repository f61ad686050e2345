"""Updating functions and classes in place, so every reference to them runs the new code.

``patch`` takes the object a definition bound before and the one its new text just
made, and moves the new code into the old object: a function keeps its identity and
gets the new ``__code__``, defaults, keyword defaults, docstring and annotations; a
class keeps its identity and gets its new, changed and removed attributes, methods
patched the same way. Other modules' ``from m import f``, callbacks in lists, bound
methods and instances of the class then run the new code. What cannot be moved
safely says why, and the caller keeps the new object instead (the statement re-ran).

``shift`` moves the line numbers of an unchanged definition whose text moved, so
tracebacks point where the editor shows it.
"""

from __future__ import annotations

import gc
import types
from typing import Any, Dict, List, Optional, Set

_LIVE_FLAGS = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR
#: class attributes Python makes itself; never copied or removed
_OWN = frozenset({"__dict__", "__weakref__", "__module__", "__qualname__", "__doc__"})


class Patch:
    """The outcome of one ``patch``: whether it worked, why not, what else to tell."""

    def __init__(self) -> None:
        self.ok = True
        self.reason: Optional[str] = None  # why the statement re-ran instead
        self.values_changed = False  # a class attribute that is not code changed (its readers re-run)
        self.notes: List[str] = []  # e.g. generators still running the old code

    def refuse(self, reason: str) -> Patch:
        self.ok = False
        self.reason = reason
        return self


def patch(name: str, old: Any, new: Any) -> Patch:
    """Move ``new``'s code into ``old`` (both bound to ``name`` by a definition)."""
    outcome = Patch()
    if old is new:
        return outcome
    if isinstance(old, types.FunctionType) and isinstance(new, types.FunctionType):
        _function(name, old, new, outcome)
        return outcome
    if isinstance(old, type) and isinstance(new, type):
        _class(name, old, new, outcome)
        return outcome
    inner_old, inner_new = _unwrapped(old), _unwrapped(new)
    if inner_old is not None and inner_new is not None and type(old) is type(new):
        _function(name, inner_old, inner_new, outcome)
        if outcome.ok and callable(getattr(old, "cache_clear", None)):
            old.cache_clear()  # an lru_cache keeps results of the old code
        return outcome
    return outcome.refuse(f"{name}: its decorator returns a new object that keeps no `__wrapped__` function")


def _unwrapped(obj: Any) -> Optional[types.FunctionType]:
    """The function a decorator's result wraps (``__wrapped__``, one level), if any."""
    try:
        inner = obj.__dict__.get("__wrapped__") if hasattr(obj, "__dict__") else None
    except Exception:  # an odd __dict__: nothing to unwrap
        return None
    return inner if isinstance(inner, types.FunctionType) else None


def _function(
    name: str, old: types.FunctionType, new: types.FunctionType, outcome: Patch, seen: Optional[Set[int]] = None
) -> None:
    if old.__code__.co_freevars != new.__code__.co_freevars:
        outcome.refuse(f"{name}: the variables it closes over changed")
        return
    seen = set() if seen is None else seen
    seen.add(id(old))
    why = _closure_refusal(name, old, new, outcome, seen)
    if why is not None:
        outcome.refuse(f"{name}: {why}")
        return
    running = _running_frames(old.__code__)
    old.__code__ = new.__code__
    old.__defaults__ = new.__defaults__
    old.__kwdefaults__ = new.__kwdefaults__
    old.__doc__ = new.__doc__
    old.__annotations__ = new.__annotations__
    old.__dict__.update({key: value for key, value in new.__dict__.items() if key != "__wrapped__"})
    if running:
        outcome.notes.append(f"{name}: {running} running generator(s) or coroutine(s) keep the old code")


def _closure_refusal(
    name: str, old: types.FunctionType, new: types.FunctionType, outcome: Patch, seen: Set[int]
) -> Optional[str]:
    """Whether ``old`` can keep its closure cells with ``new``'s code. A cell holding a function
    (a decorator's wrapper closing over the function it wraps) has that function patched in
    turn; a cell holding a value keeps the old value when the new one is equal, else the
    closure changed. ``__class__`` (zero-argument ``super()``) keeps pointing at the class
    that stays. Values are all checked before any function is patched."""
    functions = []
    for var, old_cell, new_cell in zip(old.__code__.co_freevars, old.__closure__ or (), new.__closure__ or ()):
        try:
            before, after = old_cell.cell_contents, new_cell.cell_contents
        except ValueError:  # an empty cell (a name not bound yet where the closure was made)
            continue
        if var == "__class__" or before is after:
            continue
        if isinstance(before, types.FunctionType) and isinstance(after, types.FunctionType):
            functions.append((before, after))
            continue
        try:
            same = type(before) is type(after) and bool(before == after)
        except Exception:  # an __eq__ that fails: the values cannot be told equal
            same = False
        if not same:
            return f"the value of `{var}` it closes over changed"
    for before, after in functions:
        if id(before) not in seen:
            _function(name, before, after, outcome, seen)
            if not outcome.ok:
                return (outcome.reason or "").split(": ", 1)[-1]
    return None


def _running_frames(code: types.CodeType) -> int:
    """Generators and coroutines still running ``code`` (looked for only for such functions)."""
    if not code.co_flags & _LIVE_FLAGS:
        return 0
    count = 0
    for obj in gc.get_objects():  # by exact type: any other object's attributes may run its code
        kind = type(obj)
        if kind is types.GeneratorType:
            running = obj.gi_code is code and obj.gi_frame is not None
        elif kind is types.CoroutineType:
            running = obj.cr_code is code and obj.cr_frame is not None
        elif kind is types.AsyncGeneratorType:
            running = obj.ag_code is code and obj.ag_frame is not None
        else:
            continue
        count += running
    return count


def _refusal(old: type, new: type) -> Optional[str]:
    if type(old) is not type(new):
        return "its metaclass changed" if type(new) is not type else "it has a metaclass of its own"
    if type(old) is not type:
        return f"its metaclass {type(old).__name__} makes it an object evalens cannot update in place"
    if old.__bases__ != new.__bases__:
        return "its base classes changed"
    for cls in (old, new):
        if "__dataclass_fields__" in cls.__dict__:
            return "a dataclass is rebuilt, not updated"
        if issubclass(cls, tuple) and hasattr(cls, "_fields"):
            return "a NamedTuple is rebuilt, not updated"
        if "__slots__" in cls.__dict__:
            return "a class with `__slots__` has a fixed layout"
    return None


def _class(name: str, old: type, new: type, outcome: Patch) -> None:
    why = _refusal(old, new)
    if why is not None:
        outcome.refuse(f"{name}: {why}")
        return
    old_dict: Dict[str, Any] = dict(old.__dict__)
    changes: List[tuple[str, Any]] = []
    for key, value in new.__dict__.items():
        if key in _OWN:
            continue
        before = old_dict.get(key, _ABSENT)
        if before is value:
            continue
        if before is not _ABSENT and _same_kind_of_code(before, value):
            inner = _Patchable(before, value)
            if inner.patch(f"{name}.{key}", outcome):
                continue
            if not outcome.ok:
                return
        changes.append((key, _rehomed(value, new, old)))
        if not _is_code(value) or before is _ABSENT:
            outcome.values_changed = True
    removed = [key for key in old_dict if key not in new.__dict__ and key not in _OWN]
    for key, value in changes:
        setattr(old, key, value)
    for key in removed:
        delattr(old, key)
        outcome.values_changed = True
    old.__doc__ = new.__doc__


_ABSENT = object()


def _is_code(value: Any) -> bool:
    return isinstance(value, (types.FunctionType, classmethod, staticmethod, property))


def _same_kind_of_code(before: Any, after: Any) -> bool:
    return type(before) is type(after) and (_is_code(before) or isinstance(before, type))


class _Patchable:
    """A class attribute holding code: a function, a classmethod/staticmethod, a property, a class."""

    def __init__(self, before: Any, after: Any) -> None:
        self.before = before
        self.after = after

    def patch(self, name: str, outcome: Patch) -> bool:
        before, after = self.before, self.after
        if isinstance(before, types.FunctionType):
            _function(name, before, after, outcome)
            return outcome.ok
        if isinstance(before, (classmethod, staticmethod)):
            return patch_pair(name, before.__func__, after.__func__, outcome)
        if isinstance(before, property):
            for accessor in ("fget", "fset", "fdel"):
                old_f, new_f = getattr(before, accessor), getattr(after, accessor)
                if (old_f is None) != (new_f is None):
                    return False  # an accessor added or removed: set the new property
                if old_f is not None and not patch_pair(name, old_f, new_f, outcome):
                    return False
            return True
        if isinstance(before, type):
            nested = patch(name, before, after)
            outcome.notes.extend(nested.notes)
            outcome.values_changed = outcome.values_changed or nested.values_changed
            return nested.ok
        return False


def patch_pair(name: str, before: Any, after: Any, outcome: Patch) -> bool:
    if isinstance(before, types.FunctionType) and isinstance(after, types.FunctionType):
        _function(name, before, after, outcome)
        return outcome.ok
    return False


def _rehomed(value: Any, new: type, old: type) -> Any:
    """A method that is new to the class: its zero-argument ``super()`` cell points at the new
    class object, which is about to be dropped; point it at the class that stays."""
    function = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
    if not isinstance(function, types.FunctionType) or "__class__" not in function.__code__.co_freevars:
        return value
    cells = function.__closure__ or ()
    for var, cell in zip(function.__code__.co_freevars, cells):
        if var == "__class__" and cell.cell_contents is new:
            cell.cell_contents = old
    return value


def shift(obj: Any, delta: int, seen: Optional[Set[int]] = None) -> None:
    """Move the line numbers of a definition's code by ``delta`` (its text moved by that many lines)."""
    if delta == 0:
        return
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, types.FunctionType):
        obj.__code__ = _shifted(obj.__code__, delta)
        inner = obj.__dict__.get("__wrapped__")
        if inner is not None:
            shift(inner, delta, seen)
    elif isinstance(obj, (classmethod, staticmethod)):
        shift(obj.__func__, delta, seen)
    elif isinstance(obj, property):
        for accessor in (obj.fget, obj.fset, obj.fdel):
            if accessor is not None:
                shift(accessor, delta, seen)
    elif isinstance(obj, type):
        for value in list(obj.__dict__.values()):
            shift(value, delta, seen)
    else:
        inner = _unwrapped(obj)
        if inner is not None:
            shift(inner, delta, seen)


def _shifted(code: types.CodeType, delta: int) -> types.CodeType:
    consts = tuple(_shifted(item, delta) if isinstance(item, types.CodeType) else item for item in code.co_consts)
    return code.replace(co_firstlineno=max(1, code.co_firstlineno + delta), co_consts=consts)
