"""Hostile code: each fault has a defined outcome and the session survives it."""

from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import process_only
from tests.harness import Editor, wait_until


async def alive(editor: Editor, uri: str) -> None:
    assert (await editor.eval(uri, "40 + 2"))["value"]["repr"] == "42"


async def test_runaway_recursion_is_a_recursion_error(editor: Editor) -> None:
    uri = editor.open("main.py", "def down(n):\n    return down(n + 1)\n")
    result = await editor.eval(uri, "down(0)")
    assert result["error"]["type"] == "RecursionError"
    assert result["error"]["frames"][1] == {"uri": uri, "line": 1, "name": "down"}
    await alive(editor, uri)


@process_only("the kernel owns its streams (ipykernel's OutStream)")
async def test_closed_or_replaced_stdout_is_restored_for_the_next_run(editor: Editor) -> None:
    uri = editor.open("main.py", "import os, sys, io\n")
    for breakage in (
        "sys.stdout.close()",
        "sys.stdout = io.StringIO()",
        "sys.stdout = None",
        "os.close(1)",
        "os.dup2(os.open(os.devnull, os.O_WRONLY), 1)",
        "sys.stderr.close(); os.close(2)",
    ):
        assert (await editor.eval(uri, breakage))["ok"] is True, breakage
        result = await editor.eval(uri, "print('still here'); print('err', file=sys.stderr); os.write(1, b'fd\\n')")
        assert (result["stdout"], result["stderr"]) == ("still here\nfd\n", "err\n"), breakage


async def test_fork_child_ends_quietly_and_the_parent_answers(editor: Editor) -> None:
    uri = editor.open("main.py", "import os\n")
    result = await editor.eval(uri, "pid = os.fork()\nif pid == 0:\n    print('in child')\npid")
    assert result["ok"] is True
    assert int(result["value"]["repr"]) > 0
    await alive(editor, uri)
    assert (await editor.eval(uri, "os.waitpid(pid, 0)[1]"))["value"]["repr"] == "0"


async def test_child_processes_die_with_a_restart(editor: Editor) -> None:
    uri = editor.open("main.py", "import subprocess\n")
    result = await editor.eval(uri, "subprocess.Popen(['sleep', '300']).pid")
    child = int(result["value"]["repr"])
    await editor.command("evalens.restart", {})

    def gone() -> bool:
        try:
            state = Path(f"/proc/{child}/stat").read_text().split()[2]
        except FileNotFoundError:
            return True
        return state == "Z"

    await wait_until(gone)
    await alive(editor, uri)


async def test_thread_output_after_the_run_arrives_without_a_uri(editor: Editor) -> None:
    uri = editor.open("main.py", "import threading, time\n")
    code = "threading.Thread(target=lambda: (time.sleep(0.3), print('late line', flush=True))).start()"
    result = await editor.eval(uri, code)
    assert result["stdout"] == ""
    await wait_until(lambda: any(o["text"] == "late line\n" for o in editor.output))
    assert [o["uri"] for o in editor.output if o["text"] == "late line\n"] == [None]


async def test_working_directory_changes_persist_and_imports_still_work(editor: Editor, tmp_path: Path) -> None:
    editor.open("helpers.py", "VALUE = 7\n")
    uri = editor.open("main.py", "import os\n")
    await editor.eval(uri, f"os.chdir({str(tmp_path)!r})")
    result = await editor.eval(uri, "import helpers; (os.getcwd(), helpers.VALUE)")
    assert result["value"]["repr"] == repr((str(tmp_path), 7))


async def test_deleted_sys_modules_entries_import_again(editor: Editor) -> None:
    editor.open("helpers.py", "import builtins\nbuiltins.loads = getattr(builtins, 'loads', 0) + 1\n")
    uri = editor.open("main.py", "import sys, helpers\n")
    await editor.eval(uri, "del sys.modules['helpers']; sys.modules.pop('_evalens_worker', None)")
    assert (await editor.eval(uri, "import helpers; loads"))["value"]["repr"] == "2"


@process_only("the kernel owns its streams (ipykernel's OutStream)")
async def test_print_flood_is_cut_at_the_source_and_finishes_quickly(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    started = time.perf_counter()
    result = await editor.eval(uri, "for i in range(3_000_000):\n    print(i)\n'done'")
    elapsed = time.perf_counter() - started
    assert result["value"]["repr"] == "'done'"
    assert result["truncated"] is True
    assert len(result["stdout"]) == 1_000_000
    assert elapsed < 15, elapsed
    streamed = sum(len(o["text"]) for o in editor.output if o["uri"] == uri)
    await wait_until(lambda: sum(len(o["text"]) for o in editor.output if o["uri"] == uri) == 1_000_000)
    assert streamed <= 1_000_000
    assert len(editor.output) < 200  # coalesced, not one notification per line


async def test_hanging_and_huge_reprs_have_bounded_cost(editor: Editor) -> None:
    uri = editor.open("main.py", "class Hang:\n    def __repr__(self):\n        while True:\n            pass\n")
    started = time.perf_counter()
    hang = await editor.eval(uri, "Hang()")
    assert hang["value"]["repr"] == "<Hang object; repr took longer than 2 s>"
    huge = await editor.eval(uri, "list(range(10**7))")
    assert huge["truncated"] is True and len(huge["value"]["repr"]) == 10001
    assert time.perf_counter() - started < 10
    await alive(editor, uri)


async def test_worker_channel_fds_are_not_inherited(editor: Editor) -> None:
    uri = editor.open("main.py", "import subprocess, sys\n")
    result = await editor.eval(
        uri, "subprocess.run(['ls', '/proc/self/fd'], capture_output=True, text=True).stdout.split()"
    )
    fds = eval(result["value"]["repr"])
    assert {int(fd) for fd in fds} <= {0, 1, 2, 3}, fds  # ls's own directory fd is 3
