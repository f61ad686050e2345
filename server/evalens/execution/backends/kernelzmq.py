"""A local kernel through jupyter_client's ZMQ channels: one started from a kernelspec (and
shut down), or one running that evalens attaches to by its connection file (and leaves
alone). Its death shows as its process ending (a kernel started here) or its heartbeat
stopping (one attached to)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import queue
import shutil
from collections.abc import Coroutine
from typing import Any

from ...settings import KernelTarget
from ..backend import InterpreterDied, describe_exit
from ..environment import interpreter_environment
from .kernelchannels import BetweenRuns, Channels, execute_content

log = logging.getLogger(__name__)
#: what separates a ZMQ message's routing identities from the Jupyter message
DELIMITER = b"<IDS|MSG>"


def unpack(session: Any, frames: list[bytes]) -> dict[str, Any] | None:
    """A kernel message from its ZMQ frames (identities, the delimiter, the signature, header,
    parent header, metadata, content, buffers): its header, parent header and content; None
    when it is malformed or its signature is not the session's. jupyter_client's own
    ``get_msg`` polls before it reads and turns every date into a datetime, which evalens
    never reads: together half a millisecond of each run."""
    try:
        parts = frames[frames.index(DELIMITER) + 1 :]
    except ValueError:
        return None
    if len(parts) < 5:
        return None
    if session.auth is not None and not hmac.compare_digest(parts[0], session.sign(parts[1:5])):
        return None
    try:
        return {"header": json.loads(parts[1]), "parent_header": json.loads(parts[2]), "content": json.loads(parts[4])}
    except ValueError:
        return None


class ZmqChannels(Channels):
    """The kernel client (and the manager of a kernel started here)."""

    check_hint = "check that it runs (jupyter kernelspec list, or the connection file's kernel)"

    def __init__(self, target: KernelTarget, cwd: str | None, between_runs: BetweenRuns) -> None:
        super().__init__(target, between_runs)
        self.cwd = cwd
        self.manager: Any = None
        self.client: Any = None

    @property
    def owned(self) -> bool:
        return self.manager is not None

    async def _connect(self) -> None:
        from jupyter_client.asynchronous.client import AsyncKernelClient
        from jupyter_client.kernelspec import NoSuchKernel
        from jupyter_client.manager import AsyncKernelManager

        target = self.target
        if target.spec is not None:
            self.manager = AsyncKernelManager(kernel_name=target.spec)
            try:
                python = self.manager.kernel_spec.argv[0]
                # the user's environment, without the server's plumbing (its PYTHONPATH holds pygls)
                env = interpreter_environment(os.environ, shutil.which(python) or python)
                await self.manager.start_kernel(cwd=self.cwd, env=env)
            except NoSuchKernel:
                names = ", ".join(sorted(self.manager.kernel_spec_manager.find_kernel_specs())) or "none"
                raise InterpreterDied(
                    f"no kernelspec named {target.spec!r} is installed (installed: {names}); "
                    "see `jupyter kernelspec list`, or install one with `python -m ipykernel install --user`"
                ) from None
            self.client = self.manager.client()
        else:
            self.client = AsyncKernelClient()
            try:
                self.client.load_connection_file(target.connection_file)
            except (OSError, ValueError) as exc:
                raise InterpreterDied(
                    f"cannot read the connection file {target.connection_file}: {exc}; "
                    "give the path `jupyter --runtime-dir` holds for the running kernel"
                ) from None
        self.client.start_channels()
        await self._ready()

    async def _ready(self) -> None:
        """Until the kernel answers ``kernel_info`` on shell and its iopub messages for it reach
        us (a subscription takes a moment to connect). jupyter_client's own wait_for_ready
        then waits for 0.2 s of silence on iopub: 400 ms of a first result."""
        while True:
            if self.manager is not None and not await self.manager.is_alive():
                raise InterpreterDied(f"{self.target.describe()} exited as it started; try it with `jupyter console`")
            asked = self.client.kernel_info()
            try:
                reply = await self.client.get_shell_msg(timeout=1)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") != asked:
                continue
            with contextlib.suppress(queue.Empty):
                while True:
                    message = await self.client.get_iopub_msg(timeout=0.2)
                    if message["parent_header"].get("msg_id") == asked:
                        return

    def _readers(self) -> list[Coroutine[Any, Any, None]]:
        return [self._read("shell"), self._read("iopub")]

    async def _read(self, channel: str) -> None:
        socket = (self.client.shell_channel if channel == "shell" else self.client.iopub_channel).socket
        while True:
            try:
                frames = await socket.recv_multipart()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a closed socket: the watcher says why
                log.debug("%s channel of %s: %s", channel, self.target.describe(), exc)
                return
            message = unpack(self.client.session, frames)
            if message is None:
                log.warning("%s sent a message evalens cannot read or whose signature is wrong", self.describe())
            else:
                self.deliver(channel, message)

    def _send_execute(self, code: str, silent: bool, expressions: dict[str, str]) -> str:
        """The request written on the shell socket as it is (jupyter_client's ``execute``
        sends through a blocking shadow of the socket: a few tenths of a millisecond more)."""
        session = self.client.session
        message = session.msg("execute_request", execute_content(code, silent, expressions))
        sent = self.client.shell_channel.socket.send_multipart(session.serialize(message))
        sent.add_done_callback(lambda done: done.cancelled() or done.exception())
        msg_id: str = message["header"]["msg_id"]
        return msg_id

    async def _death(self) -> str | None:
        if self.manager is not None:
            if not await self.manager.is_alive():
                provisioner = getattr(self.manager, "provisioner", None)
                code = await provisioner.poll() if provisioner is not None else None
                return describe_exit(code, self.describe())
        elif not self.client.hb_channel.is_beating():
            return f"{self.target.describe()} stopped answering its heartbeat"
        return None

    async def interrupt(self) -> None:
        if self.manager is not None:
            await self.manager.interrupt_kernel()
        else:  # a kernel we attached to: its control channel (we may not signal its process)
            self.client.control_channel.send(self.client.session.msg("interrupt_request", {}))

    def _kill(self) -> None:
        process = getattr(getattr(self.manager, "provisioner", None), "process", None)
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()

    async def _disconnect(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
        if self.manager is not None:
            manager, self.manager = self.manager, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(manager.shutdown_kernel(now=False), 10)
            with contextlib.suppress(Exception):
                if await manager.is_alive():
                    await manager.shutdown_kernel(now=True)
