"""The Helix configuration (editors/helix/languages.toml): Helix itself is not installed here,
so the file is checked to parse, and its command is started as Helix would start it (from the
README's install, on a user's PATH, the config as initializationOptions) and evaluates."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .support import EDITORS

tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def test_helix_languages_toml_parses_and_configures_evalens() -> None:
    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    server = config["language-server"]["evalens"]
    assert server["command"] == "evalens"
    assert "args" not in server
    assert server["config"]["trusted"] is True
    assert server["config"]["limits"]["interruptGraceSeconds"] == 3
    python = next(language for language in config["language"] if language["name"] == "python")
    assert "evalens" in python["language-servers"]


def test_helix_readme_snippet_is_valid_toml() -> None:
    readme = (EDITORS / "helix" / "README.md").read_text()
    snippets = re.findall(r"```toml\n(.*?)```", readme, re.S)
    assert snippets, "no toml snippet in editors/helix/README.md"
    for snippet in snippets:
        tomllib.loads(snippet)


async def test_helix_starts_the_configured_command_and_it_evaluates(editor_env: dict[str, str], tmp_path: Path) -> None:
    from pygls.lsp.client import LanguageClient

    from tests.harness import Editor

    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    server = config["language-server"]["evalens"]
    executable = shutil.which(server["command"], path=editor_env["PATH"])
    assert executable is not None, f"{server['command']} is not on the user's PATH"
    workspace = tmp_path / "helix-workspace"
    workspace.mkdir()
    client = LanguageClient("helix-config-test", "0")
    await client.start_io(executable, *server.get("args", []), env=editor_env, cwd=str(workspace))
    try:
        editor = Editor(client, workspace)
        await editor.initialize(server["config"])
        uri = editor.open("main.py", "x = 20\n")
        assert (await editor.eval(uri, "x + 22"))["value"] == {"repr": "42", "type": "int"}
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
