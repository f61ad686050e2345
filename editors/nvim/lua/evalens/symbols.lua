-- Where a buffer's functions and cells are, as the server says (`textDocument/documentSymbol`:
-- functions and classes, methods as a class's children, `# %%` cells as symbols of kind
-- Namespace): the line a call's result is shown on, the names `:EvalensCall` completes, and
-- the cells `]c` / `[c` move between and cell results are shown under.

local lsp = require("evalens.lsp")

local M = {}

local NAMESPACE, CLASS, METHOD, FUNCTION = 3, 5, 6, 12 -- LSP SymbolKind
local CALLABLE = { [CLASS] = true, [METHOD] = true, [FUNCTION] = true }

local function line_of(symbol)
  local range = symbol.selectionRange or symbol.range or (type(symbol.location) == "table" and symbol.location.range)
  return type(range) == "table" and range.start.line or nil
end

local function last_part(name)
  return vim.trim(name:match("([^.]*)$"))
end

--- Functions, classes and methods in `symbols` (a documentSymbol answer), depth first:
--- `{ target = "Counter.incr", kind = 6, line = 12 }` (0-based line of the name).
--- `nested`: also what is defined inside functions (not callable by name).
function M.callables(symbols, nested)
  local found = {}
  local function walk(list, prefix)
    if type(list) ~= "table" then
      return
    end
    for _, symbol in ipairs(list) do
      if type(symbol) == "table" and CALLABLE[symbol.kind] then
        local target = prefix .. symbol.name
        table.insert(found, { target = target, kind = symbol.kind, line = line_of(symbol) })
        if nested or symbol.kind == CLASS then
          walk(symbol.children, target .. ".")
        end
      end
    end
  end
  walk(symbols, "")
  return found
end

--- The 0-based line where `target` is defined: the symbol of that dotted name
--- (`Counter.incr`), else the first function, method or class named like its last part.
function M.find(symbols, target)
  local all = M.callables(symbols, true)
  target = vim.trim(target or "")
  for _, c in ipairs(all) do
    if c.target == target then
      return c.line
    end
  end
  local name = last_part(target)
  for _, c in ipairs(all) do
    if name ~= "" and last_part(c.target) == name then
      return c.line
    end
  end
  return nil
end

--- The cells in `symbols` (a documentSymbol answer): its top-level symbols of kind Namespace,
--- the server's cells (markdown cells too), in line order: `{ line = 4, last = 9, name = "Load" }`
--- (0-based marker line and last line). The server finds them, so markers inside strings and
--- the `cellMarkers` setting are honoured.
function M.cells(symbols)
  local found = {}
  for _, symbol in ipairs(type(symbols) == "table" and symbols or {}) do
    local range = type(symbol) == "table" and symbol.range
    if symbol.kind == NAMESPACE and type(range) == "table" then
      table.insert(found, { line = range.start.line, last = range["end"].line, name = symbol.name })
    end
  end
  table.sort(found, function(a, b)
    return a.line < b.line
  end)
  return found
end

local function params(bufnr)
  return { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
end

-- bufnr -> { tick = changedtick, symbols = the last answer }: completion answers from it
-- while the buffer is unchanged, without waiting for the server.
local cache = {}

local function remember(bufnr, tick, symbols)
  if type(symbols) == "table" then
    cache[bufnr] = { tick = tick, symbols = symbols }
  end
end

--- The last answer for `bufnr` when the buffer has not changed since, else nil.
function M.fresh(bufnr)
  local known = cache[bufnr]
  if known and known.tick == vim.api.nvim_buf_get_changedtick(bufnr) then
    return known.symbols
  end
  return nil
end

--- The document symbols of `bufnr`: `callback(symbols, tick)` at once from the last answer
--- while the buffer is unchanged, else when the server answers (`tick`: the changedtick
--- the answer is for; `symbols` nil on an error or without a server).
function M.fetch(bufnr, callback)
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  local known = M.fresh(bufnr)
  if known then
    callback(known, tick)
    return
  end
  local client = lsp.get_client(bufnr)
  if not client then
    callback(nil, tick)
    return
  end
  lsp.request(client, "textDocument/documentSymbol", params(bufnr), function(err, result)
    if not err then
      remember(bufnr, tick, result)
    end
    callback(not err and result or nil, tick)
  end, bufnr)
end

--- The document symbols of `bufnr` now: the last answer while the buffer is unchanged, else
--- waiting up to `timeout_ms` for the server; nil when it does not answer in time.
function M.fetch_sync(bufnr, timeout_ms)
  local known = M.fresh(bufnr)
  if known then
    return known
  end
  local client = lsp.get_client(bufnr)
  if not client then
    return nil
  end
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  local answer = lsp.request_sync(client, "textDocument/documentSymbol", params(bufnr), timeout_ms, bufnr)
  if type(answer) == "table" and not answer.err then
    remember(bufnr, tick, answer.result)
    return answer.result
  end
  return nil
end

--- Ask for the line of `target` in `bufnr`; `callback(line)` (nil when not found) runs
--- when the server answers.
function M.locate(bufnr, target, callback)
  local client = lsp.get_client(bufnr)
  if not client then
    callback(nil)
    return
  end
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  lsp.request(client, "textDocument/documentSymbol", params(bufnr), function(err, result)
    if not err then
      remember(bufnr, tick, result)
    end
    callback(not err and M.find(result, target) or nil)
  end, bufnr)
end

--- The names of the top-level functions of `bufnr` (for command-line completion): from
--- the last answer while the buffer is unchanged, else waiting up to `timeout_ms` for the
--- server, else from the last answer, older than the text.
function M.function_names(bufnr, timeout_ms)
  local client = lsp.get_client(bufnr)
  if not client then
    return {}
  end
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  local known = cache[bufnr]
  if not known or known.tick ~= tick then
    local answer = lsp.request_sync(client, "textDocument/documentSymbol", params(bufnr), timeout_ms or 1000, bufnr)
    if type(answer) == "table" and not answer.err then
      remember(bufnr, tick, answer.result)
    end
    known = cache[bufnr]
  end
  local names = {}
  if known then
    for _, c in ipairs(M.callables(known.symbols, false)) do
      if c.kind == FUNCTION and not c.target:find(".", 1, true) then
        table.insert(names, c.target)
      end
    end
  end
  return names
end

return M
