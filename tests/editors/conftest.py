"""Fixtures for the real-editor tests: evalens installed once per session as the READMEs
say, and a private home per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import editor_env as make_editor_env
from .support import install_evalens


@pytest.fixture(scope="session")
def evalens_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of the README's install (``pipx install .``)."""
    return install_evalens(tmp_path_factory.mktemp("evalens-install"))


@pytest.fixture
def editor_env(tmp_path: Path, evalens_bin: Path) -> dict[str, str]:
    return make_editor_env(tmp_path, evalens_bin)
