"""Live values beside static answers: what hover and completion ask of the interpreter.

``RuntimeValues`` has two coroutines (``execution.inspector.LiveInspector`` answers them):

``async describe(module_name: str, name: str) -> dict | None``
    the live value of a module-level ``name``: ``{"repr": str, "type": str,
    "len": int | None}``, or None when it is unbound or the interpreter is busy.
``async attributes(module_name: str, expression: str) -> list[str] | None``
    the runtime attribute names of the value of ``expression`` (a dotted name),
    or None when unknown.

When they return None or fail, the answer is the static one. They must never
call properties or ``__getattr__`` nor wait on a busy interpreter: that is the
implementer's contract.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)


class RuntimeValues(Protocol):
    async def describe(self, module_name: str, name: str) -> dict[str, Any] | None: ...

    async def attributes(self, module_name: str, expression: str) -> list[str] | None: ...


async def describe(live: RuntimeValues, module_name: str, name: str) -> dict[str, Any] | None:
    try:
        return await live.describe(module_name, name)
    except Exception:
        log.exception("live.describe(%r, %r) failed", module_name, name)
        return None


async def attributes(live: RuntimeValues, module_name: str, expression: str) -> list[str] | None:
    try:
        return await live.attributes(module_name, expression)
    except Exception:
        log.exception("live.attributes(%r, %r) failed", module_name, expression)
        return None


def hover_section(value: dict[str, Any], markdown: bool) -> str:
    """The live part of a hover, as markdown or as plain text."""
    size = value.get("len")
    extra = f", len {size}" if isinstance(size, int) else ""
    if markdown:
        return f"**live** `{value.get('type')}`{extra}\n```python\n{value.get('repr')}\n```"
    return f"live {value.get('type')}{extra}\n{value.get('repr')}"
