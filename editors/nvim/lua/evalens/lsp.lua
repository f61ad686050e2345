-- Talking to the attached evalens client: find it for a buffer, send it requests and
-- `workspace/executeCommand`, on Neovim 0.7 (`client.request`) through 0.11+ (`client:request`).

local api = vim.api
local server = require("evalens.server")

local M = {}

local HAS_011 = vim.fn.has("nvim-0.11") == 1 -- client methods are called with `:` from 0.11

--- The evalens client attached to `bufnr`, or nil.
function M.get_client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = "evalens" })[1]
  end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == "evalens" then
      return client
    end
  end
  return nil
end

function M.request(client, method, params, handler, bufnr)
  if HAS_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- `client.request_sync`: `{ err = ..., result = ... }`, or nil and an error on a timeout.
function M.request_sync(client, method, params, timeout_ms, bufnr)
  if HAS_011 then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

function M.is_stopped(client)
  if HAS_011 then
    return client:is_stopped()
  end
  return client.is_stopped()
end

--- Tell the user that no evalens server runs for the buffer, and why.
function M.not_running()
  local why = server.reason() or "no evalens server is attached to this buffer"
  vim.notify("evalens is not running: " .. why, vim.log.levels.ERROR)
end

--- Send `workspace/executeCommand` `command` with the one argument object `argument`;
--- `callback(err, result)` runs when the server answers.
function M.execute(bufnr, command, argument, callback)
  local client = M.get_client(bufnr)
  if not client then
    M.not_running()
    return false
  end
  local params = { command = command, arguments = { argument } }
  M.request(client, "workspace/executeCommand", params, function(err, result)
    if callback then
      callback(err, result)
    end
  end, bufnr)
  return true
end

return M
