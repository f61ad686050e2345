"""Kernels of a Jupyter Server (both websocket framings) and of a Kernel Gateway, each a real
server on loopback with a token: a kernel evalens starts there (and shuts down), one it
attaches to by id (and leaves), a refused token, a dropped connection, a kernel that dies."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER, session
from tests.e2e.test_lifecycle import send_command, wait_for_state
from tests.harness import Editor, wait_until
from tests.jupyter_servers import KINDS, DroppingProxy, JupyterServer, free_port, jupyter_server

pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_server")
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="kernels are tested on Linux")

MAIN = "import helpers\nLIMIT = 40\n"
HELPERS = "def twice(x):\n    return 2 * x\n"


@pytest.fixture(scope="module", params=list(KINDS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    if request.param == "kernel-gateway":
        pytest.importorskip("kernel_gateway")
    with jupyter_server(request.param, tmp_path_factory.mktemp(request.param)) as started:
        yield started


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[LanguageClient]:
    async with session(lsp_client, workspace, {"trusted": True}) as started:
        yield started


@pytest.fixture
def editor(client: LanguageClient) -> Editor:
    result: Editor = client.editor  # type: ignore[attr-defined]
    return result


async def test_a_kernel_evalens_starts_on_a_server_serves_every_run_and_is_shut_down_after(
    client: LanguageClient, editor: Editor, server: JupyterServer
) -> None:
    editor.open("helpers.py", HELPERS)  # unsaved: it exists only in the editor, not on the server
    uri = editor.open("main.py", MAIN)
    before = set(server.kernel_ids())
    status = await editor.command("evalens.attach", {"kernel": server.setting()})
    assert (status["state"], status["kernel"]) == ("idle", {"url": server.url})
    assert server.token not in json.dumps(status)
    (started,) = set(server.kernel_ids()) - before

    result = await editor.eval(uri, "print('on the server')\nhelpers.twice(LIMIT) + 2")
    assert (result["ok"], result["value"], result["stdout"]) == (True, {"repr": "82", "type": "int"}, "on the server\n")
    assert editor.output == [{"uri": uri, "stream": "stdout", "text": "on the server\n"}]
    shown = await editor.eval(uri, "from IPython.display import HTML, display\ndisplay(HTML('<i>i</i>'))")
    assert [bundle["data"]["text/html"] for bundle in shown["display"]] == ["<i>i</i>"]
    failed = await editor.command("evalens.call", {"uri": uri, "target": "helpers.twice", "args": "None"})
    assert (failed["error"]["type"], failed["error"]["frames"][-1]) == (
        "TypeError",
        {"uri": editor.uri("helpers.py"), "line": 1, "name": "twice"},
    )

    listed = await editor.command("evalens.kernels", {})
    assert [kernel["id"] for kernel in listed["server"] if kernel["id"] == started] == [started]
    assert {"name": "python3", "displayName": "Python 3 (ipykernel)", "language": "python"} in listed["serverSpecs"]

    pending = send_command(editor, "evalens.eval", {"uri": uri, "code": "while True:\n    pass"}, "loop")
    await wait_for_state(editor, "busy")
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": True}  # the REST interrupt
    stopped = await asyncio.wait_for(pending, 20)
    assert (stopped["ok"], stopped["error"]["type"]) == (False, "KeyboardInterrupt")

    await editor.command("evalens.restart", {})  # evalens started it: it may restart it
    (restarted,) = set(server.kernel_ids()) - before
    assert restarted != started
    assert (await editor.eval(uri, "helpers.twice(1)"))["value"]["repr"] == "2"

    await client.shutdown_session()
    assert set(server.kernel_ids()) == before  # evalens shut down what it started


async def test_a_kernel_attached_by_id_is_left_running(
    client: LanguageClient, editor: Editor, server: JupyterServer
) -> None:
    kernel_id = server.api("POST", "kernels", {"name": "python3"})["id"]
    try:
        uri = editor.open("main.py", "")
        status = await editor.command("evalens.attach", {"kernel": server.setting(id=kernel_id)})
        assert status["kernel"] == {"url": server.url, "id": kernel_id}
        assert (await editor.eval(uri, "6 * 7"))["value"]["repr"] == "42"
        with pytest.raises(JsonRpcException) as refused:
            await editor.command("evalens.restart", {})
        assert f"evalens does not restart kernel {kernel_id} at {server.url}" in str(refused.value)
        await client.shutdown_session()
        assert kernel_id in server.kernel_ids()
    finally:
        server.api("DELETE", f"kernels/{kernel_id}")


async def test_a_refused_token_is_a_clear_answer_that_never_repeats_it(editor: Editor, server: JupyterServer) -> None:
    uri = editor.open("main.py", "")
    with pytest.raises(JsonRpcException) as refused:
        await editor.command("evalens.attach", {"kernel": {"url": server.url, "token": "wrong-s3cret"}})
    message = str(refused.value)
    assert f"{server.url} refused the token given (HTTP 40" in message and "wrong-s3cret" not in message
    result = await editor.eval(uri, "1")
    assert result["error"]["type"] == "InterpreterDied"
    assert "refused the token given" in result["error"]["message"]
    back = await editor.command("evalens.attach", {"kernel": None})
    assert back["kernel"] is None
    assert (await editor.eval(uri, "1 + 1"))["value"]["repr"] == "2"


async def test_a_dropped_connection_is_opened_again_and_the_run_in_flight_answered(
    editor: Editor, server: JupyterServer
) -> None:
    proxy = await DroppingProxy(int(server.url.rsplit(":", 1)[1])).start()
    try:
        uri = editor.open("main.py", "")
        await editor.command("evalens.attach", {"kernel": server.setting(url=f"http://127.0.0.1:{proxy.port}")})
        code = "import time\nprint('before', flush=True)\ntime.sleep(1)\nprint('after')\n'done'"
        pending = send_command(editor, "evalens.eval", {"uri": uri, "code": code}, "drop")
        await wait_until(lambda: any(entry["text"] == "before\n" for entry in editor.output))
        proxy.drop()
        result = await asyncio.wait_for(pending, 20)
        assert (result["ok"], result["value"]["repr"], result["stdout"]) == (True, "'done'", "before\nafter\n")
        assert proxy.dropped >= 2
        assert (await editor.eval(uri, "'still here'"))["value"]["repr"] == "'still here'"
    finally:
        await editor.command("evalens.attach", {"kernel": None})
        await proxy.close()


async def test_a_kernel_that_dies_on_the_server_is_a_result_and_the_next_run_works(
    client: LanguageClient, editor: Editor, server: JupyterServer
) -> None:
    before = set(server.kernel_ids())
    uri = editor.open("main.py", "")
    await editor.command("evalens.attach", {"kernel": server.setting()})
    died = await editor.eval(uri, "import os\nos._exit(3)")
    assert died["error"]["type"] == "InterpreterDied"
    assert "died and its server restarted it" in died["error"]["message"]
    again = await editor.eval(uri, "2 + 2")
    assert again["value"] == {"repr": "4", "type": "int"}, again
    await client.shutdown_session()
    assert set(server.kernel_ids()) == before


async def test_an_unencrypted_remote_url_and_a_server_that_is_not_there_are_refused(editor: Editor) -> None:
    with pytest.raises(JsonRpcException) as insecure:
        await editor.command("evalens.attach", {"kernel": {"url": "http://192.0.2.7:8888", "token": "s3cret"}})
    assert "http://192.0.2.7:8888 is neither on this machine nor https" in str(insecure.value)
    assert '"allowInsecure": true' in str(insecure.value) and "s3cret" not in str(insecure.value)
    away = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(JsonRpcException) as unreachable:
        await editor.command("evalens.attach", {"kernel": {"url": away, "token": "s3cret"}})
    assert f"cannot reach the Jupyter server at {away}" in str(unreachable.value)
    listed = await editor.command("evalens.kernels", {})
    assert listed["server"] == [] and f"cannot reach the Jupyter server at {away}" in listed["serverError"]


async def test_a_server_without_a_token(
    client: LanguageClient, editor: Editor, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """--IdentityProvider.token='': no token, and XSRF checked on every POST and DELETE."""
    with jupyter_server("jupyter-server", tmp_path_factory.mktemp("open"), token="") as open_server:
        uri = editor.open("main.py", "")
        status = await editor.command("evalens.attach", {"kernel": {"url": open_server.url, "token": ""}})
        assert status["kernel"] == {"url": open_server.url}
        assert (await editor.eval(uri, "6 * 7"))["value"]["repr"] == "42"
        assert len(open_server.kernel_ids()) == 1
        await client.shutdown_session()
        assert open_server.kernel_ids() == []


async def test_a_request_over_the_servers_message_limit_is_a_clear_answer(
    client: LanguageClient, editor: Editor, server: JupyterServer
) -> None:
    if server.kind == "kernel-gateway":
        pytest.skip("the same limit and answer as Jupyter Server's (one server kind is enough)")
    uri = editor.open("main.py", "")
    await editor.command("evalens.attach", {"kernel": server.setting()})
    assert (await editor.eval(uri, "1"))["value"]["repr"] == "1"
    editor.open("big.py", "# " + "x" * 12_000_000 + "\n")  # travels with the next run
    result = await editor.eval(uri, "2")
    assert result["error"]["type"] == "InterpreterDied"
    assert "did not reach" in result["error"]["message"]
    assert "websocket_max_message_size" in result["error"]["message"]
