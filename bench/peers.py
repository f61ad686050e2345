"""The peers the benchmarks measure evalens against, in a virtualenv of their own.

jedi-language-server 0.47, pylsp 1.15 and tornado (whose ``web.py`` bench/completion.py
edits) go into /tmp/bench-peers, created on first use; bench/completion.py,
bench/memory.py and bench/all.py start the servers from there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PEERS = Path("/tmp/bench-peers")
PEER_PACKAGES = ["jedi-language-server>=0.47,<0.48", "python-lsp-server>=1.15,<1.16", "tornado"]


def ensure_peers() -> Path:
    """The peers venv's python, after creating the venv and installing the peers if need be."""
    python = PEERS / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
    probe = subprocess.run([str(python), "-c", "import jedi_language_server, pylsp, tornado"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    return python


def version(python: Path, dist: str) -> str:
    """The installed version of distribution ``dist`` in ``python``'s environment."""
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    return subprocess.check_output([str(python), "-c", code], text=True).strip()
