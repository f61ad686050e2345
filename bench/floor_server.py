"""The floor for an evalens.eval round trip: a bare pygls server that answers the
same command with a constant Result, without evaluating anything.

An argument object with ``"floorReprChars": N`` gets a Result whose repr is N
characters long (built once per size), the floor for carrying a big value; one with
``"floorDisplayChars": N`` a Result whose ``display`` holds one bundle with an
``image/png`` of N base64 characters, the floor for carrying an image. ``evalens.doctest``
with ``"floorAnswerFile": path`` answers what that JSON file holds (read once), encoded by
json's C encoder as evalens encodes a command's answer (pygls' converter would walk it first):
the floor for carrying a doctest run's answer."""

from __future__ import annotations

import json
from typing import Any

from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

RESULT = {
    "ok": True,
    "value": {"repr": "2", "type": "int"},
    "stdout": "",
    "stderr": "",
    "truncated": False,
    "error": None,
    "durationMs": 0.0,
}

_sized: dict[int, dict[str, Any]] = {}
_shown: dict[int, dict[str, Any]] = {}
_answers: dict[str, Any] = {}


class FloorProtocol(LanguageServerProtocol):
    def _send_data(self, data: Any) -> None:
        result = getattr(data, "result", None)
        if self.writer is not None and any(result is answer for answer in _answers.values()):
            body = json.dumps({"jsonrpc": "2.0", "id": data.id, "result": result}).encode()
            self.writer.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            return
        super()._send_data(data)


server = LanguageServer("floor", "0", protocol_cls=FloorProtocol)


@server.command("evalens.eval")
def evaluate(ls: LanguageServer, *args: Any) -> dict[str, Any]:
    argument = args[0] if args and isinstance(args[0], dict) else {}
    shown = argument.get("floorDisplayChars")
    if isinstance(shown, int):
        if shown not in _shown:
            bundle = {"data": {"text/plain": "<Image>", "image/png": "A" * shown}, "metadata": {}}
            _shown[shown] = {**RESULT, "value": {"repr": "<Image>", "type": "Image"}, "display": [bundle]}
        return _shown[shown]
    size = argument.get("floorReprChars")
    if not isinstance(size, int):
        return RESULT
    if size not in _sized:
        _sized[size] = {**RESULT, "value": {"repr": repr("x" * (size - 2)), "type": "str"}}
    return _sized[size]


@server.command("evalens.doctest")
def doctest(ls: LanguageServer, *args: Any) -> Any:
    path = args[0]["floorAnswerFile"]
    if path not in _answers:
        with open(path) as file:
            _answers[path] = json.load(file)
    return _answers[path]


if __name__ == "__main__":
    server.start_io()
