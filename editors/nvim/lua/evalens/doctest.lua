-- Docstring examples (`>>>`) in Neovim: `:EvalensDoctest` runs those of the docstring under
-- the cursor, `:EvalensDoctest!` those of the whole buffer (the server's doctest command, run
-- by the stdlib's doctest in the live interpreter), and `:EvalensDoctestUpdate` applies the
-- server's "Update all expected output in this docstring" quick fix.
--
-- The outcome is told in one line (`✓ 3/3 examples passed`, `✗ 1 of 3 failed · line 12:
-- expected 15, got 16`), and each failing example in full in evalens://output. The rest is
-- the server's: a failing example is a diagnostic on its `>>>` line, a docstring's lens says
-- `Run examples`, then `✓ N/N` or `✗ K of N failed`, and its code actions are `evalens: Run
-- examples` (run here, so its outcome is told) and the quick fixes `Update expected output` /
-- `Update all expected output in this docstring`, which `vim.lsp.buf.code_action()` applies
-- as any edit.

local api = vim.api
local config = require("evalens.config")
local lenses = require("evalens.lenses")
local lsp = require("evalens.lsp")
local protocol = require("evalens.protocol")
local run = require("evalens.run")
local ui = require("evalens.ui")

local M = {}

local INVALID_PARAMS = -32602
--- Longest expected or printed text in the one-line summary; the rest is in evalens://output.
local BRIEF = 40

local function present(x)
  return x ~= nil and x ~= vim.NIL
end

--- `text` as the summary shows it: `nothing` for no output, the exception's line for a
--- traceback (doctest writes one as `Traceback (most recent call last):`, `...`, its lines),
--- else in one line of at most BRIEF characters.
local function brief(text)
  text = present(text) and tostring(text) or ""
  text = text:gsub("%s+$", "")
  if text == "" then
    return "nothing"
  end
  if text:find("^Traceback %(most recent call last%)") or text:find("^Traceback %(innermost last%)") then
    local last = text:match("([^\n]*)$")
    if last and last ~= "" then
      text = last
    end
  end
  text = text:gsub("%s+", " ")
  if vim.fn.strchars(text) > BRIEF then
    text = vim.fn.strcharpart(text, 0, BRIEF - 1) .. "…"
  end
  return text
end

--- The failing examples of `result`, in document order.
local function failures(result)
  local out = {}
  for _, example in ipairs(type(result.examples) == "table" and result.examples or {}) do
    if type(example) == "table" and example.ok ~= true and example.skipped ~= true then
      table.insert(out, example)
    end
  end
  return out
end

--- The one-line outcome of a doctest Result and its level: `✓ 3/3 examples passed` (`, 1
--- skipped`), `✗ 1 of 3 failed · line 12: expected 15, got 16` (`(+1 more)` after the first
--- failure when there are more), the run's error when the examples could not run (the module
--- did not load, an interrupt: `✗ KeyboardInterrupt · 2 examples ran, 1 failed`), or that
--- there were none.
function M.summary(result, whole)
  if type(result) ~= "table" then
    return "no answer", vim.log.levels.ERROR
  end
  local passed = tonumber(result.passed) or 0
  local failed = tonumber(result.failed) or 0
  local skipped = tonumber(result.skipped) or 0
  local ran = passed + failed
  local skipped_text = skipped > 0 and string.format(", %d skipped", skipped) or ""
  if result.ok ~= true then
    local text, hl = ui.describe(result)
    local level = hl == "EvalensInterrupted" and vim.log.levels.WARN or vim.log.levels.ERROR
    if ran > 0 then
      text = string.format("%s · %d example%s ran, %d failed", text, ran, ran == 1 and "" or "s", failed)
    end
    return text, level
  end
  if ran == 0 then
    if skipped > 0 then
      return string.format("every example is skipped (%d)", skipped), vim.log.levels.INFO
    end
    return whole and "no docstring in this buffer has >>> examples" or "no examples ran", vim.log.levels.INFO
  end
  if failed == 0 then
    return string.format("✓ %d/%d example%s passed%s", ran, ran, ran == 1 and "" or "s", skipped_text),
      vim.log.levels.INFO
  end
  local text = string.format("✗ %d of %d failed%s", failed, ran, skipped_text)
  local first = failures(result)[1]
  if first then
    text = string.format(
      "%s · line %d: expected %s, got %s",
      text,
      (tonumber(first.line) or 0) + 1,
      brief(first.want),
      brief(first.got)
    )
    if failed > 1 then
      text = text .. string.format(" (+%d more)", failed - 1)
    end
  end
  return text, vim.log.levels.WARN
end

--- Indent every line of `text` (ending in a newline) by `prefix`; `(nothing)` for none.
local function block(text, prefix)
  text = present(text) and tostring(text) or ""
  text = text:gsub("\n$", "")
  if text == "" then
    return prefix .. "(nothing)\n"
  end
  return prefix .. text:gsub("\n", "\n" .. prefix) .. "\n"
end

--- Each failing example in full, for evalens://output: its line and source, what it
--- expected and what it printed, and the traceback when it raised.
function M.details(result)
  local out = {}
  for _, example in ipairs(failures(result)) do
    local source = (present(example.source) and tostring(example.source) or ""):gsub("\n$", "")
    source = source:gsub("\n", "\n... ") -- its continuation lines, as doctest reads them
    table.insert(out, string.format("line %d: >>> %s\n", (tonumber(example.line) or 0) + 1, source))
    table.insert(out, "  expected:\n" .. block(example.want, "    "))
    table.insert(out, "  got:\n" .. block(example.got, "    "))
    if present(example.traceback) and example.traceback ~= "" then
      table.insert(out, block(example.traceback, "  "))
    end
  end
  return table.concat(out)
end

--- A refused run: a line in no docstring with examples is told in one short line.
local function tell_error(err, line)
  local data = type(err) == "table" and type(err.data) == "table" and err.data or {}
  local message = type(err) == "table" and type(err.message) == "string" and err.message or ""
  local no_docstring = data.reason == "noDocstring"
    or (type(err) == "table" and err.code == INVALID_PARAMS and message:find("is in no docstring", 1, true))
  if not no_docstring then
    run.tell_error(err)
    return
  end
  local starts = {}
  for _, first in ipairs(type(data.docstrings) == "table" and data.docstrings or {}) do
    table.insert(starts, tostring(first + 1))
  end
  if #starts == 0 then
    ui.notify("no docstring in this buffer has >>> examples", vim.log.levels.WARN)
  else
    ui.notify(
      string.format(
        "line %d is in no docstring with >>> examples; they start at line%s %s",
        line + 1,
        #starts == 1 and "" or "s",
        table.concat(starts, ", ")
      ),
      vim.log.levels.WARN
    )
  end
end

--- Run the examples of the docstring holding 0-based `line` of `bufnr` (default: the
--- cursor's), or with `whole` those of every docstring of the buffer. `callback(err,
--- result)`, when given, is called after the outcome is told.
function M.run(bufnr, line, whole, callback)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  if line == nil and not whole then
    line = api.nvim_get_current_buf() == bufnr and api.nvim_win_get_cursor(0)[1] - 1 or 0
  end
  local argument = { uri = vim.uri_from_bufnr(bufnr) }
  local header = "examples " .. run.short_name(bufnr)
  if not whole then
    argument.line = line
    header = header .. ":" .. (line + 1)
  end
  local record = ui.begin_run(header)
  local sent = lsp.execute(bufnr, protocol.commands.doctest, argument, function(err, result)
    record.answered = true
    if err or type(result) ~= "table" then
      tell_error(err or "no answer", line or 0)
      ui.end_run(record, nil)
    else
      ui.arrived(result)
      run.last_result = result
      local text, level = M.summary(result, whole)
      local details = M.details(result)
      if details ~= "" then
        ui.add_to_run(record, details)
      end
      ui.add_to_run(record, text .. "\n")
      ui.end_run(record, { ok = result.ok, error = result.error, display = result.display })
      ui.notify(text, level)
      if config.options.open_output and result.error ~= vim.NIL and result.error then
        ui.open_output()
      end
      lenses.refresh_all()
    end
    if callback then
      callback(err, result)
    end
  end)
  if not sent then
    ui.end_run(record, nil)
  end
end

--- The server's quick fix titled `title` for the docstring at 0-based `row` of `bufnr`:
--- `callback(client, action, in_docstring)`, `action` nil when there is none, `in_docstring`
--- whether the row is in a docstring with examples (its `Run examples` action is offered).
local function find_action(bufnr, row, title, callback)
  local client = lsp.get_client(bufnr)
  if not client then
    lsp.not_running()
    return
  end
  local at = { line = row, character = 0 }
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = at, ["end"] = at },
    context = { diagnostics = {} },
  }
  lsp.request(client, "textDocument/codeAction", params, function(err, actions)
    if err then
      run.tell_error(err)
      return
    end
    local found, in_docstring = nil, false
    for _, action in ipairs(type(actions) == "table" and actions or {}) do
      if action.command == protocol.commands.doctest then
        in_docstring = true
      elseif action.title == title and type(action.edit) == "table" then
        found = action
      end
    end
    callback(client, found, in_docstring or found ~= nil)
  end, bufnr)
end

--- How many text edits a WorkspaceEdit makes.
local function edit_count(edit)
  local count = 0
  for _, change in ipairs(type(edit.documentChanges) == "table" and edit.documentChanges or {}) do
    count = count + #(change.edits or {})
  end
  for _, edits in pairs(type(edit.changes) == "table" and edit.changes or {}) do
    count = count + #edits
  end
  return count
end

--- Apply the server's "Update all expected output in this docstring" to the docstring holding
--- 0-based `line` of `bufnr` (default: the cursor's): every failing example of its last run
--- then expects what it printed. `callback(applied)` when given.
function M.update(bufnr, line, callback)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  if line == nil then
    line = api.nvim_get_current_buf() == bufnr and api.nvim_win_get_cursor(0)[1] - 1 or 0
  end
  local tick = api.nvim_buf_get_changedtick(bufnr)
  find_action(bufnr, line, protocol.update_all_title, function(client, action, in_docstring)
    local applied = false
    if action and api.nvim_buf_get_changedtick(bufnr) ~= tick then
      ui.notify("the buffer changed meanwhile; :EvalensDoctestUpdate again", vim.log.levels.WARN)
    elseif action then
      vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or "utf-16")
      local count = edit_count(action.edit)
      ui.notify(string.format("updated the expected output of %d example%s", count, count == 1 and "" or "s"))
      applied = true
    elseif not in_docstring then
      ui.notify(string.format("line %d is in no docstring with >>> examples", line + 1), vim.log.levels.WARN)
    else
      ui.notify("no failing example to update here; :EvalensDoctest runs the examples", vim.log.levels.WARN)
    end
    if callback then
      callback(applied)
    end
  end)
end

--- The docstring lenses and the `evalens: Run examples` code action run through here, so
--- their outcome is told as the command's is.
M.client_commands = {
  [protocol.commands.doctest] = function(command, ctx)
    local argument = (command.arguments or {})[1] or {}
    local bufnr = (ctx and ctx.bufnr and ctx.bufnr ~= 0) and ctx.bufnr or vim.uri_to_bufnr(argument.uri)
    local line = type(argument.line) == "number" and argument.line or nil
    M.run(bufnr, line, line == nil)
  end,
}

return M
