"""Watching the client's process: with a pidfd where there is one, by polling where not."""

from __future__ import annotations

import asyncio
import os
from types import SimpleNamespace
from typing import Any

import pytest

from evalens.lsp import lifecycle
from evalens.lsp.lifecycle import Lifecycle


def watching(ended: asyncio.Future[int]) -> Lifecycle:
    parts: Any = SimpleNamespace()
    watch = Lifecycle(parts, exit_code=lambda: 1)

    def end(code: int) -> asyncio.Future[int]:  # instead of ending this process
        ended.set_result(code)
        return ended

    watch.end = end  # type: ignore[method-assign]
    return watch


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "polling"])
async def test_the_end_of_the_client_process_ends_the_server(pidfd: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not pidfd:
        monkeypatch.delattr(os, "pidfd_open", raising=False)
        monkeypatch.setattr(lifecycle, "PARENT_POLL_SECONDS", 0.01)
    elif not hasattr(os, "pidfd_open"):
        pytest.skip("no pidfd here")
    ended: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    editor = await asyncio.create_subprocess_exec("sleep", "300")
    watching(ended).watch_parent(editor.pid)
    assert not ended.done()
    editor.kill()
    await editor.wait()  # reaped: gone for the poll too
    assert await asyncio.wait_for(ended, 5) == 1


@pytest.mark.parametrize("pid", [None, os.getpid(), 2**22 + 12345], ids=["none", "own", "elsewhere"])
async def test_no_client_process_to_watch(pid: int | None) -> None:
    ended: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    watch = watching(ended)
    watch.watch_parent(pid)
    assert watch._parent_poll is None
    assert not ended.done()
