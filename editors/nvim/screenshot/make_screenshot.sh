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
# shellcheck source=session.sh
source "$HERE/session.sh"
trap cleanup EXIT

# A small workspace: demo.py plus a root marker.
cp "$HERE/demo.py" "$WS/demo.py"
printf '[project]\nname = "demo"\n' > "$WS/pyproject.toml"

start_nvim "$HERE/init.lua" demo.py

# Wait until the inline value, the lens result and the error diagnostic are all drawn.
evaluated() {
  grep -q '⇒ 12.56636' <<<"$1" && grep -q 'main() ⇒ \[3.14' <<<"$1" \
    && grep -q "■ ZeroDivisionError" <<<"$1" && grep -q "evalens://output" <<<"$1"
}
wait_for evaluated 200 "the results"

python3 "$HERE/ansi2html.py" "$TMP/screen.ansi" "$TMP/screen.html" --cols "$COLS"

# 110 columns x 30 rows of 15px DejaVu Sans Mono (9.03px x 19.5px) plus padding.
render "$OUT" 1026 613
