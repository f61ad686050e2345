-- evalens for Neovim: attaches the evalens language server to Python buffers and
-- adds commands that run code in the live interpreter, with results shown inline.
--
--   require("evalens").setup({ trusted = true })
--
-- Neovim 0.7 through 0.11+: `vim.lsp.start` where present, else
-- `vim.lsp.start_client` + `vim.lsp.buf_attach_client`. Every request is
-- asynchronous, so the editor never waits for the interpreter.

local api = vim.api
local ui = require("evalens.ui")

local M = {}

M.ns = ui.ns
M.ui = ui

local has = function(feature)
  return vim.fn.has(feature) == 1
end
local HAS_011 = has("nvim-0.11") -- client methods are called with `:` from 0.11
local uv = vim.uv or vim.loop

local SETTING_KEYS = { "interpreter", "extraPaths", "limits" }

local defaults = {
  cmd = { "python3", "-m", "evalens" },
  trusted = false,
  filetypes = { "python" },
  root_markers = { "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", ".git" },
  settings = {}, -- any other evalens setting, e.g. { limits = { memoryMB = 1024 } }
  codelens = true, -- show code lenses, refreshed on enter, on leaving insert mode and after each run
  open_output = false, -- show `evalens://output` in a split whenever a run prints
  max_width = 120, -- longest virtual text; longer values go to the output buffer in full
  on_attach = nil, -- function(client, bufnr) called after evalens attached
}

M.config = vim.deepcopy(defaults)

local clients_by_root = {} -- Neovim 0.7: one client per root directory

-- Helpers -------------------------------------------------------------------------

local function notify(message, level)
  vim.notify("evalens: " .. message, level or vim.log.levels.INFO)
end

local function settings_table()
  local settings = vim.deepcopy(M.config.settings or {})
  for _, key in ipairs(SETTING_KEYS) do
    if M.config[key] ~= nil then
      settings[key] = M.config[key]
    end
  end
  settings.trusted = M.config.trusted and true or false
  return settings
end

local function find_root(path)
  local dir = (path ~= "" and vim.fn.fnamemodify(path, ":p:h")) or uv.cwd()
  local current = dir
  while current and current ~= "" do
    for _, marker in ipairs(M.config.root_markers) do
      if uv.fs_stat(current .. "/" .. marker) then
        return current
      end
    end
    local parent = vim.fn.fnamemodify(current, ":h")
    if parent == current then
      break
    end
    current = parent
  end
  return dir
end

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

local function client_request(client, method, params, handler, bufnr)
  if HAS_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function client_stopped(client)
  if HAS_011 then
    return client:is_stopped()
  end
  return client.is_stopped()
end

--- Refresh the evalens code lenses of `bufnr` (asynchronous). The request goes to the
--- evalens client only, and is not throttled like `vim.lsp.codelens.refresh`, which
--- drops a refresh while another is under way and could leave a stale title.
function M.refresh_lenses(bufnr)
  local client = api.nvim_buf_is_valid(bufnr) and M.get_client(bufnr)
  if not M.config.codelens or not client then
    return
  end
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  client_request(client, "textDocument/codeLens", params, function(err, result, ctx)
    ctx = ctx or {}
    ctx.bufnr = bufnr
    ctx.client_id = client.id
    if api.nvim_buf_is_valid(bufnr) then
      vim.lsp.codelens.on_codelens(err, result, ctx)
    end
  end, bufnr)
end

local function refresh_all_lenses()
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(b) and M.get_client(b) then
      M.refresh_lenses(b)
    end
  end
end

--- LSP `character` of the byte column `col` on 0-based `row`, in the client's encoding.
local function character(client, bufnr, row, col)
  return vim.lsp.util.character_offset(bufnr, row, col, client.offset_encoding or "utf-16")
end

local function buf_line(bufnr, row)
  return api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
end

--- 0-based line of `def name` in `bufnr` (the last dotted part of `target`), or nil.
local function def_line(bufnr, target)
  local name = target:match("([%w_]+)%s*$")
  if not name then
    return nil
  end
  local lines = api.nvim_buf_get_lines(bufnr, 0, -1, false)
  for i, text in ipairs(lines) do
    if text:match("^%s*def%s+" .. name .. "%s*%(") or text:match("^%s*async%s+def%s+" .. name .. "%s*%(") then
      return i - 1
    end
  end
  return nil
end

-- Running commands ----------------------------------------------------------------

--- Send `workspace/executeCommand` `command` with the one argument object `argument`;
--- `callback(err, result)` runs when the server answers.
function M.execute(bufnr, command, argument, callback)
  local client = M.get_client(bufnr)
  if not client then
    notify("no evalens server is attached to this buffer", vim.log.levels.WARN)
    return false
  end
  local params = { command = command, arguments = { argument } }
  client_request(client, "workspace/executeCommand", params, function(err, result)
    if callback then
      callback(err, result)
    end
  end, bufnr)
  return true
end

--- Whether an evalens lens on 0-based `line` calls `target`: its title shows the result.
local function lens_shows(bufnr, line, target)
  if not M.config.codelens then
    return false
  end
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    local command = lens.command
    if lens.range.start.line == line and type(command) == "table" and command.command == "evalens.call" then
      local argument = (command.arguments or {})[1]
      if type(argument) == "table" and argument.target == target then
        return true
      end
    end
  end
  return false
end

--- Run an execution command whose Result is shown at the end of 0-based `line`
--- (for a call of a function with a lens, the lens title shows it instead).
local function run(bufnr, line, command, argument, header)
  ui.show_pending(bufnr, line)
  local record = ui.begin_run(header)
  local sent = M.execute(bufnr, command, argument, function(err, result)
    if err then
      if api.nvim_buf_is_valid(bufnr) then
        api.nvim_buf_clear_namespace(bufnr, ui.ns, line, line + 1)
      end
      notify(type(err) == "table" and (err.message or vim.inspect(err)) or tostring(err), vim.log.levels.ERROR)
      ui.end_run(record, nil)
      return
    end
    M.last_result = result
    if command == "evalens.call" and lens_shows(bufnr, line, argument.target) then
      api.nvim_buf_clear_namespace(bufnr, ui.ns, line, line + 1)
    else
      ui.show_result(bufnr, line, result)
    end
    ui.end_run(record, result)
    if M.config.open_output and type(result) == "table" and result.error ~= vim.NIL and result.error then
      ui.open_output()
    end
    refresh_all_lenses()
  end)
  if not sent then
    ui.end_run(record, nil)
    api.nvim_buf_clear_namespace(bufnr, ui.ns, line, line + 1)
  end
end

local function short_name(bufnr)
  return vim.fn.fnamemodify(api.nvim_buf_get_name(bufnr), ":t")
end

--- Evaluate a range of `bufnr`: 0-based rows, byte columns, `end_col` exclusive
--- (nil `start_col`/`end_col`: whole lines).
function M.eval_range(bufnr, start_row, start_col, end_row, end_col)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local client = M.get_client(bufnr)
  if not client then
    notify("no evalens server is attached to this buffer", vim.log.levels.WARN)
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
    "evalens.eval",
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

--- `:EvalensEval`: a range, the visual selection (`:'<,'>`), or the current line.
local function eval_command(opts)
  local bufnr = api.nvim_get_current_buf()
  if opts.range == 0 then
    local row = api.nvim_win_get_cursor(0)[1] - 1
    return M.eval_range(bufnr, row, nil, row, nil)
  end
  local s = api.nvim_buf_get_mark(bufnr, "<")
  local e = api.nvim_buf_get_mark(bufnr, ">")
  if opts.range == 2 and s[1] == opts.line1 and e[1] == opts.line2 and vim.fn.visualmode() == "v" then
    return M.eval_visual(bufnr)
  end
  M.eval_range(bufnr, opts.line1 - 1, nil, opts.line2 - 1, nil)
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
  local line = def_line(bufnr, target)
  if not line then
    line = (bufnr == api.nvim_get_current_buf()) and (api.nvim_win_get_cursor(0)[1] - 1) or 0
  end
  local shown = type(argument.args) == "string" and argument.args or ""
  run(bufnr, line, "evalens.call", argument, "call " .. target .. "(" .. shown .. ")")
end

local function call_command(opts)
  local target, rest = opts.args:match("^%s*(%S+)%s*(.-)%s*$")
  if not target then
    notify("usage: :EvalensCall {target} [args]", vim.log.levels.ERROR)
    return
  end
  M.call(0, target, rest)
end

local function call_complete(arglead)
  local names = {}
  for _, text in ipairs(api.nvim_buf_get_lines(0, 0, -1, false)) do
    local name = text:match("^def%s+([%w_]+)") or text:match("^async%s+def%s+([%w_]+)")
    if name and name:sub(1, #arglead) == arglead then
      table.insert(names, name)
    end
  end
  return names
end

--- Run the buffer as `__main__`; the Result is shown on its last line.
function M.run_module(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local last = api.nvim_buf_line_count(bufnr) - 1
  run(bufnr, last, "evalens.runModule", { uri = vim.uri_from_bufnr(bufnr) }, "run " .. short_name(bufnr))
end

--- Interrupt the running evaluation (KeyboardInterrupt in the interpreter).
function M.interrupt(bufnr)
  M.execute(bufnr or 0, "evalens.interrupt", vim.empty_dict(), function(err, result)
    if err then
      notify(err.message or vim.inspect(err), vim.log.levels.ERROR)
    elseif type(result) == "table" and result.interrupted then
      notify("interrupted")
    else
      notify("nothing is running")
    end
  end)
end

--- Restart the interpreter: a fresh session, results cleared.
function M.restart(bufnr)
  M.execute(bufnr or 0, "evalens.restart", vim.empty_dict(), function(err, result)
    if err then
      notify(err.message or vim.inspect(err), vim.log.levels.ERROR)
      return
    end
    ui.clear()
    notify("interpreter restarted (pid " .. tostring(type(result) == "table" and result.pid or "?") .. ")")
  end)
end

--- Show the interpreter's state.
function M.status(bufnr)
  M.execute(bufnr or 0, "evalens.status", vim.empty_dict(), function(err, result)
    if err then
      notify(err.message or vim.inspect(err), vim.log.levels.ERROR)
    elseif type(result) == "table" then
      notify(string.format("%s, pid %s, %s", tostring(result.state), tostring(result.pid), tostring(result.python)))
    end
  end)
end

-- LSP client ------------------------------------------------------------------------

local function on_output(_, result)
  if type(result) ~= "table" then
    return
  end
  ui.append(result.text)
  if M.config.open_output then
    ui.open_output()
  end
end

--- Lenses and code actions carry evalens.call / evalens.eval commands: run them here,
--- so their results are shown like the user commands'.
local client_commands = {
  ["evalens.call"] = function(command, ctx)
    local argument = (command.arguments or {})[1] or {}
    local bufnr = (ctx and ctx.bufnr and ctx.bufnr ~= 0) and ctx.bufnr or vim.uri_to_bufnr(argument.uri)
    local line = def_line(bufnr, argument.target or "") or 0
    run(bufnr, line, "evalens.call", argument, "call " .. tostring(argument.target) .. "()")
  end,
  ["evalens.eval"] = function(command, ctx)
    local argument = (command.arguments or {})[1] or {}
    local bufnr = (ctx and ctx.bufnr and ctx.bufnr ~= 0) and ctx.bufnr or vim.uri_to_bufnr(argument.uri)
    local line = (type(argument.range) == "table" and argument.range["end"].line) or 0
    run(bufnr, line, "evalens.eval", argument, "eval " .. short_name(bufnr) .. ":" .. (line + 1))
  end,
}

local function create_commands(bufnr)
  local cmd = function(name, fn, opts)
    api.nvim_buf_create_user_command(bufnr, name, fn, opts or {})
  end
  cmd("EvalensEval", eval_command, { range = true, desc = "evalens: evaluate the range, selection or line" })
  cmd("EvalensCall", call_command, { nargs = "+", complete = call_complete, desc = "evalens: call {target} [args]" })
  cmd("EvalensRunModule", function()
    M.run_module(0)
  end, { desc = "evalens: run this file as __main__" })
  cmd("EvalensInterrupt", function()
    M.interrupt(0)
  end, { desc = "evalens: interrupt the running evaluation" })
  cmd("EvalensRestart", function()
    M.restart(0)
  end, { desc = "evalens: restart the interpreter" })
  cmd("EvalensStatus", function()
    M.status(0)
  end, { desc = "evalens: show the interpreter's state" })
  cmd("EvalensOutput", function()
    ui.open_output()
  end, { desc = "evalens: show the output buffer" })
  cmd("EvalensClear", function()
    ui.clear(api.nvim_get_current_buf())
  end, { desc = "evalens: clear the results shown in this buffer" })
end

local function on_attach(client, bufnr)
  create_commands(bufnr)
  if M.config.codelens then
    local group = api.nvim_create_augroup("evalens_lenses_" .. bufnr, { clear = true })
    api.nvim_create_autocmd({ "BufEnter", "InsertLeave", "BufWritePost" }, {
      group = group,
      buffer = bufnr,
      callback = function()
        M.refresh_lenses(bufnr)
      end,
    })
    M.refresh_lenses(bufnr)
  end
  if M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

local function client_config(root)
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  capabilities.workspace = capabilities.workspace or {}
  -- Lens titles show the last result: let the server ask for a refresh after each call.
  capabilities.workspace.codeLens = { refreshSupport = true }
  local settings = settings_table()
  return {
    name = "evalens",
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = settings,
    settings = { evalens = settings },
    capabilities = capabilities,
    commands = client_commands,
    handlers = {
      ["evalens/output"] = on_output,
      ["workspace/codeLens/refresh"] = function()
        vim.schedule(refresh_all_lenses)
        return vim.NIL
      end,
    },
    on_attach = on_attach,
  }
end

--- Attach evalens to `bufnr` (a Python buffer), starting the server for its root if needed.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local root = find_root(api.nvim_buf_get_name(bufnr))
  local config = client_config(root)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client_stopped(client) then
    id = vim.lsp.start_client(config)
    if not id then
      notify("could not start " .. table.concat(M.config.cmd, " "), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Configure evalens and attach it to Python buffers (those open now and those opened later).
function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  ui.max_width = M.config.max_width
  ui.define_highlights()
  local group = api.nvim_create_augroup("evalens", { clear = true })
  api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  api.nvim_create_autocmd("ColorScheme", { group = group, callback = ui.define_highlights })
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(b) and vim.tbl_contains(M.config.filetypes, vim.bo[b].filetype) then
      M.attach(b)
    end
  end
end

return M
