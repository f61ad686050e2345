-- evalens UI: results as virtual text in the `evalens` namespace (at the end of a line, or
-- for a `# %%` cell in a virtual line under it: cells.lua says why), the
-- `evalens://output` scratch buffer for streamed output and tracebacks, and messages.
-- A run that brought code up to date (re-ran or patched some) makes every result shown
-- before it stale (` (stale)` after it, highlight `EvalensStale`) until it runs again.
-- Works on Neovim 0.7 through 0.11+ (only APIs present in 0.7 are used).

local api = vim.api

local M = {}

M.ns = api.nvim_create_namespace("evalens")
M.output_name = "evalens://output"
M.max_width = 120 -- characters (code points) after the glyph
--- Before a value, after a run without one, before a failure: `⇒ 42`, `✓`, `✗ KeyError: 'x'`.
M.glyphs = { value = "⇒", done = "✓", failed = "✗" }
--- After the text of a result shown before a run that brought code up to date.
M.stale_suffix = " (stale)"
--- How many runs so far brought code up to date: a result from before the last one is stale.
M.generation = 0

local output_bufnr = nil
local output_partial = false -- the last line of the output buffer has no newline yet
-- Runs in the order they were sent; the server runs them one at a time, in that order,
-- and streams a run's output before answering it, so output belongs to the first one.
local runs = {}

--- Tell the user `message` (prefixed with `evalens: `) at `level` (default INFO).
function M.notify(message, level)
  vim.notify("evalens: " .. message, level or vim.log.levels.INFO)
end

function M.define_highlights()
  -- `default = true`: a colour scheme or the user may override them.
  api.nvim_set_hl(0, "EvalensValue", { default = true, link = "Comment" })
  api.nvim_set_hl(0, "EvalensPending", { default = true, link = "NonText" })
  api.nvim_set_hl(0, "EvalensError", { default = true, link = "DiagnosticError" })
  api.nvim_set_hl(0, "EvalensStale", { default = true, link = "NonText" })
  -- The user's own interrupt is not an error in their code.
  api.nvim_set_hl(0, "EvalensInterrupted", { default = true, link = "DiagnosticInfo" })
end

--- Characters (code points) in the UTF-8 `text`: bytes that do not continue a character.
local function char_count(text)
  local _, count = text:gsub("[^\128-\191]", "")
  return count
end

--- The first `count` characters (code points) of the UTF-8 `text`.
local function first_chars(text, count)
  local seen = 0
  for i = 1, #text do
    local byte = text:byte(i)
    if byte < 128 or byte >= 192 then
      if seen == count then
        return text:sub(1, i - 1)
      end
      seen = seen + 1
    end
  end
  return text
end

--- `text` in one line: ASCII whitespace runs folded to one space, the ends trimmed, and
--- cut to `limit` characters (`limit - 1` and `…`) when longer. The rule every evalens
--- client follows (tests/fixtures/inline_results.json).
local function one_line(text, limit)
  text = (text or ""):gsub("[ \t\n\r\f\v]+", " "):gsub("^ ", ""):gsub(" $", "")
  if char_count(text) > limit then
    text = first_chars(text, limit - 1) .. "…"
  end
  return text
end

local function present(x)
  return x ~= nil and x ~= vim.NIL
end

--- The virtual text chunk for a Result: `⇒ repr`, `✓` (a run without a value; what it
--- printed is output, not the result), or `✗ Type: message`; at most `M.max_width`
--- characters after the glyph. Returns the text and its highlight: `EvalensValue`,
--- `EvalensError`, or `EvalensInterrupted` for a `KeyboardInterrupt` (the user's interrupt).
function M.describe(result)
  local g = M.glyphs
  if not present(result) then
    return g.done, "EvalensValue"
  end
  if result.ok == true then
    if not present(result.value) then
      return g.done, "EvalensValue"
    end
    return g.value .. " " .. one_line(result.value.repr, M.max_width), "EvalensValue"
  end
  local err = present(result.error) and result.error or {}
  local kind = present(err.type) and err.type ~= "" and err.type or "Error"
  local message = present(err.message) and err.message or ""
  local text = message ~= "" and (kind .. ": " .. message) or kind
  local hl = kind == "KeyboardInterrupt" and "EvalensInterrupted" or "EvalensError"
  return g.failed .. " " .. one_line(text, M.max_width), hl
end

local function line_count(bufnr)
  return api.nvim_buf_line_count(bufnr)
end

--- Show `text` with highlight `hl` at the end of 0-based `line` of `bufnr`,
--- replacing what evalens showed on that line before.
function M.show(bufnr, line, text, hl)
  if not api.nvim_buf_is_valid(bufnr) then
    return
  end
  line = math.max(0, math.min(line, line_count(bufnr) - 1))
  api.nvim_buf_clear_namespace(bufnr, M.ns, line, line + 1)
  api.nvim_buf_set_extmark(bufnr, M.ns, line, 0, {
    virt_text = { { " " .. text, hl } },
    virt_text_pos = "eol",
    hl_mode = "combine",
  })
end

function M.show_pending(bufnr, line)
  M.show(bufnr, line, "⋯", "EvalensPending")
end

--- Show `text` with highlight `hl` in a virtual line below 0-based `line` of `bufnr` (a
--- cell's result, under the cell); returns the extmark's id. Nothing on that line is
--- replaced: the caller clears what the text replaces (the cell's lines).
function M.show_below(bufnr, line, text, hl)
  if not api.nvim_buf_is_valid(bufnr) then
    return nil
  end
  line = math.max(0, math.min(line, line_count(bufnr) - 1))
  return api.nvim_buf_set_extmark(bufnr, M.ns, line, 0, { virt_lines = { { { text, hl } } } })
end

--- Scroll the current window, when it shows `bufnr`, just enough that the virtual line
--- below 0-based `line` is in sight: after a run of the cell at the bottom of the window
--- (the usual place of the cell being written) Neovim keeps the line in sight but not the
--- virtual line under it, on 0.7 as on 0.11. Never when that would move the cursor.
function M.reveal_below(bufnr, line)
  local win = api.nvim_get_current_win()
  if api.nvim_win_get_buf(win) ~= bufnr or line >= line_count(bufnr) then
    return
  end
  local text = api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1] or ""
  local last_row = vim.fn.screenpos(win, line + 1, math.max(1, #text)).row
  if last_row == 0 then
    return -- the line is not in sight: the user is looking elsewhere
  end
  local top = vim.fn.win_screenpos(win)[1]
  local bottom = top + api.nvim_win_get_height(win) - 1
  local missing = last_row + 1 - bottom
  if missing <= 0 then
    return
  end
  local cursor = api.nvim_win_get_cursor(win)
  local cursor_row = vim.fn.screenpos(win, cursor[1], cursor[2] + 1).row
  if cursor_row == 0 or cursor_row - missing < top + vim.wo[win].scrolloff then
    return
  end
  api.nvim_win_call(win, function()
    vim.cmd("normal! " .. missing .. "\5") -- CTRL-E
  end)
end

--- Show `result` at the end of 0-based `line`; `stale`: with ` (stale)`, in `EvalensStale`.
function M.show_result(bufnr, line, result, stale)
  local text, hl = M.describe(result)
  if stale then
    text, hl = text .. M.stale_suffix, "EvalensStale"
  end
  M.show(bufnr, line, text, hl)
end

local function nonempty(list)
  return type(list) == "table" and #list > 0
end

--- Whether `result`'s run brought code up to date by running or patching some of it: an
--- entry of its `reloaded` (any module) with `patched` or `rerun` (docs/protocol.md,
--- "Stale results").
function M.reloads_code(result)
  if type(result) ~= "table" or type(result.reloaded) ~= "table" then
    return false
  end
  for _, entry in ipairs(result.reloaded) do
    if type(entry) == "table" and (nonempty(entry.patched) or nonempty(entry.rerun)) then
      return true
    end
  end
  return false
end

--- Every result shown, in every buffer, becomes stale (the `⋯` of runs in progress stays).
function M.mark_stale()
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(b) then
      for _, mark in ipairs(api.nvim_buf_get_extmarks(b, M.ns, 0, -1, { details = true })) do
        local details = mark[4] or {}
        local below = details.virt_lines ~= nil
        local chunk = below and ((details.virt_lines or {})[1] or {})[1] or (details.virt_text or {})[1]
        if chunk and chunk[2] ~= "EvalensPending" and chunk[2] ~= "EvalensStale" then
          local text = { { chunk[1] .. M.stale_suffix, "EvalensStale" } }
          local opts = { id = mark[1] }
          if below then
            opts.virt_lines = { text }
          else
            opts.virt_text, opts.virt_text_pos, opts.hl_mode = text, "eol", "combine"
          end
          api.nvim_buf_set_extmark(b, M.ns, mark[2], mark[3], opts)
        end
      end
    end
  end
end

--- A Result arrived: when its run brought code up to date, every result shown so far
--- becomes stale. Returns the generation it arrived in: `show_result` it stale when
--- `M.generation` has moved on by then (a later run brought code up to date meanwhile).
function M.arrived(result)
  if M.reloads_code(result) then
    M.generation = M.generation + 1
    M.mark_stale()
  end
  return M.generation
end

function M.clear(bufnr)
  if bufnr then
    if api.nvim_buf_is_valid(bufnr) then
      api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
    end
    return
  end
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(b) then
      api.nvim_buf_clear_namespace(b, M.ns, 0, -1)
    end
  end
end

--- The texts evalens shows in `bufnr`, as {line (0-based), text, hl, below} (for tests and
--- scripts): `below` is true for a virtual line under `line` (a cell's result), false for
--- text at the end of `line`.
function M.marks(bufnr)
  local out = {}
  for _, mark in ipairs(api.nvim_buf_get_extmarks(bufnr, M.ns, 0, -1, { details = true })) do
    local details = mark[4] or {}
    local below = details.virt_lines ~= nil
    local chunks = (below and (details.virt_lines or {})[1] or details.virt_text) or {}
    local pieces = {}
    for _, chunk in ipairs(chunks) do
      table.insert(pieces, chunk[1])
    end
    local first = chunks[1]
    table.insert(out, { line = mark[2], text = vim.trim(table.concat(pieces)), hl = first and first[2], below = below })
  end
  return out
end

-- Output buffer ------------------------------------------------------------------

--- A buffer of evalens' own, named `name`, that is no file and is kept when hidden.
function M.scratch_buffer(name, filetype, listed)
  local b = api.nvim_create_buf(listed, true)
  api.nvim_buf_set_name(b, name)
  vim.bo[b].buftype = "nofile"
  vim.bo[b].bufhidden = "hide"
  vim.bo[b].swapfile = false
  vim.bo[b].filetype = filetype
  return b
end

function M.output_buffer()
  if output_bufnr and api.nvim_buf_is_valid(output_bufnr) then
    return output_bufnr
  end
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_get_name(b) == M.output_name then
      output_bufnr = b
      return b
    end
  end
  local b = M.scratch_buffer(M.output_name, "evalens-output", true)
  output_bufnr = b
  output_partial = false
  return b
end

local function scroll_to_end(bufnr)
  local last = line_count(bufnr)
  for _, win in ipairs(api.nvim_list_wins()) do
    if api.nvim_win_get_buf(win) == bufnr then
      api.nvim_win_set_cursor(win, { last, 0 })
    end
  end
end

local function append_raw(text)
  if text == nil or text == "" then
    return
  end
  local b = M.output_buffer()
  local lines = vim.split(text, "\n", true)
  local ends_with_newline = lines[#lines] == ""
  if ends_with_newline then
    table.remove(lines)
  end
  local count = line_count(b)
  local empty = count == 1 and api.nvim_buf_get_lines(b, 0, 1, false)[1] == ""
  if output_partial and not empty then
    local last = api.nvim_buf_get_lines(b, count - 1, count, false)[1] or ""
    lines[1] = last .. lines[1]
    api.nvim_buf_set_lines(b, count - 1, count, false, lines)
  elseif empty then
    api.nvim_buf_set_lines(b, 0, 1, false, lines)
  else
    api.nvim_buf_set_lines(b, count, count, false, lines)
  end
  output_partial = not ends_with_newline
  scroll_to_end(b)
end

--- A run starts: its header is written before its first output. Returns the run.
function M.begin_run(header)
  local record = { header = header, written = false }
  table.insert(runs, record)
  return record
end

local function write_header(record)
  if record and not record.written then
    if output_partial then
      append_raw("\n")
    end
    append_raw("── " .. record.header .. "\n")
    record.written = true
  end
end

--- The oldest unfinished run whose answer has not arrived (`record.answered`, set by the
--- caller): what is printed or displayed now belongs to it (nil when none).
function M.current_run()
  for _, record in ipairs(runs) do
    if not record.answered then
      return record
    end
  end
  return nil
end

--- Append streamed output (of the oldest unfinished run) to the output buffer.
function M.append(text)
  if text == nil or text == "" then
    return
  end
  write_header(M.current_run() or runs[1])
  append_raw(text)
end

--- Append `text` to the output of the unfinished run `record` (under its header).
function M.add_to_run(record, text)
  write_header(record)
  if output_partial then
    append_raw("\n")
  end
  append_raw(text)
end

--- A run ended: the bundles of its `display` not shown yet (display.lua), tracebacks, and
--- values too long for the virtual text (unless a bundle showed the same text) go to the
--- output buffer.
function M.end_run(record, result)
  local function add(text)
    M.add_to_run(record, text)
  end
  if type(result) == "table" then
    local shown = require("evalens.display").finish_run(record, result)
    local err = result.error
    if type(err) == "table" and err.traceback and err.traceback ~= "" then
      add(err.traceback)
    elseif result.ok and type(result.value) == "table" then
      local repr = result.value.repr or ""
      if (vim.fn.strchars(repr) > M.max_width or repr:find("\n")) and not shown[repr] then
        add(repr .. "\n")
      end
    end
  end
  for i, r in ipairs(runs) do
    if r == record then
      table.remove(runs, i)
      break
    end
  end
end

--- Append `text` under its own header (`── header`) to the output buffer.
function M.append_block(header, text)
  write_header({ header = header, written = false })
  append_raw(text)
end

--- Show the output buffer in a split (or focus the window already showing it).
function M.open_output()
  local b = M.output_buffer()
  for _, win in ipairs(api.nvim_list_wins()) do
    if api.nvim_win_get_buf(win) == b then
      api.nvim_set_current_win(win)
      return
    end
  end
  vim.cmd("botright split")
  api.nvim_win_set_buf(0, b)
  scroll_to_end(b)
end

return M
