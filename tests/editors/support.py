"""Shared helpers for the real-editor tests: the server command, a private home, the report."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EDITORS = REPO / "editors"
#: The server as the editors start it: the Python running the tests has evalens installed.
SERVER = [sys.executable, "-m", "evalens"]


def editor_env(tmp_path: Path) -> dict[str, str]:
    """Environment for an editor process: HOME and XDG dirs in a temp folder, the server command."""
    home = tmp_path / "home"
    env = dict(os.environ)
    for name, sub in [
        ("HOME", ""),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ]:
        path = home / sub
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["EVALENS_CMD"] = json.dumps(SERVER)
    env["EVALENS_WORKSPACE"] = str(tmp_path / "workspace")
    env["EVALENS_REPORT"] = str(tmp_path / "report.txt")
    return env


def read_report(env: dict[str, str]) -> str:
    path = Path(env["EVALENS_REPORT"])
    return path.read_text() if path.exists() else "(no report written)"


def run_log(env: dict[str, str], stdout: str, stderr: str) -> str:
    """Everything worth reading when an editor run failed."""
    return f"report:\n{read_report(env)}\nstdout:\n{stdout[-3000:]}\nstderr:\n{stderr[-3000:]}"
