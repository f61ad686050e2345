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

function M.short_name(bufnr)
  return vim.fn.fnamemodify(api.nvim_buf_get_name(bufnr), ":t")
end

--- What to tell for a refused request: the server's message, or for an untrusted workspace
--- the Neovim way to trust it (one line, so no "Press ENTER" prompt).
M.untrusted_message = 'untrusted; to run code: require("evalens").setup({ trusted = true })'
local REQUEST_FAILED = -32803

function M.tell_error(err)
  local message = type(err) == "table" and (err.message or vim.inspect(err)) or tostring(err)
  local untrusted = type(err) == "table"
    and err.code == REQUEST_FAILED
    and ((type(err.data) == "table" and err.data.reason == "untrusted") or message:find("untrusted workspace", 1, true))
  if untrusted then
    ui.notify(M.untrusted_message, vim.log.levels.WARN)
  else
    ui.notify(message, vim.log.levels.ERROR)
  end
end

--- The loaded buffer of `uri`, or nil.
local function buffer_of(uri)
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(b) and vim.uri_from_bufnr(b) == uri then
      return b
    end
  end
  return nil
end

--- Where a call's Result goes by its `target` (the called function's `def`, which the
--- server gives): `{ bufnr, line }` in the calling buffer or in a buffer shown in a
--- window; nil when it is not in sight (or the target has no `def`).
local function target_place(target, bufnr)
  if type(target) ~= "table" or type(target.uri) ~= "string" or type(target.line) ~= "number" then
    return nil
  end
  local b = buffer_of(target.uri)
  if b and (b == bufnr or vim.fn.bufwinid(b) ~= -1) then
    return { bufnr = b, line = target.line }
  end
  return nil
end

--- Run an execution command and show its Result at `where` (`{ bufnr, line }`: the end
--- of the evaluated range). For a call, `target` names the function, and `where` is nil
--- when its line is not known yet: it is asked from the buffer's document symbols while
--- the command runs, and the Result's own `target` (the `def` the server found, in any
--- file) comes first. A call's Result that has no place in sight is told in the message
--- area and the output buffer; one a lens title shows is not drawn again.
local function run(bufnr, command, argument, header, where, target)
  local record = ui.begin_run(header)
  local located = where ~= nil or target == nil
  local pending -- { bufnr, line } of the ⋯
  local answer -- { err, result } once the server answered
  local generation -- ui.arrived's, once the server answered
  local finished = false
  local function clear_pending()
    if pending and api.nvim_buf_is_valid(pending.bufnr) then
      api.nvim_buf_clear_namespace(pending.bufnr, ui.ns, pending.line, pending.line + 1)
    end
    pending = nil
  end
  local function show_pending()
    if where and not answer then
      clear_pending()
      pending = where
      ui.show_pending(where.bufnr, where.line)
    end
  end
  local function finish()
    finished = true
    local err, result = answer[1], answer[2]
    clear_pending()
    if err then
      M.tell_error(err)
      ui.end_run(record, nil)
      return
    end
    M.last_result = result
    local at = where
    if target and type(result) == "table" and result.target ~= nil then
      at = target_place(result.target, bufnr)
    end
    if not at then
      local text = ui.describe(result)
      ui.notify(header:gsub("^call ", "") .. " " .. text)
      ui.add_to_run(record, text .. "\n")
    elseif not (target and at.bufnr == bufnr and lenses.shows(bufnr, at.line, target)) then
      ui.show_result(at.bufnr, at.line, result, generation < ui.generation)
    end
    ui.end_run(record, result)
    if config.options.open_output and type(result) == "table" and result.error ~= vim.NIL and result.error then
      ui.open_output()
    end
    lenses.refresh_all()
  end
  local function maybe_finish()
    if finished or not answer then
      return
    end
    local told = type(answer[2]) == "table" and answer[2].target ~= nil
    if located or answer[1] or told then
      finish()
    end
  end
  local sent = lsp.execute(bufnr, command, argument, function(err, result)
    answer = { err, result }
    record.answered = true -- what is printed or displayed from now on is not this run's
    -- At once, before the line is known: later Results may arrive meanwhile.
    generation = err and ui.generation or ui.arrived(result)
    maybe_finish()
  end)
  if not sent then
    ui.end_run(record, nil)
    return
  end
  show_pending()
  if not located then
    symbols.locate(bufnr, target, function(line)
      where = line and { bufnr = bufnr, line = line } or nil
      located = true
      show_pending()
      maybe_finish()
    end)
  end
end

--- Evaluate a range of `bufnr`: 0-based rows, byte columns, `end_col` exclusive
--- (nil `start_col`/`end_col`: whole lines).
function M.eval_range(bufnr, start_row, start_col, end_row, end_col)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local client = lsp.get_client(bufnr)
  if not client then
    lsp.not_running()
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
    commands.eval,
    { uri = vim.uri_from_bufnr(bufnr), range = range },
    "eval " .. M.short_name(bufnr) .. ":" .. where,
    { bufnr = bufnr, line = end_row }
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
  -- Shown on the line of the function's `def`, or told when that is not in sight.
  local shown = type(argument.args) == "string" and argument.args or ""
  run(bufnr, commands.call, argument, "call " .. target .. "(" .. shown .. ")", nil, target)
end

--- Run the buffer as `__main__`; the Result is shown on its last line.
function M.run_module(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local last = api.nvim_buf_line_count(bufnr) - 1
  local where = { bufnr = bufnr, line = last }
  run(bufnr, commands.runModule, { uri = vim.uri_from_bufnr(bufnr) }, "run " .. M.short_name(bufnr), where)
end

--- Interrupt the running evaluation (KeyboardInterrupt in the interpreter).
function M.interrupt(bufnr)
  lsp.execute(bufnr or 0, commands.interrupt, vim.empty_dict(), function(err, result)
    if err then
      M.tell_error(err)
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
      M.tell_error(err)
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
      M.tell_error(err)
    elseif type(result) == "table" then
      local kernels = require("evalens.kernels") -- not at load time: it requires this module
      kernels.remember(bufnr or 0, result)
      local state, pid, python = tostring(result.state), tostring(result.pid), tostring(result.python)
      local text = string.format("%s, pid %s, %s", state, pid, python)
      if result.kernel ~= nil and result.kernel ~= vim.NIL then
        text = text .. ", " .. kernels.describe(result.kernel)
      end
      ui.notify(text)
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
    run(bufnr, commands.call, argument, header, line and { bufnr = bufnr, line = line }, target)
  end,
  [commands.eval] = function(command, ctx)
    local argument = (command.arguments or {})[1] or {}
    local bufnr = (ctx and ctx.bufnr and ctx.bufnr ~= 0) and ctx.bufnr or vim.uri_to_bufnr(argument.uri)
    local line = (type(argument.range) == "table" and argument.range["end"].line) or 0
    local where = { bufnr = bufnr, line = line }
    run(bufnr, commands.eval, argument, "eval " .. M.short_name(bufnr) .. ":" .. (line + 1), where)
  end,
}

return M
