"""Shared helpers for the real-editor tests: evalens installed as the READMEs say (with
jupyter_client, as their *Jupyter kernels* sections add), a private home (where a test may
register the test venv's ipykernel as the `python3` kernelspec), the report.

Every editor test starts the server the way its README tells a user to: the README's
install command (``INSTALL``, run in the repository like a user's clone) puts an
``evalens`` executable in a bin folder of its own, and the editor finds it on ``PATH``,
the default command of every client. The test's own virtual environment is not on that
``PATH``, so a client that fell back to ``python3 -m evalens`` would fail as it would for
a newcomer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EDITORS = REPO / "editors"
#: The install command of the READMEs, run in the repository: an isolated environment with
#: `evalens` on PATH (tests/editors/test_install.py checks that every README gives it).
INSTALL = ["pipx", "install", "."]
#: What the editor READMEs' *Jupyter kernels* sections add to that install: jupyter_client
#: beside the server (`pip install 'evalens[jupyter]'` for a pipx install).
INSTALL_JUPYTER = ["pipx", "inject", "evalens", "jupyter_client"]


def install_evalens(base: Path) -> Path:
    """Run the README's install command with pipx's folders under ``base``; the bin folder
    that holds the ``evalens`` executable it made."""
    pipx = shutil.which("pipx", path=str(Path(sys.executable).parent)) or shutil.which("pipx")
    if pipx is None:
        raise RuntimeError("pipx is not installed: pip install pipx (the test extra has it)")
    bin_dir = base / "bin"
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.update(PIPX_HOME=str(base / "pipx"), PIPX_BIN_DIR=str(bin_dir), PIPX_MAN_DIR=str(base / "man"))
    done = subprocess.run([pipx, *INSTALL[1:]], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not (bin_dir / "evalens").exists():
        raise RuntimeError(f"{' '.join(INSTALL)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    done = subprocess.run([pipx, *INSTALL_JUPYTER[1:]], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(INSTALL_JUPYTER)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return bin_dir


def install_kernelspec(env: dict[str, str]) -> None:
    """Register this test venv's ipykernel (the test extra has it) as the user's `python3`
    kernelspec in the private home of ``env``, as the READMEs tell a user to make a project's
    environment a kernel: ``python -m ipykernel install --user``."""
    done = subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--user"], env=env, capture_output=True, text=True, timeout=60
    )
    if done.returncode != 0:
        raise RuntimeError(f"python -m ipykernel install --user failed ({done.returncode}):\n{done.stderr}")


def user_path(evalens_bin: Path) -> str:
    """A user's PATH with the installed evalens: the system's folders, not this test's venv."""
    venv_bin = str(Path(sys.executable).parent)
    kept = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry and entry != venv_bin]
    return os.pathsep.join([str(evalens_bin), *kept])


def editor_env(tmp_path: Path, evalens_bin: Path) -> dict[str, str]:
    """Environment for an editor process: HOME and XDG dirs in a temp folder, the installed
    evalens on PATH, no virtual environment active."""
    home = tmp_path / "home"
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
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
    env["PATH"] = user_path(evalens_bin)
    env["EVALENS_WORKSPACE"] = str(tmp_path / "workspace")
    env["EVALENS_REPORT"] = str(tmp_path / "report.txt")
    return env


def read_report(env: dict[str, str]) -> str:
    path = Path(env["EVALENS_REPORT"])
    return path.read_text() if path.exists() else "(no report written)"


def run_log(env: dict[str, str], stdout: str, stderr: str) -> str:
    """Everything worth reading when an editor run failed."""
    return f"report:\n{read_report(env)}\nstdout:\n{stdout[-3000:]}\nstderr:\n{stderr[-3000:]}"
