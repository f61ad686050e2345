"""Settings parsed and merged: nested and dotted keys, bad values reported, the default interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

from evalens.settings import Limits, Settings, find_interpreter, merge, section_of


def test_nested_and_dotted_keys_merge_and_bad_values_are_reported() -> None:
    settings, problems = merge(Settings(), {"trusted": True, "limits": {"memoryMB": 5}, "limits.reprChars": 7})
    assert settings == Settings(trusted=True, limits=Limits(memory_mb=5, repr_chars=7))
    kept, problems = merge(settings, {"trusted": "yes", "limits.outputBytes": -1, "extraPaths": "x"})
    assert kept == settings
    assert len(problems) == 3 and "evalens.trusted must be true or false" in problems[0]


def test_settings_may_sit_under_an_evalens_key() -> None:
    assert section_of({"evalens": {"trusted": True}}) == {"trusted": True}
    assert section_of({"trusted": True}) == {"trusted": True}
    assert section_of(None) == {}


def test_workspace_venv_is_the_default_interpreter(tmp_path: Path) -> None:
    assert find_interpreter(Settings(), [str(tmp_path)]) == sys.executable
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    assert find_interpreter(Settings(), [str(tmp_path)]) == str(python)
    assert find_interpreter(Settings(interpreter="/usr/bin/python3"), [str(tmp_path)]) == "/usr/bin/python3"
