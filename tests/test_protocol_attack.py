"""Malformed input on stdio never stops the server from answering the next valid request."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from evalens.framing import FrameParser


def frame(message: dict[str, Any] | bytes, length_error: int = 0) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % (len(body) + length_error) + body


class RawClient:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.parser = FrameParser()
        self.received: list[dict[str, Any]] = []

    async def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        await self.process.stdin.drain()

    async def response(self, msg_id: Any) -> dict[str, Any]:
        assert self.process.stdout is not None
        while True:
            for message in self.received:
                if message.get("id") == msg_id and "method" not in message:
                    return message
            chunk = await asyncio.wait_for(self.process.stdout.read(1 << 16), 30)
            assert chunk, "the server closed stdout"
            self.received += [json.loads(body) for body in self.parser.feed(chunk)]


def request(msg_id: Any, method: str, params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}


async def test_the_server_survives_malformed_frames(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "evalens", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    client = RawClient(process)
    try:
        init = request(1, "initialize", {"capabilities": {}, "rootUri": tmp_path.as_uri(), "processId": None})
        await client.send(frame(init))
        assert "capabilities" in (await client.response(1))["result"]
        await client.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))

        await client.send(b"\x00\xff garbage bytes \r\n\r\n no header at all \r\n\r\n")
        await client.send(frame(request(2, "evalens.nothing", {}), length_error=-7))
        await client.send(frame(b"{this is not json"))
        parse_error = await client.response(None)
        assert parse_error["error"]["code"] == -32700

        await client.send(frame(request(3, "no/such/method", {})))
        assert (await client.response(3))["error"]["code"] == -32601

        await client.send(frame(request(4, "textDocument/codeLens", {"textDocument": 5})))
        assert (await client.response(4))["error"]["code"] == -32602

        huge_uri = (tmp_path / "huge.py").as_uri()
        huge = {"textDocument": {"uri": huge_uri, "languageId": "python", "version": 1, "text": "x = 1\n" * 9_000_000}}
        await client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": huge}))

        await client.send(
            frame(request(5, "workspace/executeCommand", {"command": "evalens.status", "arguments": [{}]}))
        )
        assert (await client.response(5))["result"]["state"] == "stopped"

        await client.send(frame(request(6, "shutdown", None)))
        assert (await client.response(6))["result"] is None
        await client.send(frame({"jsonrpc": "2.0", "method": "exit", "params": None}))
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
