-- evalens code lenses in Neovim: refresh them (each buffer, or all after a run), and tell
-- whether a lens already shows a call's result in its title.

local api = vim.api
local config = require("evalens.config")
local lsp = require("evalens.lsp")
local protocol = require("evalens.protocol")

local M = {}

--- Refresh the evalens code lenses of `bufnr` (asynchronous). The request goes to the
--- evalens client only, and is not throttled like `vim.lsp.codelens.refresh`, which
--- drops a refresh while another is under way and could leave a stale title.
function M.refresh(bufnr)
  local client = api.nvim_buf_is_valid(bufnr) and lsp.get_client(bufnr)
  if not config.options.codelens or not client then
    return
  end
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  lsp.request(client, "textDocument/codeLens", params, function(err, result, ctx)
    ctx = ctx or {}
    ctx.bufnr = bufnr
    ctx.client_id = client.id
    if api.nvim_buf_is_valid(bufnr) then
      vim.lsp.codelens.on_codelens(err, result, ctx)
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
