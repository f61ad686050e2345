"""The Helix configuration (editors/helix/languages.toml): Helix itself is not installed here,
so the file is checked to parse and to start evalens the way the server expects."""

from __future__ import annotations

import re

import pytest

from .support import EDITORS

tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def test_helix_languages_toml_parses_and_configures_evalens() -> None:
    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    server = config["language-server"]["evalens"]
    assert server["command"] == "python3"
    assert server["args"] == ["-m", "evalens"]
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
