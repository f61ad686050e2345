"""Settings from initializationOptions, workspace/configuration and didChangeConfiguration, applied to runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.conftest import process_only
from tests.harness import Editor


def configure(editor: Editor, settings: dict[str, object]) -> None:
    editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"evalens": settings}))


async def test_trust_can_arrive_by_did_change_configuration(untrusted: Editor) -> None:
    uri = untrusted.open("main.py", "")
    with pytest.raises(JsonRpcException, match="untrusted"):
        await untrusted.eval(uri, "1")
    configure(untrusted, {"trusted": True})
    assert (await untrusted.eval(uri, "1"))["value"]["repr"] == "1"


async def test_configuration_is_pulled_when_the_client_only_announces_a_change(untrusted: Editor) -> None:
    uri = untrusted.open("main.py", "")
    untrusted.client.set_configuration({"trusted": True}, section="evalens")
    untrusted.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    assert (await untrusted.eval(uri, "2"))["value"]["repr"] == "2"


async def test_limits_apply_to_the_next_run(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    configure(editor, {"limits": {"outputBytes": 10, "reprChars": 5}})
    result = await editor.eval(uri, "print('x' * 100)\n'abcdefgh'")
    assert (result["stdout"], result["value"]["repr"], result["truncated"]) == ("x" * 10, "'abcd…", True)


@process_only("limits.memoryMB is evalens' own interpreter's; a kernel's memory is its own")
async def test_memory_limit_gives_memory_error(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    configure(editor, {"limits.memoryMB": 1024})
    result = await editor.eval(uri, "block = bytearray(2 * 1024**3)")
    assert result["error"]["type"] == "MemoryError"
    assert (await editor.eval(uri, "'alive'"))["value"]["repr"] == "'alive'"


async def test_extra_paths_follow_the_import_roots(editor: Editor, tmp_path: Path) -> None:
    extra = tmp_path / "vendor"
    extra.mkdir()
    (extra / "vendored.py").write_text("NAME = 'vendored'\n")
    configure(editor, {"extraPaths": [str(extra)]})
    uri = editor.open("main.py", "")
    code = (
        f"import sys, vendored\n(vendored.NAME, sys.path.index({str(editor.root)!r}) < sys.path.index({str(extra)!r}))"
    )
    result = await editor.eval(uri, code)
    assert result["value"]["repr"] == "('vendored', True)"


@process_only("the kernelspec names the Python, not the interpreter setting")
async def test_interpreter_setting_switches_the_python(editor: Editor, tmp_path: Path) -> None:
    venv = tmp_path / "other-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    configure(editor, {"interpreter": str(venv / "bin" / "python")})
    uri = editor.open("main.py", "")
    result = await editor.eval(uri, "import sys; sys.prefix")
    assert result["value"]["repr"] == repr(str(venv))
    missing = await editor.eval(uri, "import pygls")
    assert missing["error"]["message"] == "No module named 'pygls'"
    status = await editor.command("evalens.status", {})
    assert status["executable"].startswith(str(venv))


@process_only("the kernelspec names the Python, not the interpreter setting")
async def test_a_missing_interpreter_is_a_clear_result(editor: Editor) -> None:
    configure(editor, {"interpreter": "/nonexistent/python"})
    uri = editor.open("main.py", "")
    result = await editor.eval(uri, "1")
    assert result["error"]["type"] == "InterpreterDied"
    assert "could not start the interpreter '/nonexistent/python'" in result["error"]["message"]
    assert "evalens.interpreter" in result["error"]["message"]
