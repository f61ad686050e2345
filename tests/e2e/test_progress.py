"""Progress for long runs, cancelling it, and the queue in evalens.status."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from tests.e2e.test_lifecycle import LOOP, send_command, wait_for_state
from tests.harness import Editor, plain, wait_until


async def test_quick_runs_report_no_progress(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    await editor.eval(uri, "0")  # the interpreter started (a server's kernel takes most of a second)
    editor.client.progress_reports.clear()
    await editor.eval(uri, "1")
    assert editor.client.progress_reports == {}


async def test_long_run_reports_begin_and_end_with_the_outcome(editor: Editor) -> None:
    uri = editor.open("main.py", "import time\n")
    result = await editor.eval(uri, "time.sleep(0.8); 6 * 7")
    assert result["value"]["repr"] == "42"
    await wait_until(lambda: any(len(r) == 2 for r in editor.client.progress_reports.values()))
    (reports,) = editor.client.progress_reports.values()
    begin, end = reports
    assert isinstance(begin, types.WorkDoneProgressBegin) and isinstance(end, types.WorkDoneProgressEnd)
    assert (begin.title, begin.message, begin.cancellable) == ("evalens", "main: time.sleep(0.8); 6 * 7", True)
    assert end.message == "42"


async def test_cancelling_the_progress_interrupts_the_run(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    running = send_command(editor, "evalens.eval", {"uri": uri, "code": LOOP}, "long-1")
    await wait_until(lambda: len(editor.client.progress_reports) == 1)
    (token,) = editor.client.progress_reports
    editor.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    result = plain(await asyncio.wait_for(running, 10))
    assert result["error"]["type"] == "KeyboardInterrupt"


async def test_status_shows_the_running_request_and_the_queue_in_order(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    first = send_command(editor, "evalens.eval", {"uri": uri, "code": LOOP}, "q-1")
    await wait_for_state(editor, "busy")
    second = send_command(editor, "evalens.eval", {"uri": uri, "code": "order = ['second']"}, "q-2")
    third = send_command(editor, "evalens.call", {"uri": uri, "target": "order.append", "args": "'third'"}, "q-3")
    status: dict[str, object] = {}

    async def queued() -> int:
        nonlocal status
        status = await editor.command("evalens.status", {})
        return len(status["queue"])  # type: ignore[arg-type]

    while await queued() < 2:
        pass
    assert status["running"] == {"title": "main: import time while True: time.sleep(0.01)", "uri": uri}
    assert status["queue"] == [
        {"title": "main: order = ['second']", "uri": uri},
        {"title": "main: order.append('third')", "uri": uri},
    ]
    await editor.command("evalens.interrupt", {})
    await asyncio.gather(first, second, third)
    assert (await editor.eval(uri, "order"))["value"]["repr"] == "['second', 'third']"


async def test_a_scope_of_cells_reports_which_cell_runs(editor: Editor) -> None:
    uri = editor.open("cells.py", "# %% Wait\nimport time\ntime.sleep(0.8)\n# %% Answer\ntime.sleep(0.3)\n6 * 7\n")
    result = plain(await editor.command("evalens.runCell", {"uri": uri, "line": 0, "scope": "all"}))
    assert result["value"]["repr"] == "42"
    await wait_until(lambda: any(len(r) == 3 for r in editor.client.progress_reports.values()))
    (reports,) = editor.client.progress_reports.values()
    begin, report, end = reports
    assert begin.message == "cells: cell 1 of 2 (Wait)"
    assert isinstance(report, types.WorkDoneProgressReport) and report.message == "cells: cell 2 of 2 (Answer)"
    assert end.message == "42"
