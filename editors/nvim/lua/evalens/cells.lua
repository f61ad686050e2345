-- Cells (`# %%`) in Neovim: `:EvalensRunCell`, `:EvalensRunAbove`, `:EvalensRunBelow`,
-- `:EvalensRunAll` (`evalens.runCell` for the cursor's cell), the server's cell lenses and
-- code actions run the same way, and `]c` / `[c` to the next / previous cell marker.
--
-- Where the cells are is the server's answer (document symbols of kind Namespace, see
-- symbols.lua), never a pattern here: markers inside strings and the `cellMarkers` setting
-- are honoured as the server honours them.
--
-- Each run cell's result is a virtual line (`virt_lines`) under the cell's last non-blank
-- line, as a notebook shows a cell's output under it, rather than text at the end of that
-- line: a cell's last line is often a long expression (`df.groupby(...).mean()`), after
-- which end-of-line text is cut at the window's edge, and a line of its own keeps the value
-- apart from the code. Both work alike on 0.7 and 0.11 (virt_lines exist since 0.6, and
-- nvim_buf_get_extmarks gives them back on both), so 0.7 does not tip it to end-of-line.
-- The one thing virtual lines do worse on both (Neovim keeps a line in sight, not the
-- virtual line under it, so the result of a cell at the bottom of the window would be just
-- out of sight) is mended by `ui.reveal_below`. The text is the one-line rule of every
-- result (`ui.describe`: `⇒ 42`, `✓`, `✗ Type: message`), in the `evalens` namespace, so
-- stale marking, `:EvalensClear` and restart treat it as any other result. Running the cell
-- again replaces it (everything evalens showed in the cell's lines is cleared first); an
-- extmark moves with edits. A failed cell also gets the server's run-error diagnostic on
-- the line that raised, as every run does.

local api = vim.api
local config = require("evalens.config")
local lenses = require("evalens.lenses")
local lsp = require("evalens.lsp")
local protocol = require("evalens.protocol")
local run = require("evalens.run")
local symbols = require("evalens.symbols")
local ui = require("evalens.ui")

local M = {}

-- A mark on each cell's marker line while a run goes on: its result finds its cell after
-- edits made meanwhile.
local anchors_ns = api.nvim_create_namespace("evalens_cell_anchors")

local INVALID_PARAMS = -32602

--- Run headers in evalens://output, by scope.
local HEADERS = { cell = "cell", above = "cells above", below = "cells below", all = "all cells" }

--- What is told when a scope had no code cell to run.
local NOTHING = {
  cell = "a markdown cell: nothing to run",
  above = "no code cell above this one",
  below = "no code cell from here down",
  all = "no code cell in this buffer",
}

--- The cell of `cells` (symbols.cells) holding 0-based `row`, or nil.
local function cell_at(cells, row)
  for i = #cells, 1, -1 do
    if cells[i].line <= row then
      return row <= cells[i].last and cells[i] or nil
    end
  end
  return nil
end

--- The last line of `cell` that is not blank (its marker line when all are): its result goes under it.
local function last_code_line(bufnr, cell)
  local lines = api.nvim_buf_get_lines(bufnr, cell.line, cell.last + 1, false)
  for i = #lines, 1, -1 do
    if lines[i]:find("%S") then
      return cell.line + i - 1
    end
  end
  return cell.line
end

--- The first cell `scope` runs from `chosen`, for the `⋯` while it runs. The server knows
--- markdown cells (it skips them); this guess reads `[markdown]` on the marker line, and
--- costs at most a `⋯` in the wrong cell until the answer.
local function first_to_run(bufnr, cells, chosen, scope)
  for _, cell in ipairs(cells) do
    local runs = scope == "all"
      or (scope == "cell" and cell == chosen)
      or (scope == "above" and cell.line < chosen.line)
      or (scope == "below" and cell.line >= chosen.line)
    local marker = api.nvim_buf_get_lines(bufnr, cell.line, cell.line + 1, false)[1] or ""
    if runs and not marker:find("[markdown]", 1, true) then
      return cell
    end
  end
  return nil
end

--- Show `text` under `cell`, replacing what evalens showed in its lines; returns the line.
local function show_in(bufnr, cell, text, hl)
  api.nvim_buf_clear_namespace(bufnr, ui.ns, cell.line, cell.last + 1)
  local at = last_code_line(bufnr, cell)
  ui.show_below(bufnr, at, text, hl)
  return at
end

--- A refused run: a line in no cell is told in one short line (the server's message lists
--- 0-based lines and would not fit in one line); anything else as every run tells it.
local function tell_error(err, line)
  local message = type(err) == "table" and type(err.message) == "string" and err.message or ""
  if type(err) == "table" and err.code == INVALID_PARAMS and message:find("is in no cell", 1, true) then
    local first = message:match("here lines (%d+)")
    if first then
      ui.notify(
        string.format("line %d is in no cell; the first cell starts at line %d", line + 1, tonumber(first) + 1),
        vim.log.levels.WARN
      )
    else
      ui.notify("no cells in this buffer: a # %% line starts one", vim.log.levels.WARN)
    end
    return
  end
  run.tell_error(err)
end

--- Values too long for one line go to the output buffer: after a run of several cells, each
--- with the line of its cell; after a run of one cell, as after any run.
local function write_output(record, result, ran)
  if #ran <= 1 then
    ui.end_run(record, result)
    return
  end
  for i, entry in ipairs(ran) do
    local value = i == #ran and result.value or entry.value
    local repr = type(value) == "table" and type(value.repr) == "string" and value.repr or nil
    local shown = (record.shown_texts or {})[repr] -- a bundle's text/plain showed it
    if repr and not shown and (vim.fn.strchars(repr) > ui.max_width or repr:find("\n")) then
      ui.add_to_run(record, string.format("cell at line %d ⇒ %s\n", entry.line + 1, repr))
    end
  end
  -- What the run showed: every cell's `display` in order (the Result's is the last cell's).
  local display = {}
  for _, entry in ipairs(ran) do
    vim.list_extend(display, type(entry.display) == "table" and entry.display or {})
  end
  ui.end_run(record, { ok = result.ok, error = result.error, display = display })
end

--- Run the cells `scope` names ("cell", "above", "below", "all") from the cell holding
--- 0-based `line` (default: the cursor's line) of `bufnr`; each run cell's result is shown
--- under it, the output goes to evalens://output.
function M.run(bufnr, scope, line)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  scope = HEADERS[scope] and scope or "cell"
  if line == nil then
    line = api.nvim_get_current_buf() == bufnr and api.nvim_win_get_cursor(0)[1] - 1 or 0
  end
  local tick = api.nvim_buf_get_changedtick(bufnr)
  local record = ui.begin_run(HEADERS[scope] .. " " .. run.short_name(bufnr) .. ":" .. (line + 1))
  local anchors = {} -- marker line when the run was sent -> extmark id in anchors_ns
  local pending -- extmark id of the `⋯`
  local answered = false

  -- The `⋯`, if it is still there: 0.11 gives ids again after a clear of the whole buffer
  -- (`:EvalensClear`, or a cell that is the whole buffer), so the id may be a result's now.
  -- Dropped before any result is shown, for the same reason.
  local function drop_pending()
    if pending and api.nvim_buf_is_valid(bufnr) then
      local details = api.nvim_buf_get_extmark_by_id(bufnr, ui.ns, pending, { details = true })[3] or {}
      local chunk = ((details.virt_lines or {})[1] or {})[1]
      if chunk and chunk[2] == "EvalensPending" then
        api.nvim_buf_del_extmark(bufnr, ui.ns, pending)
      end
    end
    pending = nil
  end

  local function drop_marks()
    drop_pending()
    if api.nvim_buf_is_valid(bufnr) then
      for _, id in pairs(anchors) do
        api.nvim_buf_del_extmark(bufnr, anchors_ns, id)
      end
    end
    anchors = {}
  end

  -- Each run cell's result under its cell: where the cells are now (after any edit made
  -- while the run went on), found from where they were through their anchors.
  local function place(result, ran, generation, tries)
    symbols.fetch(bufnr, function(found, at)
      if not api.nvim_buf_is_valid(bufnr) then
        return
      end
      if at ~= api.nvim_buf_get_changedtick(bufnr) and tries < 3 then
        place(result, ran, generation, tries + 1) -- edited meanwhile: these lines are old
        return
      end
      drop_pending()
      local now = {}
      for _, cell in ipairs(symbols.cells(found)) do
        now[cell.line] = cell
      end
      local shown_at
      for i, entry in ipairs(ran) do
        local marker = entry.line
        if anchors[entry.line] then
          marker = api.nvim_buf_get_extmark_by_id(bufnr, anchors_ns, anchors[entry.line], {})[1] or marker
        end
        local cell = now[marker]
        if cell then
          -- The Result is the last cell's, with its error; the others have their value only.
          local text, hl = ui.describe(i == #ran and result or { ok = entry.ok, value = entry.value })
          if generation < ui.generation then
            text, hl = text .. ui.stale_suffix, "EvalensStale"
          end
          shown_at = show_in(bufnr, cell, text, hl)
        end
      end
      drop_marks()
      if shown_at then
        ui.reveal_below(bufnr, shown_at)
      end
    end)
  end

  local sent = lsp.execute(
    bufnr,
    protocol.commands.runCell,
    { uri = vim.uri_from_bufnr(bufnr), line = line, scope = scope },
    function(err, result)
      answered = true
      record.answered = true
      if err or type(result) ~= "table" then
        drop_marks()
        tell_error(err or "no answer", line)
        ui.end_run(record, nil)
        return
      end
      local generation = ui.arrived(result)
      run.last_result = result
      local ran = type(result.cells) == "table" and result.cells or {}
      -- At once, before any other run's output arrives: it belongs to this run's header.
      write_output(record, result, ran)
      if #ran == 0 then
        drop_marks()
        ui.notify(NOTHING[scope])
      else
        place(result, ran, generation, 0)
      end
      if config.options.open_output and result.error ~= vim.NIL and result.error then
        ui.open_output()
      end
      lenses.refresh_all()
    end
  )
  if not sent then
    ui.end_run(record, nil)
    return
  end
  -- The cells as the run sees them: anchor their markers, and show `⋯` under the first to run.
  symbols.fetch(bufnr, function(found, at)
    if answered or at ~= tick or not api.nvim_buf_is_valid(bufnr) then
      return
    end
    local cells = symbols.cells(found)
    for _, cell in ipairs(cells) do
      anchors[cell.line] = api.nvim_buf_set_extmark(bufnr, anchors_ns, cell.line, 0, {})
    end
    local chosen = cell_at(cells, line)
    local first = chosen and first_to_run(bufnr, cells, chosen, scope)
    if first then
      api.nvim_buf_clear_namespace(bufnr, ui.ns, first.line, first.last + 1)
      local at_line = last_code_line(bufnr, first)
      pending = ui.show_below(bufnr, at_line, "⋯", "EvalensPending")
      ui.reveal_below(bufnr, at_line)
    end
  end)
end

--- The marker line `count` cells away from 0-based `row` (`direction` 1: down, -1: up),
--- or the farthest there is when there are fewer; nil when there is none that way.
local function marker_from(cells, row, direction, count)
  local found
  local first, last, step = 1, #cells, 1
  if direction < 0 then
    first, last, step = #cells, 1, -1
  end
  for i = first, last, step do
    local marker = cells[i].line
    if (direction > 0 and marker > row) or (direction < 0 and marker < row) then
      found = marker
      count = count - 1
      if count == 0 then
        break
      end
    end
  end
  return found
end

--- Move the cursor to the next (`direction` 1) or previous (-1) cell marker line, `count`
--- times (default v:count1). In normal mode it never waits: the cells are the last answer
--- while the buffer is unchanged, else the cursor moves when the server answers. In visual
--- and operator-pending mode (`v]c`, `d]c`) the motion must be done before the mapping
--- returns: it waits for the server, up to a second, when the buffer changed since its last
--- answer.
function M.jump(direction, count)
  count = count or vim.v.count1
  local win = api.nvim_get_current_win()
  local bufnr = api.nvim_win_get_buf(win)
  local normal = api.nvim_get_mode().mode == "n"
  local function go(found)
    local row = api.nvim_win_get_cursor(win)[1] - 1
    local marker = marker_from(symbols.cells(found), row, direction, count)
    if marker then
      if normal then
        vim.cmd("normal! m'") -- <C-o> comes back
      end
      api.nvim_win_set_cursor(win, { marker + 1, 0 })
    end
  end
  if not normal then
    local found = symbols.fetch_sync(bufnr, 1000)
    if found then
      go(found)
    end
    return
  end
  local tries = 0
  local function attempt()
    symbols.fetch(bufnr, function(found, tick)
      if not found or not api.nvim_win_is_valid(win) or api.nvim_win_get_buf(win) ~= bufnr then
        return
      end
      if tick ~= api.nvim_buf_get_changedtick(bufnr) then
        tries = tries + 1
        if tries < 3 then
          attempt() -- edited while the server answered: its lines are old
        end
        return
      end
      if api.nvim_get_current_win() == win and api.nvim_get_mode().mode == "n" then
        go(found)
      end
    end)
  end
  attempt()
end

--- `]c` / `[c` (the `keys` option) in `bufnr`, normal, visual and operator-pending mode;
--- a key the user or another plugin already mapped is left alone, as `K` is. In a diff
--- window they are Vim's own `]c` / `[c` (the next / previous change).
function M.set_keys(bufnr)
  local keys = config.options.keys
  if type(keys) ~= "table" then
    return
  end
  local function map(lhs, direction, desc)
    if type(lhs) ~= "string" or lhs == "" then
      return
    end
    api.nvim_buf_call(bufnr, function()
      local existing = vim.fn.maparg(lhs, "n", false, true)
      if existing.lhs and not (existing.desc or ""):find("^evalens: ") then
        return
      end
      local builtin = direction > 0 and "]c" or "[c"
      -- An expression: in a diff window the keys Vim knows (not remapped, the count kept),
      -- else a <Cmd> that moves the cursor (a motion in operator-pending mode too).
      vim.keymap.set({ "n", "x", "o" }, lhs, function()
        if vim.wo.diff then
          return builtin
        end
        return "<Cmd>lua require('evalens.cells').jump(" .. direction .. ")<CR>"
      end, { buffer = bufnr, expr = true, desc = desc })
    end)
  end
  map(keys.next_cell, 1, "evalens: next cell")
  map(keys.prev_cell, -1, "evalens: previous cell")
end

--- The cell lenses and code actions carry evalens.runCell: run them here, so their results
--- are shown as the commands' are.
M.client_commands = {
  [protocol.commands.runCell] = function(command, ctx)
    local argument = (command.arguments or {})[1] or {}
    local bufnr = (ctx and ctx.bufnr and ctx.bufnr ~= 0) and ctx.bufnr or vim.uri_to_bufnr(argument.uri)
    M.run(bufnr, argument.scope, type(argument.line) == "number" and argument.line or nil)
  end,
}

return M
