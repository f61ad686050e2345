"""Interrupt, cancel, crash, restart, status, trust and bad requests, end to end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.conftest import KERNEL, not_through_a_server, process_only
from tests.harness import Editor, plain, wait_until

LOOP = "import time\nwhile True:\n    time.sleep(0.01)\n"


def send_command(editor: Editor, name: str, argument: dict[str, Any], msg_id: str) -> asyncio.Future[Any]:
    params = types.ExecuteCommandParams(command=name, arguments=[argument])
    return asyncio.wrap_future(
        editor.client.protocol.send_request(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id=msg_id)
    )


async def wait_for_state(editor: Editor, state: str) -> dict[str, Any]:
    status: dict[str, Any] = {}

    async def current() -> dict[str, Any]:
        return dict(await editor.command("evalens.status", {}))

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while (status := await current())["state"] != state:
        assert loop.time() < deadline, f"state stayed {status['state']}"
    return status


async def test_status_reports_a_live_interpreter(editor: Editor) -> None:
    status = await wait_for_state(editor, "idle")
    assert isinstance(status["pid"], int)
    assert status["python"].count(".") == 2
    assert status["executable"]


async def test_interrupt_stops_running_code_and_keeps_state(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    await editor.eval(uri, "kept = 'yes'")
    code = "import time\nprint('looping', flush=True)\nwhile True:\n    time.sleep(0.01)\n"
    running = send_command(editor, "evalens.eval", {"uri": uri, "code": code}, "loop-1")
    await wait_until(lambda: any(o["text"] == "looping\n" for o in editor.output))
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": True}
    result = plain(await running)
    assert result["error"]["type"] == "KeyboardInterrupt"
    assert result["error"]["frames"][-1]["line"] in (2, 3)
    assert (await editor.eval(uri, "kept"))["value"]["repr"] == "'yes'"
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": False}


async def test_cancel_request_interrupts_the_run(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    await editor.eval(uri, "kept = 1")
    running = send_command(editor, "evalens.eval", {"uri": uri, "code": LOOP}, "loop-2")
    await wait_for_state(editor, "busy")
    editor.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="loop-2"))
    with pytest.raises(JsonRpcException):
        await running
    await wait_for_state(editor, "idle")
    after = await editor.eval(uri, "kept")
    assert after["value"] is not None, after
    assert after["value"]["repr"] == "1"


async def test_queued_request_can_be_cancelled_before_it_runs(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    running = send_command(editor, "evalens.eval", {"uri": uri, "code": LOOP}, "loop-3")
    await wait_for_state(editor, "busy")
    queued = send_command(editor, "evalens.eval", {"uri": uri, "code": "ran = True"}, "queued-1")
    editor.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="queued-1"))
    with pytest.raises(JsonRpcException):
        await queued
    await editor.command("evalens.interrupt", {})
    await running
    assert (await editor.eval(uri, "'ran' in globals()"))["value"]["repr"] == "False"


async def test_code_ignoring_interrupts_is_killed_after_the_grace_period(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    before = await wait_for_state(editor, "idle")
    code = (
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "print('ignoring', flush=True)\nwhile True:\n    time.sleep(0.01)\n"
    )
    running = send_command(editor, "evalens.eval", {"uri": uri, "code": code}, "stubborn")
    await wait_until(lambda: any(o["text"] == "ignoring\n" for o in editor.output))
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": True}
    result = plain(await running)
    assert result["error"]["type"] == "InterpreterDied"
    assert "ignored the interrupt" in result["error"]["message"]
    after = await wait_for_state(editor, "idle")
    assert after["pid"] != before["pid"]
    assert (await editor.eval(uri, "1 + 1"))["value"]["repr"] == "2"


async def test_crash_gives_interpreter_died_and_the_next_request_starts_fresh(editor: Editor) -> None:
    uri = editor.open("main.py", "import os\n")
    exited = await editor.eval(uri, "print('last words'); os._exit(7)")
    assert exited["error"]["type"] == "InterpreterDied"
    if KERNEL != "server":  # a server says only that its kernel died
        assert "exited with code 7" in exited["error"]["message"]
    if KERNEL is None:  # a kernel holds print output for up to 0.2 s: os._exit loses it
        assert exited["stdout"] == "last words\n"
    killed = await editor.eval(uri, "import signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert killed["error"]["type"] == "InterpreterDied"
    if KERNEL != "server":
        assert "signal 11 (SIGSEGV)" in killed["error"]["message"]
    assert (await editor.eval(uri, "40 + 2"))["value"]["repr"] == "42"


async def test_restart_gives_a_fresh_interpreter(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    await editor.eval(uri, "gone = 1")
    before = await wait_for_state(editor, "idle")
    restarted = await editor.command("evalens.restart", {})
    assert isinstance(restarted["pid"], int) and restarted["pid"] != before["pid"]
    assert (await wait_for_state(editor, "idle"))["pid"] == restarted["pid"]
    assert (await editor.eval(uri, "'gone' in globals()"))["value"]["repr"] == "False"


async def test_server_answers_while_the_interpreter_is_busy(editor: Editor) -> None:
    uri = editor.open("main.py", "def main():\n    return 1\n")
    running = send_command(editor, "evalens.eval", {"uri": uri, "code": LOOP}, "busy-1")
    await wait_for_state(editor, "busy")
    lenses = await asyncio.wait_for(
        editor.client.text_document_code_lens_async(types.CodeLensParams(types.TextDocumentIdentifier(uri))), 2
    )
    assert [lens.command.title for lens in lenses if lens.command] == ["▶ main()"]
    await editor.command("evalens.interrupt", {})
    await running


async def test_untrusted_workspace_runs_nothing(untrusted: Editor) -> None:
    uri = untrusted.open("main.py", "import pathlib\n")
    code = "pathlib.Path('ran').write_text('x')"
    for command, argument in (
        ("evalens.eval", {"uri": uri, "code": code}),
        ("evalens.call", {"uri": uri, "target": "print"}),
        ("evalens.runModule", {"uri": uri}),
        ("evalens.restart", {}),
    ):
        with pytest.raises(JsonRpcException, match="untrusted workspace") as refused:
            await untrusted.command(command, argument)
        assert (refused.value.code, refused.value.data) == (-32803, {"reason": "untrusted"})
    assert not (untrusted.root / "ran").exists()
    assert (await untrusted.command("evalens.status", {}))["state"] == "stopped"


@pytest.mark.parametrize(
    ("command", "arguments", "message"),
    [
        ("evalens.eval", [], "list of one object"),
        ("evalens.eval", [{"code": "1"}], "needs `uri`"),
        ("evalens.eval", [{"uri": "file:///nowhere/x.py", "code": "1"}], "not an open document"),
        ("evalens.eval", [{"uri": "URI", "code": 5}], "`code` must be a string"),
        ("evalens.eval", [{"uri": "URI", "range": {"start": {"line": 0}}}], "range.start.character"),
        ("evalens.call", [{"uri": "URI"}], "needs `target`"),
        ("evalens.call", [{"uri": "URI", "target": "f", "args": "1); import os; (2"}], "argument list"),
        ("evalens.call", [{"uri": "URI", "target": "f(", "args": []}], "must be a Python expression"),
        ("evalens.runModule", [{"uri": 1}], "`uri` must be a string"),
        ("evalens.nope", [{}], "not defined"),
    ],
)
async def test_bad_requests_get_errors_that_say_what_to_fix(
    editor: Editor, command: str, arguments: list[Any], message: str
) -> None:
    uri = editor.open("main.py", "")
    arguments = [{k: (uri if v == "URI" else v) for k, v in a.items()} if isinstance(a, dict) else a for a in arguments]
    with pytest.raises(JsonRpcException, match=message.replace("(", r"\(").replace(")", r"\)")):
        await editor.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command, arguments=arguments)
        )
    await wait_until(lambda: True)


@process_only("there is no warm spare: a restart starts a new kernel")
async def test_restart_swaps_in_a_warm_interpreter(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    await editor.eval(uri, "1")
    timings = []
    for _ in range(3):
        started = asyncio.get_running_loop().time()
        await editor.command("evalens.restart", {})
        assert (await editor.eval(uri, "2"))["value"]["repr"] == "2"
        timings.append(asyncio.get_running_loop().time() - started)
    assert min(timings) < 0.5, timings  # a cold start takes about 0.1-0.3 s more; bench/startup.py measures it


async def interrupt_while_the_worker_reads_the_run(editor: Editor, msg_id: str) -> None:
    """A 30 MB unsaved module travels with the run: the worker is still reading and decoding
    the request when the interrupt arrives. It must stop this run, at its start (not be
    taken for a late interrupt of the previous one), and the session keeps its state."""
    uri = editor.open("main.py", "")
    await editor.eval(uri, "kept = 1")
    editor.open("big.py", "# " + "x" * 30_000_000 + "\n")
    running = send_command(editor, "evalens.eval", {"uri": uri, "code": LOOP}, msg_id)
    await wait_for_state(editor, "busy")
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": True}
    result = plain(await running)
    assert result["error"]["type"] == "KeyboardInterrupt"
    assert (await editor.eval(uri, "kept"))["value"]["repr"] == "1"


@not_through_a_server(
    "a 30 MB request is over Jupyter Server's websocket message limit (10 MB by default; test_kernel_servers.py checks the answer)"
)
async def test_an_interrupt_that_lands_before_the_worker_reads_the_run_still_stops_it(editor: Editor) -> None:
    await interrupt_while_the_worker_reads_the_run(editor, "loop-3")


@not_through_a_server(
    "a 30 MB request is over Jupyter Server's websocket message limit (10 MB by default; test_kernel_servers.py checks the answer)"
)
async def test_the_grace_period_starts_when_the_interrupt_can_reach_the_run(editor: Editor) -> None:
    """Reading the request takes longer than this grace period (and than the default 3 s on
    a busy machine): the interrupt stops the run, not the interpreter."""
    from tests.e2e.test_settings import configure

    configure(editor, {"trusted": True, "limits": {"interruptGraceSeconds": 0.05}})
    await interrupt_while_the_worker_reads_the_run(editor, "loop-4")
