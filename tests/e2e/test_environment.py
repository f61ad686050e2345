"""What the running interpreter sees of its environment, and what the server writes to disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_the_running_interpreter_sees_the_filtered_environment(tmp_path: Path) -> None:
    script = tmp_path / "show.py"
    script.write_text("import json, os\n")
    env = dict(os.environ, NVIM="/run/nvim.sock", MY_SETTING="kept")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evalens",
            "eval",
            str(script),
            "json.dumps([os.environ.get(k) for k in ('NVIM', 'MY_SETTING', 'EVALENS_SESSION')])",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert json.loads(eval(done.stdout)) == [None, "kept", "1"]


async def _session_files(tmp_path: Path, options: dict[str, object]) -> tuple[list[Path], list[Path]]:
    """What a session that completes, hovers and evaluates writes under HOME and in the workspace."""
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    from tests.harness import Editor

    home, workspace = tmp_path / "home", tmp_path / "workspace"
    home.mkdir()
    workspace.mkdir()
    env = dict(os.environ, HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), TMPDIR=str(home / "tmp"))
    client = LanguageClient("fs-test", "0")
    editor = Editor(client, workspace)
    await client.start_io(sys.executable, "-m", "evalens", env=env)
    try:
        await editor.initialize(options)
        uri = editor.open("main.py", "import collections\nvalue = collections.OrderedDict()\nvalue.\n")
        document = types.TextDocumentIdentifier(uri)
        await client.text_document_completion_async(types.CompletionParams(document, types.Position(2, 6)))
        await client.text_document_hover_async(types.HoverParams(document, types.Position(1, 1)))
        if options.get("trusted"):
            await editor.eval(uri, "len(value)")
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
    return sorted(home.rglob("*")), sorted(workspace.rglob("*"))


async def test_a_trusted_session_writes_nothing_outside_the_workspace(tmp_path: Path) -> None:
    """But its start-up code cache, in the user's cache directory when bytecode is not
    written beside evalens (PYTHONDONTWRITEBYTECODE)."""
    in_home, _ = await _session_files(tmp_path, {"trusted": True})
    cache = tmp_path / "home" / ".cache" / "evalens"
    allowed = {cache.parent, cache} | {cache / f"startcode.{sys.implementation.cache_tag}.marshal"}
    assert set(in_home) <= allowed
    if in_home:
        assert sys.dont_write_bytecode
    assert (tmp_path / "workspace" / ".evalens" / ".gitignore").read_text().endswith("*\n")


async def test_an_untrusted_session_writes_nothing_into_the_workspace(tmp_path: Path) -> None:
    """Its jedi cache goes to the user's cache directory instead."""
    in_home, in_workspace = await _session_files(tmp_path, {})
    assert in_workspace == []
    assert tmp_path / "home" / ".cache" / "evalens" / "jedi" in in_home
