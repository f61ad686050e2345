"""Malformed input on stdio never stops the server from answering the next valid request."""

from __future__ import annotations

from pathlib import Path

from tests.process.stdio_client import StdioServer, frame, notification, request


async def test_the_server_survives_malformed_frames(tmp_path: Path) -> None:
    client = await StdioServer.start()
    try:
        await client.initialize(tmp_path)

        await client.send(b"\x00\xff garbage bytes \r\n\r\n no header at all \r\n\r\n")
        await client.send(frame(request(2, "evalens.nothing", {}), length_error=-7))
        await client.send(frame(b"{this is not json"))
        parse_error = await client.response(None)
        assert parse_error["error"]["code"] == -32700

        assert (await client.request(3, "no/such/method", {}))["error"]["code"] == -32601
        assert (await client.request(4, "textDocument/codeLens", {"textDocument": 5}))["error"]["code"] == -32602

        await client.open(tmp_path / "huge.py", "x = 1\n" * 9_000_000)
        assert (await client.command(5, "evalens.status", {}))["state"] == "stopped"

        assert (await client.request(6, "shutdown", None))["result"] is None
        await client.send(notification("exit", None))
        assert await client.exit_code(timeout=10) == 0
    finally:
        await client.kill()
