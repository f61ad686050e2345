"""Every README gives the install the editor tests use (support.INSTALL), and none the one
that does not exist: evalens is not on a package index."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import EDITORS, INSTALL, REPO

READMES = [REPO / "README.md", *(EDITORS / name / "README.md" for name in ("nvim", "emacs", "helix"))]


@pytest.mark.parametrize("readme", READMES, ids=lambda path: str(path.relative_to(REPO)))
def test_the_readme_installs_as_the_editor_tests_do(readme: Path) -> None:
    text = readme.read_text()
    assert " ".join(INSTALL) in text
    assert "pip install evalens" not in text


def test_no_client_recommends_an_install_that_does_not_exist() -> None:
    for path in EDITORS.rglob("*"):
        if (
            path.is_file()
            and path.suffix in {".ts", ".lua", ".el", ".toml", ".md", ".json"}
            and "node_modules" not in path.parts
        ):
            assert "pip install evalens" not in path.read_text(errors="replace"), path
