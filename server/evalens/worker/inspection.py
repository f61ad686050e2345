"""Looking at live values without running user code.

Used by hover and completion while the interpreter is idle. Values are read
from module dictionaries and instance/class ``__dict__``s directly, never via
``getattr``, properties, ``__getattr__``, ``__dir__`` or a user ``__repr__``:
objects of user types show Python's default ``<module.Class object at 0x…>``.
Known library types (a pandas DataFrame) add what they serve through
``__getattr__`` and a short summary, read by ``libraries`` through the
library's own accessors.
"""

from __future__ import annotations

import sys
import types
from typing import Any, Dict, List, Optional, Set

from . import libraries
from .reprs import bounded_repr

_MISSING = object()
#: Types whose repr is implemented by CPython itself and calls no user code.
_SAFE_TYPES = frozenset(
    {
        int,
        float,
        complex,
        bool,
        str,
        bytes,
        bytearray,
        range,
        slice,
        type(None),
        type(...),
        type,
        types.FunctionType,
        types.BuiltinFunctionType,
        types.ModuleType,
    }
)
#: Types whose ``len()`` is shown beside a value.
SIZED = (str, bytes, bytearray, list, tuple, dict, set, frozenset, range)


def type_name(value: Any) -> str:
    """The value's type, qualified by its module unless a builtin (read from the type itself:
    a C type's module comes from its name)."""
    cls = type(value)
    try:
        module = type.__dict__["__module__"].__get__(cls)
    except AttributeError:  # a class whose namespace lost its __module__
        module = "?"
    qualname = type.__dict__["__qualname__"].__get__(cls)
    if type(module) is not str:
        module = "?"
    return qualname if module == "builtins" else f"{module}.{qualname}"


def safe_repr(value: Any) -> str:
    if type(value) in _SAFE_TYPES:
        return repr(value)
    return object.__repr__(value)


def namespace(module_name: Optional[str]) -> Optional[Dict[str, Any]]:
    """The dict of a loaded module (told a module by its type: ``isinstance`` could ask an
    object put in ``sys.modules`` its ``__class__``); None for anything else."""
    module = sys.modules.get(module_name) if module_name else None
    if not issubclass(type(module), types.ModuleType):
        return None
    return object.__getattribute__(module, "__dict__")  # type: ignore[no-any-return]


def summary_or_safe_repr(value: Any) -> str:
    """A known library object's summary, else ``safe_repr``: the leaves of a bounded repr."""
    known = libraries.summary(value)
    return known[0] if known is not None else safe_repr(value)


def describe(module_name: str, name: str, limit: int) -> Optional[Dict[str, Any]]:
    """Repr (bounded, safe), type and cheap length of a module-level name."""
    bound = namespace(module_name)
    if bound is None or name not in bound:
        return None
    value = bound[name]
    text, truncated = bounded_repr(value, limit, seconds=0.2, own_repr=summary_or_safe_repr)
    known = libraries.summary(value)
    size = len(value) if type(value) in SIZED else known[1] if known is not None else None
    return {"repr": text, "type": type_name(value), "len": size, "truncated": truncated}


def _static_dict(obj: Any) -> Optional[Dict[str, Any]]:
    try:
        found = object.__getattribute__(obj, "__dict__")
    except (AttributeError, TypeError):
        return None
    return found if isinstance(found, dict) else dict(found) if isinstance(found, types.MappingProxyType) else None


def attributes(module_name: str, expression: str) -> Optional[List[str]]:
    """Attribute names of the value of a dotted ``expression``, found without running code."""
    from inspect import getattr_static  # imported on first use: the interpreter starts faster

    parts = expression.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    bound = namespace(module_name)
    if bound is None or parts[0] not in bound:
        return None
    obj = bound[parts[0]]
    for part in parts[1:]:
        found = getattr_static(obj, part, _MISSING)
        if found is _MISSING or (hasattr(type(found), "__get__") and not isinstance(found, type)):
            return None  # a descriptor (property, method, ...) would run code
        obj = found
    names: Set[str] = set()
    own = _static_dict(obj)
    if own is not None:
        names.update(key for key in own if isinstance(key, str))
    for klass in type.__dict__["__mro__"].__get__(type(obj)):
        klass_dict = type.__dict__["__dict__"].__get__(klass)
        names.update(key for key in klass_dict if isinstance(key, str))
    names.update(libraries.attributes(obj))
    return sorted(name for name in names if not (name.startswith("__") and name.endswith("__")))
