-- The evalens server process as the user sees it: whether its executable is there, the last
-- lines it wrote on stderr, and why it is not running (it could not start, or it died),
-- told once, in one line, with the fix.
--
-- Neovim starts the process itself (its rpc takes a `cmd`) and hands what the server writes
-- on stderr only to its LSP log, as `log.error("rpc", program, "stderr", chunk)` in every
-- version from 0.7 to 0.11. `watch` wraps that one function, passing every call on, and
-- keeps the chunks of the programs evalens started; the client's `on_exit` then says why.

local ui = require("evalens.ui")

local M = {}

--- How to fix a server that cannot start.
M.fix = "install it: pipx install . in the evalens clone, or set cmd"
--- Lines of stderr kept per program (the last ones).
M.kept_lines = 50

local watched = {} -- program (cmd[1]) -> { lines = {...}, partial = "" }
local reason = nil -- why evalens is not running; nil while it runs or before it starts
local initialized = {} -- client id -> true once the server answered `initialize`

local function hook_log()
  local log = require("vim.lsp.log")
  if log.evalens_stderr_hook then
    return
  end
  local original = log.error
  log.evalens_stderr_hook = true
  log.error = function(...)
    if select("#", ...) == 0 then
      -- 0.7 asks `log.error()` (is the level on?) before logging stderr: say yes while a
      -- program is watched, so its stderr is passed here even with logging off.
      return original() or next(watched) ~= nil
    end
    local source, program, kind, chunk = ...
    local record = source == "rpc" and kind == "stderr" and type(chunk) == "string" and watched[program]
    if record then
      local lines = vim.split(record.partial .. chunk, "\n", true)
      record.partial = table.remove(lines)
      vim.list_extend(record.lines, lines)
      while #record.lines > M.kept_lines do
        table.remove(record.lines, 1)
      end
    end
    return original(...)
  end
end

--- The last lines `program` wrote on stderr since it was started (the kept ones).
function M.stderr(program)
  local record = watched[program]
  if not record then
    return {}
  end
  local lines = vim.deepcopy(record.lines)
  if record.partial ~= "" then
    table.insert(lines, record.partial)
  end
  return lines
end

--- The last `count` non-empty stderr lines of `program`, joined in one line with ` / `.
local function tail(program, count)
  local found = {}
  local lines = M.stderr(program)
  for i = #lines, 1, -1 do
    local line = vim.trim(lines[i])
    if line ~= "" then
      table.insert(found, 1, line)
      if #found == count then
        break
      end
    end
  end
  return table.concat(found, " / ")
end

--- Why evalens is not running, or nil.
function M.reason()
  return reason
end

--- Tell the user once (at ERROR, in one line) that evalens is not running and why.
local function fail(why, program)
  local lines = program and M.stderr(program) or {}
  if why == reason then
    return
  end
  reason = why
  if #lines > 0 then
    ui.append_block("evalens server stderr (" .. program .. ")", table.concat(lines, "\n") .. "\n")
  end
  vim.notify("evalens: " .. why, vim.log.levels.ERROR)
end

--- Before starting `cmd`: true when it can start; else tell why and return false.
function M.can_start(cmd)
  hook_log()
  local program = type(cmd) == "table" and cmd[1]
  if type(program) ~= "string" or vim.fn.executable(program) ~= 1 then
    fail(string.format("cannot start the server: %q is not an executable on PATH; %s", tostring(program), M.fix))
    return false
  end
  watched[program] = watched[program] or { lines = {}, partial = "" }
  return true
end

--- Starting `cmd` failed at once (Neovim could not spawn it): tell why.
function M.start_failed(cmd, err)
  fail(string.format("cannot start the server (%s): %s; %s", table.concat(cmd, " "), tostring(err), M.fix))
end

--- The client's `on_init`: the server is running.
function M.on_init(client)
  initialized[client.id] = true
  reason = nil
end

--- The client's `on_exit` for a server started with `cmd`: an exit that is not a normal
--- stop is told with the server's last stderr lines.
function M.on_exit(cmd, code, signal, client_id)
  local started = initialized[client_id]
  initialized[client_id] = nil
  if signal == 15 or (code == 0 and signal == 0) then -- stopped, or ended normally
    return
  end
  -- Twice scheduled: stderr read in the same loop turn as the exit is kept by then (0.7
  -- reports the exit without waiting for the end of stderr; 0.10+ waits).
  vim.schedule(function()
    vim.schedule(function()
      local how = signal ~= 0 and ("was killed by signal " .. signal) or ("exited with code " .. code)
      local said = tail(cmd[1], 3)
      local why
      if started then
        why = "the server " .. how .. (said ~= "" and (": " .. said) or "")
      else
        why = "the server " .. how .. " before starting" .. (said ~= "" and (": " .. said) or "") .. "; " .. M.fix
      end
      fail(why, cmd[1])
      watched[cmd[1]] = { lines = {}, partial = "" } -- a later start's stderr is its own
    end)
  end)
end

return M
