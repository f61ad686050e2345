"""What reaches the interpreter's environment, computed from the server's."""

from __future__ import annotations

import os
from pathlib import Path

from evalens.execution.environment import interpreter_environment


def test_editor_control_and_server_settings_are_dropped(tmp_path: Path) -> None:
    server_env = {
        "HOME": "/home/me",
        "AWS_PROFILE": "dev",
        "NVIM": "/run/nvim.sock",
        "VSCODE_IPC_HOOK_CLI": "/tmp/vscode.sock",
        "EVALENS_LOG": "debug",
        "GIT_ASKPASS": "/askpass.sh",
        "PYTHONHOME": "/opt/py",
    }
    env = interpreter_environment(server_env, "/usr/bin/python3")
    assert {k: v for k, v in env.items() if k != "PATH"} == {
        "HOME": "/home/me",
        "AWS_PROFILE": "dev",
        "PYTHONIOENCODING": "utf-8",
        "EVALENS_SESSION": "1",
    }


def test_pythonpath_keeps_only_entries_without_server_packages(tmp_path: Path) -> None:
    server_lib = tmp_path / "server-lib"
    (server_lib / "pygls").mkdir(parents=True)
    user_lib = tmp_path / "user-lib"
    user_lib.mkdir()
    env = interpreter_environment({"PYTHONPATH": f"{server_lib}{os.pathsep}{user_lib}"}, "/usr/bin/python3")
    assert env["PYTHONPATH"] == str(user_lib)


def test_a_venv_interpreter_gets_its_virtual_env_and_path(tmp_path: Path) -> None:
    (tmp_path / "pyvenv.cfg").write_text("home = /usr/bin\n")
    env = interpreter_environment({"PATH": "/usr/bin", "VIRTUAL_ENV": "/server/venv"}, str(tmp_path / "bin" / "python"))
    assert (env["VIRTUAL_ENV"], env["PATH"]) == (str(tmp_path), f"{tmp_path / 'bin'}{os.pathsep}/usr/bin")
