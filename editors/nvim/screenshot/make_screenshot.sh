#!/usr/bin/env bash
# Regenerates editors/nvim/screenshot.png: Neovim (in a detached tmux pane) with the
# evalens plugin, demo.py evaluated, captured with colours, rendered by headless Chromium.
#
#   editors/nvim/screenshot/make_screenshot.sh
#
# Env (defaults in brackets): NVIM [/tmp/nvim011/bin/nvim], EVALENS_PYTHON
# [/work/venv/bin/python], CHROMIUM [chromium], OUT [editors/nvim/screenshot.png].
# Needs tmux, python3 and chromium; no network.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLUGIN="$(dirname "$HERE")"
NVIM="${NVIM:-/tmp/nvim011/bin/nvim}"
EVALENS_PYTHON="${EVALENS_PYTHON:-/work/venv/bin/python}"
CHROMIUM="${CHROMIUM:-chromium}"
OUT="${OUT:-$PLUGIN/screenshot.png}"
COLS=110
ROWS=30

TMP="$(mktemp -d /tmp/evalens-shot.XXXXXX)"
SOCKET="evalens-shot-$$"
# The workspace path shows in the traceback: a short fixed one when it is free.
WS=/tmp/evalens-demo
if ! mkdir "$WS" 2>/dev/null; then WS="$TMP/evalens-demo"; mkdir "$WS"; fi
ws_pids() { # processes running in the workspace: our nvim's language server and its worker
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/cwd" 2>/dev/null)" = "$WS" ] && echo "${p#/proc/}"
  done
  true
}
cleanup() {
  tmux -L "$SOCKET" send-keys -t shot Escape ':qa!' Enter 2>/dev/null || true
  for _ in $(seq 1 50); do tmux -L "$SOCKET" has-session -t shot 2>/dev/null || break; sleep 0.1; done
  tmux -L "$SOCKET" kill-server 2>/dev/null || true
  local pids=""
  for _ in $(seq 1 50); do pids="$(ws_pids)"; [ -z "$pids" ] && break; sleep 0.1; done
  [ -n "$pids" ] && kill $pids 2>/dev/null
  # a server shutting down may still write its cache into the workspace: remove until gone
  for _ in 1 2 3 4 5; do
    rm -rf "$TMP" "$WS"
    sleep 0.5
    [ -e "$WS" ] || [ -e "$TMP" ] || break
  done
}
trap cleanup EXIT

# A small workspace: demo.py plus a root marker.
cp "$HERE/demo.py" "$WS/demo.py"
printf '[project]\nname = "demo"\n' > "$WS/pyproject.toml"

# Neovim in a detached tmux session of a fixed size, with a clean environment.
tmux -L "$SOCKET" -f /dev/null new-session -d -s shot -x "$COLS" -y "$ROWS" \
  -c "$WS" \
  "env -i HOME=$TMP PATH=/usr/bin:/bin TERM=tmux-256color COLORTERM=truecolor LANG=C.UTF-8 \
   XDG_CONFIG_HOME=$TMP/cfg XDG_DATA_HOME=$TMP/data XDG_STATE_HOME=$TMP/state XDG_CACHE_HOME=$TMP/cache \
   EVALENS_PLUGIN=$PLUGIN EVALENS_PYTHON=$EVALENS_PYTHON \
   $NVIM -u $HERE/init.lua -i NONE -n demo.py"
tmux -L "$SOCKET" set-option -g status off
tmux -L "$SOCKET" resize-window -t shot -x "$COLS" -y "$ROWS" 2>/dev/null || true

# Wait until the inline value, the lens result and the error diagnostic are all drawn.
capture() { tmux -L "$SOCKET" capture-pane -t shot -p "$@"; }
ready=""
for _ in $(seq 1 200); do
  screen="$(capture 2>/dev/null || true)"
  if grep -q '⇒ 12.56636' <<<"$screen" \
     && grep -q 'main() ⇒ \[3.14' <<<"$screen" \
     && grep -q "■ ZeroDivisionError" <<<"$screen" \
     && grep -q "evalens://output" <<<"$screen"; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "make_screenshot: results never appeared; the pane shows:" >&2
  capture >&2 || true
  exit 1
fi
sleep 0.5 # let the last redraw (cursor move, cleared command line) settle
capture -e -N > "$TMP/screen.ansi"

python3 "$HERE/ansi2html.py" "$TMP/screen.ansi" "$TMP/screen.html" --cols "$COLS"

# 110 columns x 30 rows of 15px DejaVu Sans Mono (9.03px x 19.5px) plus padding.
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --disable-background-networking --disable-component-update --disable-sync \
  --no-first-run --no-default-browser-check --hide-scrollbars \
  --user-data-dir="$TMP/chromium" --force-device-scale-factor=1 \
  --window-size=1026,613 --screenshot="$OUT" "file://$TMP/screen.html" \
  >"$TMP/chromium.log" 2>&1 || { cat "$TMP/chromium.log" >&2; exit 1; }

echo "wrote $OUT ($(stat -c %s "$OUT") bytes)"
