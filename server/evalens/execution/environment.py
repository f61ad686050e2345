"""The environment the interpreter process starts with.

The user's code gets the user's environment, not the server's plumbing:
variables that let a process drive the editor (Neovim's RPC socket, VS Code's
IPC handles, askpass helpers), evalens' own settings, and ``PYTHONPATH``
entries that hold the server's packages are removed; ``VIRTUAL_ENV`` and
``PATH`` describe the interpreter's own virtual environment when it has one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

#: Exact names dropped: each hands a process control of the editor or a credential helper.
DROPPED = frozenset(
    {
        "NVIM",
        "NVIM_LISTEN_ADDRESS",
        "MYVIMRC",
        "VIMRUNTIME",
        "EMACS_SOCKET_NAME",
        "INSIDE_EMACS",
        "ELECTRON_RUN_AS_NODE",
        "GIT_ASKPASS",
        "SSH_ASKPASS",
        "PYTHONHOME",
    }
)
#: Name prefixes dropped for the same reason.
DROPPED_PREFIXES = ("VSCODE_", "EVALENS_", "ELECTRON_", "CODE_SERVER_")
SERVER_PACKAGES = ("pygls", "lsprotocol", "jedi", "evalens", "pytest_lsp")


def _holds_server_packages(entry: str) -> bool:
    folder = Path(entry)
    return any((folder / name).exists() for name in SERVER_PACKAGES)


def interpreter_environment(server_env: Mapping[str, str], executable: str) -> dict[str, str]:
    """What the interpreter at ``executable`` gets from the server's ``server_env``."""
    env = {
        name: value
        for name, value in server_env.items()
        if name not in DROPPED and not name.startswith(DROPPED_PREFIXES)
    }
    if "PYTHONPATH" in env:
        kept = [entry for entry in env["PYTHONPATH"].split(os.pathsep) if entry and not _holds_server_packages(entry)]
        if kept:
            env["PYTHONPATH"] = os.pathsep.join(kept)
        else:
            del env["PYTHONPATH"]
    bin_dir = Path(os.path.abspath(executable)).parent
    if (bin_dir.parent / "pyvenv.cfg").is_file():
        env["VIRTUAL_ENV"] = str(bin_dir.parent)
        env["PATH"] = os.pathsep.join([str(bin_dir), *[p for p in env.get("PATH", "").split(os.pathsep) if p]])
    else:
        env.pop("VIRTUAL_ENV", None)
    env["PYTHONIOENCODING"] = "utf-8"
    env["EVALENS_SESSION"] = "1"
    return env
