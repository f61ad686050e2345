-- Jupyter kernels as the interpreter (docs/protocol.md, "Jupyter kernels"): `:EvalensKernel`
-- picks one with `vim.ui.select` from what `evalens.kernels` lists (evalens' own interpreter,
-- each kernelspec, each running kernel, each kernel of the Jupyter Server in use, or a Jupyter
-- Server or Gateway asked for with `vim.ui.input` and `vim.fn.inputsecret`), and
-- `evalens.attach` switches to it. `:EvalensKernel {json}` switches to a given kernel setting.
-- `kernel_status()` is a short text of the kernel in use, for a statusline.
--
-- A token typed in is kept in this Neovim's memory only (to attach to another kernel of the
-- same server without asking again): it is never put in a message, the history or a file.

local api = vim.api
local config = require("evalens.config")
local lenses = require("evalens.lenses")
local lsp = require("evalens.lsp")
local protocol = require("evalens.protocol")
local run = require("evalens.run")
local ui = require("evalens.ui")

local commands = protocol.commands

local M = {}

M.own_label = "evalens' own interpreter"
M.server_label = "Jupyter Server or Gateway…"

local tokens = {} -- url -> the token typed in for it (memory only)
local in_force = {} -- client id -> the `kernel` of the server's last status (vim.NIL: its own)
local listed = nil -- the last `evalens.kernels` answer (for completion)

local function present(x)
  return x ~= nil and x ~= vim.NIL
end

local function client_id(bufnr)
  local client = lsp.get_client(bufnr)
  return client and client.id
end

--- The kernel setting in force for `bufnr`'s server, as last seen (`evalens.status` or
--- `evalens.attach`), else the configured `kernel` setting; nil for evalens' own interpreter.
function M.current(bufnr)
  local id = client_id(bufnr)
  local kernel = id and in_force[id]
  if kernel == nil then
    kernel = (config.options.settings or {}).kernel
  end
  return present(kernel) and kernel or nil
end

--- Keep what a status (of `evalens.status` or `evalens.attach`) says is in force for `bufnr`.
function M.remember(bufnr, status)
  local id = client_id(bufnr)
  if id and type(status) == "table" then
    in_force[id] = present(status.kernel) and status.kernel or vim.NIL
  end
end

local function basename(path)
  return (tostring(path):gsub("^.*/", ""))
end

--- A kernel setting in a few words: `kernel python3`, `kernel kernel-1234.json`,
--- `kernel 5f1c… at http://host:8888`; `evalens' own interpreter` for null. Never the token.
function M.describe(kernel)
  if not present(kernel) or type(kernel) ~= "table" then
    return M.own_label
  end
  if kernel.spec and not kernel.url then
    return "kernel " .. kernel.spec
  end
  if kernel.connectionFile then
    return "kernel " .. basename(kernel.connectionFile)
  end
  if kernel.url then
    return "kernel " .. (kernel.id or kernel.spec or "(the server's default)") .. " at " .. kernel.url
  end
  return "kernel " .. vim.inspect(kernel)
end

--- A short text of the kernel in use for `bufnr` (default: the current buffer), for a
--- statusline: `python3`, `kernel-1234.json`, `5f1c…@host:8888`; "" for evalens' own
--- interpreter and in a buffer evalens is not attached to. No request is sent: it is what
--- the server last said, else the `kernel` setting.
function M.status_text(bufnr)
  bufnr = bufnr or 0
  local kernel = client_id(bufnr) and M.current(bufnr)
  if not kernel then
    return ""
  end
  if kernel.connectionFile then
    return basename(kernel.connectionFile)
  end
  if kernel.url then
    local host = tostring(kernel.url):gsub("^%a+://", ""):gsub("/.*$", "")
    return (kernel.id or kernel.spec or "default") .. "@" .. host
  end
  return kernel.spec or ""
end

local function same(a, b)
  if not present(a) or not present(b) then
    return not present(a) and not present(b)
  end
  return a.spec == b.spec and a.connectionFile == b.connectionFile and a.url == b.url and a.id == b.id
end

--- The picker's entries for an `evalens.kernels` answer and the kernel in force (`current`,
--- nil for evalens' own): `{ label, kernel }` (kernel vim.NIL for evalens' own interpreter),
--- `{ label, server = true }` for the Jupyter Server prompt, `{ label, kernel, ask_token }`
--- for a kernel or kernelspec of the server in use whose token this session does not know.
function M.entries(answer, current)
  answer = type(answer) == "table" and answer or {}
  local items = {}
  local function add(item)
    if item.kernel ~= nil and same(item.kernel, current) then
      item.label = item.label .. " (in use)"
    end
    table.insert(items, item)
  end
  add({ label = M.own_label, kernel = vim.NIL })
  for _, spec in ipairs(present(answer.specs) and answer.specs or {}) do
    local shown = present(spec.displayName) and spec.displayName ~= spec.name and (": " .. spec.displayName) or ""
    add({ label = "kernelspec " .. spec.name .. shown, kernel = { spec = spec.name } })
  end
  for _, kernel in ipairs(present(answer.running) and answer.running or {}) do
    add({ label = "running kernel " .. kernel.connectionFile, kernel = { connectionFile = kernel.connectionFile } })
  end
  local url = type(current) == "table" and current.url
  if url then
    -- The kernels and kernelspecs of the server in use: the same setting (its `allowInsecure`
    -- too), with the token typed in this session, or the configured one, else asked.
    local configured = (config.options.settings or {}).kernel
    local token = tokens[url] or (type(configured) == "table" and configured.url == url and configured.token) or nil
    local function on_server(key, value)
      local kernel = vim.deepcopy(current)
      kernel.id, kernel.spec, kernel.token = nil, nil, token
      kernel[key] = value
      return kernel
    end
    for _, kernel in ipairs(present(answer.server) and answer.server or {}) do
      local state = present(kernel.state) and kernel.state ~= "" and (" (" .. kernel.state .. ")") or ""
      local label = "server kernel " .. tostring(kernel.name) .. " " .. tostring(kernel.id) .. state
      add({ label = label, kernel = on_server("id", kernel.id), ask_token = token == nil })
    end
    for _, spec in ipairs(present(answer.serverSpecs) and answer.serverSpecs or {}) do
      local shown = present(spec.displayName) and spec.displayName ~= spec.name and (": " .. spec.displayName) or ""
      local label = "server kernelspec " .. spec.name .. shown
      add({ label = label, kernel = on_server("spec", spec.name), ask_token = token == nil })
    end
  end
  table.insert(items, { label = M.server_label, server = true })
  return items
end

--- The token for `url`, typed without echo (`inputsecret`: not in the history); nil when
--- none is given (a server without authentication).
local function ask_token(url)
  local token = vim.fn.inputsecret("Token for " .. url .. " (empty: none): ")
  if type(token) ~= "string" or token == "" then
    return nil
  end
  tokens[url] = token
  return token
end

--- Switch `bufnr`'s server to `kernel` (a kernel setting value; nil or vim.NIL: evalens' own
--- interpreter) with `evalens.attach`; tell the user what runs code now, or the server's
--- error. `callback(err, status)` runs after.
function M.attach(bufnr, kernel, callback)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  if not present(kernel) then
    kernel = vim.NIL
  end
  local argument = { kernel = kernel }
  return lsp.execute(bufnr, commands.attach, argument, function(err, status)
    if err then
      run.tell_error(err)
      -- The server keeps the setting when the kernel cannot be had (the next run tries it
      -- again): keep what is in force now.
      lsp.execute(bufnr, commands.status, vim.empty_dict(), function(status_err, now)
        if not status_err then
          M.remember(bufnr, now)
        end
      end)
    else
      M.remember(bufnr, status)
      ui.clear() -- a fresh interpreter: the values shown are gone with the old one
      local python = type(status) == "table" and present(status.python) and ("Python " .. status.python) or "Python ?"
      local pid = type(status) == "table" and present(status.pid) and (", pid " .. status.pid) or ""
      local kernel_in_force = type(status) == "table" and status.kernel or kernel
      ui.notify(M.describe(kernel_in_force) .. " (" .. python .. pid .. ")")
      lenses.refresh_all()
    end
    if callback then
      callback(err, status)
    end
  end)
end

--- Ask for a Jupyter Server or Gateway (its URL with `vim.ui.input`, its token with
--- `inputsecret`) and attach to it (the server starts its default kernelspec).
local function ask_server(bufnr, current)
  local default = type(current) == "table" and current.url or "http://localhost:8888"
  vim.ui.input({ prompt = "Jupyter Server URL: ", default = default }, function(url)
    if type(url) ~= "string" or vim.trim(url) == "" then
      return
    end
    url = vim.trim(url)
    -- After the URL prompt has closed (a vim.ui.input of a plugin may call back from its window).
    vim.schedule(function()
      -- A `?token=` in the url (as `jupyter server list` prints it) is the token.
      local token = not url:find("[?&]token=") and ask_token(url) or nil
      M.attach(bufnr, { url = url, token = token })
    end)
  end)
end

--- `:EvalensKernel`: pick the interpreter with `vim.ui.select` and attach to it.
function M.select(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  lsp.execute(bufnr, commands.kernels, vim.empty_dict(), function(err, answer)
    if err then
      run.tell_error(err)
      return
    end
    listed = answer
    lsp.execute(bufnr, commands.status, vim.empty_dict(), function(status_err, status)
      if not status_err then
        M.remember(bufnr, status)
      end
      local current = M.current(bufnr)
      local items = M.entries(answer, current)
      if type(answer) == "table" and present(answer.serverError) then
        ui.notify(tostring(answer.serverError), vim.log.levels.WARN) -- its kernels are not listed
      end
      vim.ui.select(items, {
        prompt = "evalens: run code in",
        kind = "evalens-kernel",
        format_item = function(item)
          return item.label
        end,
      }, function(item)
        if not item then
          return
        end
        if item.server then
          ask_server(bufnr, current)
        elseif item.ask_token then
          vim.schedule(function()
            local kernel = vim.deepcopy(item.kernel)
            kernel.token = ask_token(kernel.url)
            M.attach(bufnr, kernel)
          end)
        else
          M.attach(bufnr, item.kernel)
        end
      end)
    end)
  end)
end

--- `:EvalensKernel [json]`: without an argument the picker; with one, attach to that kernel
--- setting (`null`, `{"spec": "python3"}`, `{"connectionFile": "..."}`, `{"url": ..., "token": ...}`).
function M.command(opts)
  local text = vim.trim(opts.args or "")
  if text == "" then
    return M.select(0)
  end
  local ok, value = pcall(vim.json.decode, text)
  if not ok or (value ~= vim.NIL and type(value) ~= "table") then
    ui.notify(
      'usage: :EvalensKernel, or :EvalensKernel followed by a kernel setting in JSON: null, {"spec": "python3"}, '
        .. '{"connectionFile": path} or {"url": "http://host:8888", "token": "..."}',
      vim.log.levels.ERROR
    )
    return
  end
  if type(value) == "table" and value.url and value.token then
    tokens[value.url] = value.token
  end
  M.attach(0, value)
end

--- `:EvalensKernel` completes `null` and the kernelspecs and running kernels the picker last listed.
function M.complete(arglead)
  local candidates = { "null" }
  local answer = type(listed) == "table" and listed or {}
  for _, spec in ipairs(present(answer.specs) and answer.specs or {}) do
    table.insert(candidates, vim.json.encode({ spec = spec.name }))
  end
  for _, kernel in ipairs(present(answer.running) and answer.running or {}) do
    table.insert(candidates, vim.json.encode({ connectionFile = kernel.connectionFile }))
  end
  local found = {}
  for _, text in ipairs(candidates) do
    if text:sub(1, #arglead) == arglead then
      table.insert(found, text)
    end
  end
  return found
end

return M
