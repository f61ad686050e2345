"""Real Jupyter servers on loopback for the tests: a Jupyter Server (in either websocket
framing) or a Kernel Gateway, each with a token, in its own runtime and config folders;
and a TCP proxy that can drop every connection through it (a network that fails)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOKEN = "t0ken-for-tests"
START_SECONDS = 60.0

#: name -> the command line of a server listening on {port} with {token} and {root}
KINDS = {
    "jupyter-server": [
        "-m", "jupyter_server", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1", "--ServerApp.port={port}",
        "--ServerApp.port_retries=0", "--IdentityProvider.token={token}", "--ServerApp.root_dir={root}",
    ],
    "jupyter-server-json": [
        "-m", "jupyter_server", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1", "--ServerApp.port={port}",
        "--ServerApp.port_retries=0", "--IdentityProvider.token={token}", "--ServerApp.root_dir={root}",
        "--ZMQChannelsWebsocketConnection.kernel_ws_protocol=",  # the JSON framing only
    ],
    "kernel-gateway": [
        "-m", "kernel_gateway", "--KernelGatewayApp.ip=127.0.0.1", "--KernelGatewayApp.port={port}",
        "--KernelGatewayApp.port_retries=0", "--KernelGatewayApp.auth_token={token}",
        "--JupyterWebsocketPersonality.list_kernels=True",  # off by default in a gateway
    ],
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class JupyterServer:
    kind: str
    url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """A REST call with the token; the JSON answer (None for none)."""
        request = urllib.request.Request(
            f"{self.url}/api/{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"}
            if self.token
            else {"Content-Type": "application/json", "Cookie": "_xsrf=x", "X-XSRFToken": "x"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def kernel_ids(self) -> list[str]:
        return [kernel["id"] for kernel in self.api("GET", "kernels")]

    def setting(self, **more: Any) -> dict[str, Any]:
        return {"url": self.url, "token": self.token, **more}


@contextlib.contextmanager
def jupyter_server(kind: str, folder: Path, token: str = TOKEN) -> Iterator[JupyterServer]:
    """A server of ``kind`` (see ``KINDS``) with ``token`` ("": none) until the block ends;
    then it and its kernels end."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),  # its kernels' files stay out of evalens.kernels
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "JUPYTER_DATA_DIR": str(folder / "data"),
    }
    args = [part.format(port=port, token=token, root=folder) for part in KINDS[kind]]
    log = folder / f"{kind}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, *args], stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    server = JupyterServer(kind, f"http://127.0.0.1:{port}", token, process, log)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{kind} exited at start:\n{log.read_text()[-3000:]}")
            try:
                server.api("GET", "kernelspecs")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} did not answer within {START_SECONDS:g} s") from None
                time.sleep(0.1)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with contextlib.suppress(ProcessLookupError):  # a kernel left behind by a stopped server
            os.killpg(process.pid, signal.SIGKILL)


class DroppingProxy:
    """Forwards 127.0.0.1:``port`` to ``target``; ``drop()`` cuts every connection through it."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()
        self.dropped = 0

    async def start(self) -> DroppingProxy:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.links |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.links -= {writer, up_writer}

    def drop(self) -> None:
        for writer in list(self.links):
            writer.transport.abort()
        self.dropped += len(self.links)
        self.links.clear()

    async def close(self) -> None:
        self.drop()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
