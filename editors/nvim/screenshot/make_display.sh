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
# shellcheck source=session.sh
source "$HERE/session.sh"
trap cleanup EXIT

cp "$HERE/plot.py" "$WS/plot.py"
printf '[project]\nname = "plots"\n' > "$WS/pyproject.toml"

start_nvim "$HERE/display_init.lua" plot.py "EVALENS_SHOT=$TMP"

# Wait until the run's ✓, the image's line in evalens://output and the message are
# drawn, and :EvalensOpenImage has handed over the file (the first import of matplotlib
# builds its font cache: up to a minute).
plotted() {
  grep -q '^ *6 plt.plot.*✓' <<<"$1" && grep -q '^ *[0-9]* image 1: /' <<<"$1" \
    && grep -q '^evalens: image 1: /' <<<"$1" && [ -s "$TMP/opened.txt" ]
}
wait_for plotted 600 "the plot"

opened="$(cat "$TMP/opened.txt")"
# The file the plugin wrote is the one shown: the same bytes, and its path is on the screen.
cmp -s "$opened" "$TMP/opened.png" || { echo "make_display: $opened changed" >&2; exit 1; }
grep -qF "$opened" <<<"$(capture)" || { echo "make_display: $opened is not on the screen" >&2; exit 1; }
python3 "$HERE/ansi2html.py" "$TMP/screen.ansi" "$TMP/screen.html" --cols "$COLS" \
  --image "$TMP/opened.png" \
  --caption "Below: $opened, the PNG file the plugin wrote, as :EvalensOpenImage opened it (unchanged, 640×480)"

# 110 columns x 24 rows of 15px DejaVu Sans Mono (9.03px x 19.5px) plus padding, then the
# caption and the 640x480 picture.
render "$OUT" 1026 1052
