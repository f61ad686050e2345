"""A Jupyter kernel as the interpreter: a local kernelspec evalens starts, a running kernel it
attaches to by its connection file, and switching between them (issue 17, first slice)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER, session
from tests.e2e.test_lifecycle import send_command, wait_for_state
from tests.harness import Editor, wait_until

pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

KERNEL = {"spec": "python3"}
MAIN = "import helpers\nLIMIT = 40\n"
HELPERS = "def twice(x):\n    return 2 * x\n"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def kernel_client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[LanguageClient]:
    async with session(lsp_client, workspace, {"trusted": True, "kernel": KERNEL}) as client:
        yield client


@pytest.fixture
def kernel(kernel_client: LanguageClient) -> Editor:
    result: Editor = kernel_client.editor  # type: ignore[attr-defined]
    return result


async def test_unsaved_modules_import_in_the_kernel_and_results_keep_their_shape(kernel: Editor) -> None:
    kernel.open("helpers.py", HELPERS)  # never saved: it exists only in the editor
    uri = kernel.open("main.py", MAIN)
    result = await kernel.eval(uri, "print('in the kernel')\nhelpers.twice(LIMIT) + 2")
    assert result["ok"], result["error"]
    assert (result["value"], result["valueName"], result["stdout"]) == (
        {"repr": "82", "type": "int"},
        "_1",
        "in the kernel\n",
    )
    assert kernel.output == [{"uri": uri, "stream": "stdout", "text": "in the kernel\n"}]
    kernel.replace(kernel.uri("helpers.py"), "def twice(x):\n    return 3 * x\n")
    again = await kernel.eval(uri, "helpers.twice(LIMIT)")
    assert again["value"]["repr"] == "120"
    assert [entry["module"] for entry in again["reloaded"]] == ["helpers"]


async def test_errors_map_to_the_documents_and_calls_work(kernel: Editor) -> None:
    uri = kernel.open("main.py", "def ratio(a, b):\n    return a / b\n")
    failed = await kernel.command("evalens.call", {"uri": uri, "target": "ratio", "args": "1, 0"})
    assert (failed["ok"], failed["error"]["type"]) == (False, "ZeroDivisionError")
    assert failed["error"]["frames"][-1] == {"uri": uri, "line": 1, "name": "ratio"}
    assert "ipykernel" not in failed["error"]["traceback"] and "_evalens_worker" not in failed["error"]["traceback"]
    called = await kernel.command("evalens.call", {"uri": uri, "target": "ratio", "args": [6, 3]})
    assert called["value"] == {"repr": "2.0", "type": "float"}
    assert called["target"] == {"uri": uri, "line": 0}


async def test_hover_shows_live_values_from_the_idle_kernel(kernel: Editor) -> None:
    uri = kernel.open("main.py", "counter = 0\n")
    await kernel.eval(uri, "counter = 41 + 1")
    hover = await kernel.client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 2))
    )
    assert hover is not None and "42" in str(hover.contents)


async def test_the_variables_view_reads_the_idle_kernel(kernel: Editor) -> None:
    uri = kernel.open("names.py", "numbers = [1, 2]\n")
    await kernel.eval(uri, "1")
    await kernel.eval(uri, "label = 'kernel'")
    await wait_until(lambda: {"uri": uri, "names": ["label"]} in kernel.changes)
    page = await kernel.command("evalens.variables", {"uri": uri})
    assert [(entry["name"], entry["repr"]) for entry in page["variables"]] == [
        ("label", "'kernel'"),
        ("numbers", "[1, 2]"),
    ]
    (numbers,) = [entry for entry in page["variables"] if entry["ref"] is not None]
    items = await kernel.command("evalens.variables", {"ref": numbers["ref"]})
    assert [(entry["name"], entry["repr"]) for entry in items["variables"]] == [("0", "1"), ("1", "2")]


async def test_displays_come_from_the_kernel(kernel: Editor) -> None:
    uri = kernel.open("shows.py", "class Bold:\n    def _repr_html_(self):\n        return '<b>b</b>'\n")
    result = await kernel.eval(uri, "from IPython.display import display, HTML\ndisplay(HTML('<i>i</i>'))\nBold()")
    assert [bundle["data"].get("text/html") for bundle in result["display"]] == ["<i>i</i>", "<b>b</b>"]
    assert [shown["data"].get("text/html") for shown in kernel.displays] == ["<i>i</i>", "<b>b</b>"]


async def test_a_display_method_that_raises_is_noted_in_the_kernels_stderr(kernel: Editor) -> None:
    source = "class Bad:\n    def _repr_html_(self):\n        raise ValueError('no')\n    def __repr__(self):\n        return 'Bad()'\n"
    uri = kernel.open("bad.py", source)
    result = await kernel.eval(uri, "Bad()")
    assert (result["ok"], result["value"]["repr"]) == (True, "Bad()")
    assert result["stderr"] == "evalens: Bad._repr_html_ raised ValueError: no; left out\n"


async def test_a_plot_comes_from_the_kernels_own_matplotlib_backend(kernel: Editor) -> None:
    pytest.importorskip("matplotlib")
    uri = kernel.open("plot.py", "import matplotlib.pyplot as plt\n")
    result = await kernel.eval(uri, "plt.plot([1, 3, 2]); None")
    assert [sorted(bundle["data"]) for bundle in result["display"]] == [["image/png", "text/plain"]]
    backend = await kernel.eval(uri, "import matplotlib\nmatplotlib.get_backend()")
    assert "inline" in backend["value"]["repr"]  # ipykernel's, not evalens' own


async def test_interrupt_and_restart_a_kernel_evalens_started(kernel: Editor) -> None:
    uri = kernel.open("main.py", "kept = 'before'\n")
    first = await kernel.eval(uri, "import os\nos.getpid()")
    pending = send_command(kernel, "evalens.eval", {"uri": uri, "code": "while True:\n    pass"}, "loop")
    await wait_for_state(kernel, "busy")
    assert await kernel.command("evalens.interrupt", {}) == {"interrupted": True}
    stopped = await asyncio.wait_for(pending, 10)
    assert (stopped["ok"], stopped["error"]["type"]) == (False, "KeyboardInterrupt")
    assert (await kernel.eval(uri, "kept"))["value"]["repr"] == "'before'"
    status = await kernel.command("evalens.status", {})
    assert (status["state"], status["kernel"], status["pid"]) == ("idle", KERNEL, int(first["value"]["repr"]))
    restarted = await kernel.command("evalens.restart", {})
    assert restarted["pid"] != status["pid"]
    after = await kernel.eval(uri, "os.getpid() if 'os' in dir() else kept")
    assert after["value"]["repr"] == "'before'"  # a fresh kernel: the module loaded again, os not imported


async def test_kernels_lists_the_installed_kernelspecs(kernel: Editor) -> None:
    found = await kernel.command("evalens.kernels", {})
    assert {"name": "python3", "displayName": "Python 3 (ipykernel)", "language": "python"} in found["specs"]
    assert isinstance(found["running"], list)


async def test_a_kernelspec_that_is_not_installed_is_a_clear_result(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    try:
        await editor.command("evalens.attach", {"kernel": {"spec": "no-such-kernel"}})
    except JsonRpcException as exc:
        message = str(exc)
    assert "no kernelspec named 'no-such-kernel' is installed (installed: " in message
    assert "jupyter kernelspec list" in message
    result = await editor.eval(uri, "1")
    assert result["error"]["type"] == "InterpreterDied"
    assert "no kernelspec named 'no-such-kernel'" in result["error"]["message"]
    back = await editor.command("evalens.attach", {"kernel": None})  # evalens' own interpreter again
    assert (back["kernel"], back["state"]) == (None, "idle")
    assert (await editor.eval(uri, "1 + 1"))["value"]["repr"] == "2"


async def test_a_bad_kernel_value_is_a_bad_request_without_the_token(editor: Editor) -> None:
    for value in (
        {"spec": ""},
        {"spec": "a", "connectionFile": "/x"},
        "python3",
        {"url": "http://h", "token": "s3cret", "x": "1"},
    ):
        with pytest.raises(JsonRpcException) as raised:
            await editor.command("evalens.attach", {"kernel": value})
        assert "evalens.attach: kernel must be null, " in str(raised.value)
        assert "s3cret" not in str(raised.value)


# -- a kernel someone else started, by its connection file -------------------------------------


@pytest.fixture
def running_kernel(tmp_path: Path) -> Iterator[tuple[Path, Any]]:
    """A kernel started here, as `jupyter console` would leave one running: its connection file."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3", connection_file=str(tmp_path / "kernel-test.json"))
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    client.execute("ours = 'set before evalens came'")
    try:
        yield Path(manager.connection_file), manager
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def attached_client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[LanguageClient]:
    async with session(lsp_client, workspace, {"trusted": True}) as client:  # the test ends it itself
        yield client


async def test_attach_by_connection_file_which_outlives_the_session(
    attached_client: LanguageClient, running_kernel: tuple[Path, Any]
) -> None:
    editor: Editor = attached_client.editor  # type: ignore[attr-defined]
    connection_file, manager = running_kernel
    uri = editor.open("main.py", MAIN)
    editor.open("helpers.py", HELPERS)
    status = await editor.command("evalens.attach", {"kernel": {"connectionFile": str(connection_file)}})
    assert (status["state"], status["kernel"]) == ("idle", {"connectionFile": str(connection_file)})
    result = await editor.eval(uri, "import __main__\n(__main__.ours, helpers.twice(LIMIT))")
    assert result["value"]["repr"] == "('set before evalens came', 80)"
    with pytest.raises(JsonRpcException) as refused:
        await editor.command("evalens.restart", {})
    assert "evalens does not restart the kernel of " in str(refused.value)
    pending = send_command(editor, "evalens.eval", {"uri": uri, "code": "import time\ntime.sleep(30)"}, "sleep")
    await wait_for_state(editor, "busy")
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": True}  # its control channel
    stopped = await asyncio.wait_for(pending, 10)
    assert stopped["error"]["type"] == "KeyboardInterrupt"
    await attached_client.shutdown_session()
    assert manager.is_alive()  # evalens never shuts down a kernel it attached to


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="kernels are tested on Linux")


async def test_a_kernel_busy_with_another_clients_code_answers_hover_statically_and_queues_the_run(
    attached_client: LanguageClient, running_kernel: tuple[Path, Any]
) -> None:
    from jupyter_client.manager import KernelManager

    editor: Editor = attached_client.editor  # type: ignore[attr-defined]
    connection_file, _ = running_kernel
    uri = editor.open("main.py", "value = 1\n")
    await editor.command("evalens.attach", {"kernel": {"connectionFile": str(connection_file)}})
    assert (await editor.eval(uri, "value = 'live'\nvalue"))["value"]["repr"] == "'live'"
    position = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 1))
    idle = await editor.client.text_document_hover_async(position)  # also brings jedi up
    assert idle is not None and "'live'" in str(idle.contents)
    other = KernelManager(connection_file=str(connection_file))
    other.load_connection_file()
    someone = other.client()
    someone.start_channels()
    try:
        someone.execute("import time\ntime.sleep(2)")
        await wait_for_state(editor, "busy")  # the kernel's busy status, for someone else's request
        loop = asyncio.get_running_loop()
        asked = loop.time()
        busy = await editor.client.text_document_hover_async(position)
        assert loop.time() - asked < 1.0  # not queued behind the other client's sleep
        assert busy is not None and "'live'" not in str(busy.contents)  # static only
        with pytest.raises(JsonRpcException) as refused:  # answered at once, not queued
            await editor.command("evalens.variables", {"uri": uri})
        assert refused.value.data == {"reason": "busy"}
        result = await editor.eval(uri, "value * 2")
        assert result["value"]["repr"] == "'livelive'"
        assert result["stderr"] == ""
        assert {
            "uri": uri,
            "stream": "stderr",
            "text": f"evalens: the kernel of {connection_file} is running another client's code; this run starts "
            "when that ends (evalens.interrupt cancels this run only)\n",
        } in editor.output
    finally:
        someone.stop_channels()


async def test_a_run_interrupted_while_its_kernel_starts_never_runs(kernel: Editor) -> None:
    from tests.e2e.test_settings import configure

    uri = kernel.open("main.py", "ran = False\n")
    assert (await kernel.eval(uri, "ran"))["value"]["repr"] == "False"
    configure(kernel, {"limits": {"reprChars": 500}})  # another kernel, with that limit
    pending = send_command(kernel, "evalens.eval", {"uri": uri, "code": "ran = True"}, "early")
    await wait_for_state(kernel, "starting")
    assert await kernel.command("evalens.interrupt", {}) == {"interrupted": True}
    result = await asyncio.wait_for(pending, 60)
    assert (result["ok"], result["error"]["type"], result["error"]["message"]) == (
        False,
        "KeyboardInterrupt",
        "interrupted before it ran (the interpreter was starting)",
    )
    assert (await kernel.eval(uri, "ran"))["value"]["repr"] == "False"


def kernel_holds(manager: Any, expression: str) -> Any:
    """``expression`` evaluated in the kernel by another client (as a user expression)."""
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=30)
        reply = client.execute_interactive("", user_expressions={"it": expression}, timeout=30)
        answer = reply["content"]["user_expressions"]["it"]
        assert answer["status"] == "ok", answer
        return answer["data"]["text/plain"]
    finally:
        client.stop_channels()


LEFT = "([m for m in __import__('sys').modules if 'evalens' in m], [type(f).__name__ for f in __import__('sys').meta_path if 'evalens' in type(f).__module__ or type(f).__name__ == 'Sources'])"


async def test_evalens_leaves_nothing_of_itself_in_a_kernel_it_detaches_from(
    attached_client: LanguageClient, running_kernel: tuple[Path, Any]
) -> None:
    editor: Editor = attached_client.editor  # type: ignore[attr-defined]
    connection_file, manager = running_kernel
    uri = editor.open("main.py", "import evalens\nkept = 'yours'\n")
    await editor.command("evalens.attach", {"kernel": {"connectionFile": str(connection_file)}})
    assert (await editor.eval(uri, "kept"))["value"]["repr"] == "'yours'"
    assert kernel_holds(manager, LEFT) != "([], [])"
    await editor.command("evalens.attach", {"kernel": None})
    assert kernel_holds(manager, LEFT) == "([], [])"
    assert kernel_holds(manager, "__import__('sys').modules['main'].kept") == "'yours'"  # the user's state stays
    await editor.command("evalens.attach", {"kernel": {"connectionFile": str(connection_file)}})
    assert (await editor.eval(uri, "kept"))["value"]["repr"] == "'yours'"  # evalens goes in again
    await attached_client.shutdown_session()
    assert kernel_holds(manager, LEFT) == "([], [])"  # the server ending detaches too
