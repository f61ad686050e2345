# Shared by make_screenshot.sh and make_display.sh (sourced): Neovim in a detached tmux
# pane of a fixed size with a clean environment, its screen captured with colours, and
# the page made of it rendered by headless Chromium. The caller sets HERE, PLUGIN, NVIM,
# EVALENS_PYTHON, CHROMIUM, COLS, ROWS, TMP, SOCKET and WS (the workspace), and traps
# cleanup on EXIT.

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

# start_nvim INIT FILE [VAR=value ...]: Neovim on FILE in the workspace, configured by INIT.
start_nvim() {
  local init="$1" file="$2"
  shift 2
  tmux -L "$SOCKET" -f /dev/null new-session -d -s shot -x "$COLS" -y "$ROWS" \
    -c "$WS" \
    "env -i HOME=$TMP PATH=/usr/bin:/bin TERM=tmux-256color COLORTERM=truecolor LANG=C.UTF-8 \
     XDG_CONFIG_HOME=$TMP/cfg XDG_DATA_HOME=$TMP/data XDG_STATE_HOME=$TMP/state XDG_CACHE_HOME=$TMP/cache \
     EVALENS_PLUGIN=$PLUGIN EVALENS_PYTHON=$EVALENS_PYTHON $* \
     $NVIM -u $init -i NONE -n $file"
  tmux -L "$SOCKET" set-option -g status off
  tmux -L "$SOCKET" resize-window -t shot -x "$COLS" -y "$ROWS" 2>/dev/null || true
}

capture() { tmux -L "$SOCKET" capture-pane -t shot -p "$@"; }

# wait_for TEST TENTHS WHAT: until the function TEST accepts the screen (given as $1),
# checking every 0.1 s; then the screen with colours goes to $TMP/screen.ansi.
wait_for() {
  local test="$1" tries="$2" what="$3" screen
  for _ in $(seq 1 "$tries"); do
    screen="$(capture 2>/dev/null || true)"
    if "$test" "$screen"; then
      sleep 0.5 # let the last redraw (cursor move, cleared command line) settle
      capture -e -N > "$TMP/screen.ansi"
      return 0
    fi
    sleep 0.1
  done
  echo "$(basename "$0"): $what never appeared; the pane shows:" >&2
  capture >&2 || true
  exit 1
}

# render OUT WIDTH HEIGHT: $TMP/screen.html as a PNG of WIDTH x HEIGHT pixels.
render() {
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --disable-background-networking --disable-component-update --disable-sync \
    --no-first-run --no-default-browser-check --hide-scrollbars \
    --user-data-dir="$TMP/chromium" --force-device-scale-factor=1 \
    --window-size="$2,$3" --screenshot="$1" "file://$TMP/screen.html" \
    >"$TMP/chromium.log" 2>&1 || { cat "$TMP/chromium.log" >&2; exit 1; }
  echo "wrote $1 ($(stat -c %s "$1") bytes)"
}
