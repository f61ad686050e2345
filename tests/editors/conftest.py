"""Fixtures for the real-editor tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import editor_env as make_editor_env


@pytest.fixture
def editor_env(tmp_path: Path) -> dict[str, str]:
    return make_editor_env(tmp_path)
