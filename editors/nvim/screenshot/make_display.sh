#!/usr/bin/env bash
# Regenerates editors/nvim/display.png: Neovim (in a detached tmux pane) with the evalens
# plugin after a run of plot.py that plotted (the path of the PNG file the plugin wrote, in
# the message line and in evalens://output), captured with colours; under it, that very
# file, as :EvalensOpenImage handed it to vim.ui.open (display_init.lua keeps a copy of what
# it is given instead of starting a viewer). Rendered by headless Chromium.
#
#   editors/nvim/screenshot/make_display.sh
#
# Env (defaults in brackets): NVIM [nvim on PATH], EVALENS_PYTHON [python3 on PATH: a
# Python with evalens and matplotlib, for the server and the code], CHROMIUM [chromium],
# OUT [editors/nvim/display.png]. Needs tmux, python3 and chromium; no network.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLUGIN="$(dirname "$HERE")"
NVIM="$(command -v "${NVIM:-nvim}")"
EVALENS_PYTHON="$(command -v "${EVALENS_PYTHON:-python3}")"
CHROMIUM="${CHROMIUM:-chromium}"
OUT="${OUT:-$PLUGIN/display.png}"
COLS=110
ROWS=24

TMP="$(mktemp -d /tmp/evalens-display.XXXXXX)"
SOCKET="evalens-display-$$"
WS="$TMP/plots"
mkdir "$WS"
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
  for _ in 1 2 3 4 5; do
    rm -rf "$TMP"
    [ -e "$TMP" ] || break
    sleep 0.5
  done
}
trap cleanup EXIT

cp "$HERE/plot.py" "$WS/plot.py"
printf '[project]\nname = "plots"\n' > "$WS/pyproject.toml"

tmux -L "$SOCKET" -f /dev/null new-session -d -s shot -x "$COLS" -y "$ROWS" \
  -c "$WS" \
  "env -i HOME=$TMP PATH=/usr/bin:/bin TERM=tmux-256color COLORTERM=truecolor LANG=C.UTF-8 \
   XDG_CONFIG_HOME=$TMP/cfg XDG_DATA_HOME=$TMP/data XDG_STATE_HOME=$TMP/state XDG_CACHE_HOME=$TMP/cache \
   EVALENS_PLUGIN=$PLUGIN EVALENS_PYTHON=$EVALENS_PYTHON EVALENS_SHOT=$TMP \
   $NVIM -u $HERE/display_init.lua -i NONE -n plot.py"
tmux -L "$SOCKET" set-option -g status off
tmux -L "$SOCKET" resize-window -t shot -x "$COLS" -y "$ROWS" 2>/dev/null || true

# Wait until the run's ✓, the image's line in evalens://output and the message are
# drawn, and :EvalensOpenImage has handed over the file (the first import of matplotlib
# builds its font cache: up to a minute).
capture() { tmux -L "$SOCKET" capture-pane -t shot -p "$@"; }
ready=""
for _ in $(seq 1 600); do
  screen="$(capture 2>/dev/null || true)"
  if grep -q '^ *6 plt.plot.*✓' <<<"$screen" \
     && grep -q '^ *[0-9]* image 1: /' <<<"$screen" \
     && grep -q '^evalens: image 1: /' <<<"$screen" \
     && [ -s "$TMP/opened.txt" ]; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "make_display: the plot never appeared; the pane shows:" >&2
  capture >&2 || true
  exit 1
fi
sleep 0.5 # let the last redraw settle
capture -e -N > "$TMP/screen.ansi"

opened="$(cat "$TMP/opened.txt")"
# The file the plugin wrote is the one shown: the same bytes, and its path is on the screen.
cmp -s "$opened" "$TMP/opened.png" || { echo "make_display: $opened changed" >&2; exit 1; }
grep -qF "$opened" <<<"$(capture)" || { echo "make_display: $opened is not on the screen" >&2; exit 1; }
python3 "$HERE/ansi2html.py" "$TMP/screen.ansi" "$TMP/screen.html" --cols "$COLS" \
  --image "$TMP/opened.png" \
  --caption "Below: $opened, the PNG file the plugin wrote, as :EvalensOpenImage opened it (unchanged, 640×480)"

# 110 columns x 24 rows of 15px DejaVu Sans Mono (9.03px x 19.5px) plus padding, then the
# caption and the 640x480 picture.
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --disable-background-networking --disable-component-update --disable-sync \
  --no-first-run --no-default-browser-check --hide-scrollbars \
  --user-data-dir="$TMP/chromium" --force-device-scale-factor=1 \
  --window-size=1026,1052 --screenshot="$OUT" "file://$TMP/screen.html" \
  >"$TMP/chromium.log" 2>&1 || { cat "$TMP/chromium.log" >&2; exit 1; }

echo "wrote $OUT ($(stat -c %s "$OUT") bytes)"
