"""Bounded repr: at most ``limit`` characters, at most ``seconds`` of work.

Builtin containers and strings are rendered piece by piece and stop once the
limit is reached, so a list of a hundred million items costs what its first
few thousand characters cost. Other objects call their own ``__repr__`` under
a timer; one that raises, hangs or runs out of memory gives a clear fallback
instead of taking the session down.
"""

from __future__ import annotations

import signal
import threading
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, TypeVar

ELLIPSIS = "…"


_EMPTY: Dict[type, str] = {list: "[]", tuple: "()", set: "set()", frozenset: "frozenset()", dict: "{}"}
_BRACKETS: Dict[type, Tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("frozenset({", "})"),
    dict: ("{", "}"),
}


class ReprTimeout(Exception):
    pass


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit
        self.cut = False


T = TypeVar("T")


def timed(call: Callable[[], T], seconds: float, error: type = ReprTimeout, every: float = 0.0) -> T:
    """Run ``call``; past ``seconds``, raise ``error`` into it, and again every ``every``
    seconds (when given) until it lets go: code that catches the first cannot hold on.
    Main thread only: elsewhere there is no alarm."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        return call()
    armed = [True]

    def on_alarm(signum: int, frame: Any) -> None:
        if armed[0]:
            raise error

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, every)
    try:
        return call()
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _render(value: Any, budget: _Budget, seen: Set[int], own_repr: Callable[[Any], str]) -> str:
    if budget.left <= 0:
        budget.cut = True
        return ""
    kind = type(value)
    if kind is str or kind is bytes:
        if len(value) > budget.left:
            text = repr(value[: budget.left])
            budget.cut = True
        else:
            text = repr(value)
    elif kind in (list, tuple, set, frozenset, dict):
        if id(value) in seen:
            text = "[...]" if kind is list else "{...}" if kind is dict else "(...)"
        elif not value:
            text = _EMPTY[kind]
        else:
            seen.add(id(value))
            try:
                text = _container(value, kind, budget, seen, own_repr)
            finally:
                seen.discard(id(value))
            return text
    else:
        text = own_repr(value)
    budget.left -= len(text)
    return text


def _container(value: Any, kind: type, budget: _Budget, seen: Set[int], own_repr: Callable[[Any], str]) -> str:
    opening, closing = _BRACKETS[kind]
    parts: List[str] = [opening]
    budget.left -= len(opening) + len(closing)
    first = True
    items = value.items() if kind is dict else value
    for item in items:
        if budget.left <= 0:
            budget.cut = True
            break
        if not first:
            parts.append(", ")
            budget.left -= 2
        first = False
        if kind is dict:
            key, item_value = item
            parts.append(_render(key, budget, seen, own_repr))
            parts.append(": ")
            budget.left -= 2
            parts.append(_render(item_value, budget, seen, own_repr))
        else:
            parts.append(_render(item, budget, seen, own_repr))
    if budget.cut:  # an open container says it goes on
        return "".join(parts)
    if kind is tuple and len(value) == 1:
        parts.append(",")
    parts.append(closing)
    return "".join(parts)


def bounded_repr(
    value: Any, limit: int, seconds: float = 2.0, own_repr: Optional[Callable[[Any], str]] = None
) -> Tuple[str, bool]:
    """The repr of ``value`` cut to ``limit`` characters, and whether it was cut.

    ``own_repr`` renders what is not a builtin container or string (default: ``repr``).
    """
    budget = _Budget(limit)
    leaf = own_repr or repr

    def checked_repr(item: Any) -> str:
        text = leaf(item)
        if not isinstance(text, str):
            raise TypeError(f"__repr__ returned non-string (type {type(text).__name__})")
        if len(text) > budget.left:
            budget.cut = True
        return text

    try:
        text = timed(lambda: _render(value, budget, set(), checked_repr), seconds)
    except ReprTimeout:
        return f"<{_name(value)} object; repr took longer than {seconds:g} s>", False
    except MemoryError:
        return f"<{_name(value)} object; repr ran out of memory>", False
    except RecursionError:
        return f"<{_name(value)} object; repr recursed too deeply>", False
    except Exception as exc:
        return f"<{_name(value)} object; repr failed: {type(exc).__name__}({safe_str(exc)})>", False
    if len(text) > limit:
        return text[:limit] + ELLIPSIS, True
    if budget.cut:
        return text + ELLIPSIS, True
    return text, False


def _name(value: Any) -> str:
    return type(value).__name__


def safe_str(exc: BaseException) -> Optional[str]:
    try:
        return str(exc)[:200]
    except Exception:
        return "?"
