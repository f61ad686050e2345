"""A client that never reads the server's stderr is still answered."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from tests.process.stdio_client import StdioServer, notification, request


def read_to_end(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks).decode()


async def test_a_client_that_never_reads_stderr_is_still_answered(tmp_path: Path) -> None:
    # pygls' own LanguageClient pipes the server's stderr and never reads it: with
    # debug logging a pipe is full within a few hundred messages.
    unread, stderr = os.pipe()
    server = await StdioServer.start("--log-level", "DEBUG", stderr=stderr)
    os.close(stderr)
    try:
        await server.initialize(tmp_path)
        count = 3000  # ~240 kB of log: more than the pipe (64 kB) and the queue (1,000 records)
        answers = []
        for batch in range(0, count, 100):  # reading stdout as a client must; never stderr
            for number in range(batch, batch + 100):
                command = {"command": "evalens.status", "arguments": [{}]}
                await server.send(request(number, "workspace/executeCommand", command))
            answers += [await server.response(number, timeout=60) for number in range(batch, batch + 100)]
        assert [answer["result"]["state"] for answer in answers] == ["stopped"] * count
        # The client reads stderr at last: what was dropped is said, then the server ends.
        log = asyncio.get_running_loop().run_in_executor(None, read_to_end, unread)
        await server.send(request("bye", "shutdown", None))
        await server.response("bye")
        await server.send(notification("exit", None))
        assert await server.exit_code(10) == 0
        assert "log records were dropped: the client did not read the server's stderr" in await log
    finally:
        await server.kill()
        os.close(unread)
