-- evalens code lenses in Neovim: refresh them (each buffer, or all after a run), keep them
-- in place across edits until fresh ones arrive, and tell whether a lens already shows a
-- call's result in its title.
--
-- Neovim keeps a buffer's lenses at the lines the server gave: after an edit above them
-- `vim.lsp.codelens.run()` found none on the moved `def` line ("No executable codelens
-- found at current line") until the next answer. Each lens here has an extmark that moves
-- with the text, and its range follows the extmark on every change, so the lenses shown
-- (and run) are the previous ones, moved, until new ones arrive.

local api = vim.api
local config = require("evalens.config")
local lsp = require("evalens.lsp")
local protocol = require("evalens.protocol")

local M = {}

local moves = api.nvim_create_namespace("evalens_lens_moves")
local followed = {} -- bufnr -> { [lens] = extmark id }

--- Move each followed lens of `bufnr` to its extmark's line (already moved by the edit).
local function move(bufnr)
  for lens, id in pairs(followed[bufnr] or {}) do
    local line = api.nvim_buf_get_extmark_by_id(bufnr, moves, id, {})[1]
    if line and line ~= lens.range.start.line then
      local delta = line - lens.range.start.line
      lens.range.start.line = line
      lens.range["end"].line = lens.range["end"].line + delta
    end
  end
end

--- Follow `lenses` (the tables Neovim keeps for `bufnr`) through the buffer's edits.
local function follow(bufnr, lenses)
  api.nvim_buf_clear_namespace(bufnr, moves, 0, -1)
  local first = followed[bufnr] == nil
  local marks = {}
  local count = api.nvim_buf_line_count(bufnr)
  for _, lens in ipairs(lenses) do
    if type(lens) == "table" and type(lens.range) == "table" and lens.range.start.line < count then
      marks[lens] = api.nvim_buf_set_extmark(bufnr, moves, lens.range.start.line, 0, {})
    end
  end
  followed[bufnr] = marks
  if first then
    api.nvim_buf_attach(bufnr, false, {
      on_lines = function(_, b)
        move(b)
      end,
      on_detach = function(_, b)
        followed[b] = nil
      end,
    })
  end
end

--- Refresh the evalens code lenses of `bufnr` (asynchronous). The request goes to the
--- evalens client only, and is not throttled like `vim.lsp.codelens.refresh`, which
--- drops a refresh while another is under way and could leave a stale title.
function M.refresh(bufnr)
  local client = api.nvim_buf_is_valid(bufnr) and lsp.get_client(bufnr)
  if not config.options.codelens or not client then
    return
  end
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  local tick = api.nvim_buf_get_changedtick(bufnr)
  lsp.request(client, "textDocument/codeLens", params, function(err, result, ctx)
    if not api.nvim_buf_is_valid(bufnr) then
      return
    end
    if api.nvim_buf_get_changedtick(bufnr) ~= tick then
      -- Edited since: these lines are old. Ask again; the lenses shown stay, moved.
      M.refresh(bufnr)
      return
    end
    ctx = ctx or {}
    ctx.bufnr = bufnr
    ctx.client_id = client.id
    vim.lsp.codelens.on_codelens(err, result, ctx)
    if not err and type(result) == "table" then
      follow(bufnr, result)
    end
  end, bufnr)
end

--- Refresh the lenses of every loaded buffer evalens is attached to.
function M.refresh_all()
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(b) and lsp.get_client(b) then
      M.refresh(b)
    end
  end
end

--- The evalens lenses of `bufnr` that call `target`.
local function calling(bufnr, target)
  local found = {}
  if not config.options.codelens then
    return found
  end
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    local command = lens.command
    if type(command) == "table" and command.command == protocol.commands.call then
      local argument = (command.arguments or {})[1]
      if type(argument) == "table" and argument.target == target then
        table.insert(found, lens)
      end
    end
  end
  return found
end

--- Whether an evalens lens on 0-based `line` calls `target`: its title shows the result.
function M.shows(bufnr, line, target)
  for _, lens in ipairs(calling(bufnr, target)) do
    if lens.range.start.line == line then
      return true
    end
  end
  return false
end

--- The 0-based line of the lens that calls `target` (its function's line), or nil.
function M.line_of(bufnr, target)
  local lens = calling(bufnr, target)[1]
  return lens and lens.range.start.line or nil
end

return M
