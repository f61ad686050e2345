-- Running code from Neovim: evaluate a range or selection, call a function, run the
-- module, interrupt, restart; each Result is shown as virtual text at the end of its
-- range (or in the lens title of the called function), with output in `evalens://output`.

local api = vim.api
local config = require("evalens.config")
local lenses = require("evalens.lenses")
local lsp = require("evalens.lsp")
local protocol = require("evalens.protocol")
local symbols = require("evalens.symbols")
local ui = require("evalens.ui")

local commands = protocol.commands

local M = {}

--- The Result of the last run (`require("evalens").last_result`).
M.last_result = nil

--- LSP `character` of the byte column `col` on 0-based `row`, in the client's encoding.
local function character(client, bufnr, row, col)
  return vim.lsp.util.character_offset(bufnr, row, col, client.offset_encoding or "utf-16")
end

local function buf_line(bufnr, row)
  return api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
end

local function short_name(bufnr)
  return vim.fn.fnamemodify(api.nvim_buf_get_name(bufnr), ":t")
end

--- Run an execution command whose Result is shown at the end of 0-based `line`
--- (for a call of a function with a lens, the lens title shows it instead).
--- `locate(found)`, when given, is asked for the line first (the called function's, from
--- the server); the command is sent at once, and its Result waits for the line if need be.
local function run(bufnr, line, command, argument, header, locate)
  local record = ui.begin_run(header)
  local located = locate == nil
  local sent_ok -- nil until the command is sent (true) or could not be (false)
  local answer -- { err, result } once the server answered
  local generation -- ui.arrived's, once the server answered
  local function clear()
    if api.nvim_buf_is_valid(bufnr) then
      api.nvim_buf_clear_namespace(bufnr, ui.ns, line, line + 1)
    end
  end
  local function finish()
    local err, result = answer[1], answer[2]
    if err then
      clear()
      ui.notify(type(err) == "table" and (err.message or vim.inspect(err)) or tostring(err), vim.log.levels.ERROR)
      ui.end_run(record, nil)
      return
    end
    M.last_result = result
    if command == commands.call and lenses.shows(bufnr, line, argument.target) then
      clear()
    else
      ui.show_result(bufnr, line, result, generation < ui.generation)
    end
    ui.end_run(record, result)
    if config.options.open_output and type(result) == "table" and result.error ~= vim.NIL and result.error then
      ui.open_output()
    end
    lenses.refresh_all()
  end
  if located then
    ui.show_pending(bufnr, line)
  else
    locate(function(found)
      line = found or line
      located = true
      if answer then
        finish()
      elseif sent_ok ~= false then
        ui.show_pending(bufnr, line)
      end
    end)
  end
  sent_ok = lsp.execute(bufnr, command, argument, function(err, result)
    answer = { err, result }
    -- At once, before the line is known: later Results may arrive meanwhile.
    generation = err and ui.generation or ui.arrived(result)
    if located then
      finish()
    end
  end)
  if not sent_ok then
    ui.end_run(record, nil)
    if located then
      clear()
    end
  end
end

--- The line of the function `target` calls, for `run`: from the server's document symbols.
local function function_line(bufnr, target)
  return function(found)
    symbols.locate(bufnr, target, found)
  end
end

--- Evaluate a range of `bufnr`: 0-based rows, byte columns, `end_col` exclusive
--- (nil `start_col`/`end_col`: whole lines).
function M.eval_range(bufnr, start_row, start_col, end_row, end_col)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local client = lsp.get_client(bufnr)
  if not client then
    ui.notify("no evalens server is attached to this buffer", vim.log.levels.WARN)
    return
  end
  local end_text = buf_line(bufnr, end_row)
  start_col = start_col or 0
  end_col = math.min(end_col or #end_text, #end_text)
  local range = {
    start = { line = start_row, character = character(client, bufnr, start_row, start_col) },
    ["end"] = { line = end_row, character = character(client, bufnr, end_row, end_col) },
  }
  local where = start_row == end_row and tostring(start_row + 1) or ((start_row + 1) .. "-" .. (end_row + 1))
  run(
    bufnr,
    end_row,
    commands.eval,
    { uri = vim.uri_from_bufnr(bufnr), range = range },
    "eval " .. short_name(bufnr) .. ":" .. where
  )
end

--- Evaluate the last visual selection (charwise, linewise or blockwise as whole lines).
function M.eval_visual(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local s = api.nvim_buf_get_mark(bufnr, "<")
  local e = api.nvim_buf_get_mark(bufnr, ">")
  if vim.fn.visualmode() == "v" then
    local last = buf_line(bufnr, e[1] - 1)
    local char_len = 1
    if e[2] < #last then
      char_len = #vim.fn.strcharpart(last:sub(e[2] + 1), 0, 1)
    end
    M.eval_range(bufnr, s[1] - 1, s[2], e[1] - 1, e[2] + char_len)
  else
    M.eval_range(bufnr, s[1] - 1, nil, e[1] - 1, nil)
  end
end

--- Call `target` (with `args`, Python source of an argument list) in the buffer's module.
function M.call(bufnr, target, args)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local argument = { uri = vim.uri_from_bufnr(bufnr), target = target }
  if type(args) == "string" and args ~= "" then
    argument.args = args
  elseif type(args) == "table" then
    argument.args = args
  end
  -- Shown on the line of the function's `def`, or on the cursor's line when it is not found.
  local line = (bufnr == api.nvim_get_current_buf()) and (api.nvim_win_get_cursor(0)[1] - 1) or 0
  local shown = type(argument.args) == "string" and argument.args or ""
  run(bufnr, line, commands.call, argument, "call " .. target .. "(" .. shown .. ")", function_line(bufnr, target))
end

--- Run the buffer as `__main__`; the Result is shown on its last line.
function M.run_module(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local last = api.nvim_buf_line_count(bufnr) - 1
  run(bufnr, last, commands.runModule, { uri = vim.uri_from_bufnr(bufnr) }, "run " .. short_name(bufnr))
end

--- Interrupt the running evaluation (KeyboardInterrupt in the interpreter).
function M.interrupt(bufnr)
  lsp.execute(bufnr or 0, commands.interrupt, vim.empty_dict(), function(err, result)
    if err then
      ui.notify(err.message or vim.inspect(err), vim.log.levels.ERROR)
    elseif type(result) == "table" and result.interrupted then
      ui.notify("interrupted")
    else
      ui.notify("nothing is running")
    end
  end)
end

--- Restart the interpreter: a fresh session, results cleared.
function M.restart(bufnr)
  lsp.execute(bufnr or 0, commands.restart, vim.empty_dict(), function(err, result)
    if err then
      ui.notify(err.message or vim.inspect(err), vim.log.levels.ERROR)
      return
    end
    ui.clear()
    ui.notify("interpreter restarted (pid " .. tostring(type(result) == "table" and result.pid or "?") .. ")")
  end)
end

--- Show the interpreter's state.
function M.status(bufnr)
  lsp.execute(bufnr or 0, commands.status, vim.empty_dict(), function(err, result)
    if err then
      ui.notify(err.message or vim.inspect(err), vim.log.levels.ERROR)
    elseif type(result) == "table" then
      ui.notify(string.format("%s, pid %s, %s", tostring(result.state), tostring(result.pid), tostring(result.python)))
    end
  end)
end

--- Lenses and code actions carry evalens.call / evalens.eval commands: run them here,
--- so their results are shown like the user commands'.
M.client_commands = {
  [commands.call] = function(command, ctx)
    local argument = (command.arguments or {})[1] or {}
    local bufnr = (ctx and ctx.bufnr and ctx.bufnr ~= 0) and ctx.bufnr or vim.uri_to_bufnr(argument.uri)
    local target = argument.target or ""
    local header = "call " .. tostring(argument.target) .. "()"
    -- A lens that calls it is on the function's line; a code action's function is looked up.
    local line = lenses.line_of(bufnr, target)
    if line then
      run(bufnr, line, commands.call, argument, header)
    else
      run(bufnr, 0, commands.call, argument, header, function_line(bufnr, target))
    end
  end,
  [commands.eval] = function(command, ctx)
    local argument = (command.arguments or {})[1] or {}
    local bufnr = (ctx and ctx.bufnr and ctx.bufnr ~= 0) and ctx.bufnr or vim.uri_to_bufnr(argument.uri)
    local line = (type(argument.range) == "table" and argument.range["end"].line) or 0
    run(bufnr, line, commands.eval, argument, "eval " .. short_name(bufnr) .. ":" .. (line + 1))
  end,
}

return M
