"""Live values for hover and completion: what ``intelligence.runtime.RuntimeValues`` asks of
the interpreter.

Answers come from the idle interpreter without running user code; when the
interpreter is busy, not started or slow, the answer is None and hover and
completion stay static.
"""

from __future__ import annotations

from typing import Any

from ..worker import messages
from .engine import Engine


class LiveInspector:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def describe(self, module_name: str, name: str) -> dict[str, Any] | None:
        answer = await self.engine.inspect(messages.describe_query(module_name, name))
        return answer if isinstance(answer, dict) else None

    async def attributes(self, module_name: str, expression: str) -> list[str] | None:
        answer = await self.engine.inspect(messages.attributes_query(module_name, expression))
        return [name for name in answer if isinstance(name, str)] if isinstance(answer, list) else None
