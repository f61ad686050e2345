"""evalens as a user installs it: a non-editable install of this checkout in a virtualenv
of its own (/tmp/bench-evalens), as ``pipx install .`` makes one, with pip's compiled
bytecode. bench/startup.py measures starts from there, not from the editable checkout,
whose modules are compiled at start when bytecode is not written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

INSTALLED = Path("/tmp/bench-evalens")
ROOT = Path(__file__).resolve().parent.parent


def install_evalens() -> Path:
    """The ``evalens`` executable of a fresh non-editable install of this checkout.

    The venv and the dependencies are made once; evalens itself is reinstalled on every
    call so that the measured code is the checkout's."""
    python = INSTALLED / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(INSTALLED)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)], check=True)
    else:
        reinstall = ["install", "-q", "--no-deps", "--force-reinstall", str(ROOT)]
        subprocess.run([str(python), "-m", "pip", *reinstall], check=True)
    return INSTALLED / "bin" / "evalens"
