"""The floor for an evalens.eval round trip: a bare pygls server that answers the
same command with a constant Result, without evaluating anything."""

from __future__ import annotations

from typing import Any

from pygls.lsp.server import LanguageServer

RESULT = {
    "ok": True,
    "value": {"repr": "2", "type": "int"},
    "stdout": "",
    "stderr": "",
    "truncated": False,
    "error": None,
    "durationMs": 0.0,
}

server = LanguageServer("floor", "0")


@server.command("evalens.eval")
def evaluate(ls: LanguageServer, *args: Any) -> dict[str, Any]:
    return RESULT


if __name__ == "__main__":
    server.start_io()
