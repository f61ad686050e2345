-- Starting the evalens language server and attaching it to a buffer: the client
-- configuration (root, settings, capabilities, handlers) and, on attach, lens refreshes,
-- the diagnostics' display, the `]c` / `[c` cell keys, and the omnifunc and K of Neovim 0.7-0.9. The buffer's
-- commands are made first, so that they say why when the server does not start. `vim.lsp.start` where present (0.8+), else
-- `vim.lsp.start_client` + `vim.lsp.buf_attach_client` with one client per root (0.7).

local api = vim.api
local cells = require("evalens.cells")
local commands = require("evalens.commands")
local config = require("evalens.config")
local display = require("evalens.display")
local doctest = require("evalens.doctest")
local lenses = require("evalens.lenses")
local lsp = require("evalens.lsp")
local protocol = require("evalens.protocol")
local run = require("evalens.run")
local server = require("evalens.server")
local ui = require("evalens.ui")
local variables = require("evalens.variables")

local M = {}

local uv = vim.uv or vim.loop

local clients_by_root = {} -- Neovim 0.7: one client per root directory

local function find_root(path)
  local dir = (path ~= "" and vim.fn.fnamemodify(path, ":p:h")) or uv.cwd()
  local current = dir
  while current and current ~= "" do
    for _, marker in ipairs(config.options.root_markers) do
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

local function on_output(_, result)
  if type(result) ~= "table" then
    return
  end
  ui.append(result.text)
  if config.options.open_output then
    ui.open_output()
  end
end

--- What Neovim 0.10+ sets for every LSP buffer, as nvim-lspconfig documents it for older
--- versions: completion with <C-x><C-o> and hover with K. Left alone when the user set their
--- own (an omnifunc other than the Python ftplugin's, any K mapping).
local function set_lsp_defaults(bufnr)
  if vim.fn.has("nvim-0.10") == 1 then
    return
  end
  local omnifunc = vim.bo[bufnr].omnifunc
  if omnifunc == "" or omnifunc == "python3complete#Complete" then
    vim.bo[bufnr].omnifunc = "v:lua.vim.lsp.omnifunc"
  end
  api.nvim_buf_call(bufnr, function()
    if vim.fn.maparg("K", "n") == "" then
      vim.keymap.set("n", "K", vim.lsp.buf.hover, { buffer = bufnr, desc = "evalens: hover" })
    end
  end)
end

--- The `diagnostics` option, for the namespace of this client's diagnostics only.
local function configure_diagnostics(client)
  if config.options.diagnostics then
    vim.diagnostic.config(config.options.diagnostics, vim.lsp.diagnostic.get_namespace(client.id, false))
  end
end

local function on_attach(client, bufnr)
  set_lsp_defaults(bufnr)
  cells.set_keys(bufnr)
  configure_diagnostics(client)
  if config.options.codelens then
    local group = api.nvim_create_augroup("evalens_lenses_" .. bufnr, { clear = true })
    api.nvim_create_autocmd({ "BufEnter", "InsertLeave", "TextChanged", "BufWritePost" }, {
      group = group,
      buffer = bufnr,
      callback = function()
        lenses.refresh(bufnr)
      end,
    })
    lenses.refresh(bufnr)
  end
  if config.options.on_attach then
    config.options.on_attach(client, bufnr)
  end
end

local function client_config(root)
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  capabilities.workspace = capabilities.workspace or {}
  -- Lens titles show the last result: let the server ask for a refresh after each call.
  capabilities.workspace.codeLens = { refreshSupport = true }
  -- The plugin asks for lenses itself (vim.lsp.codelens); Neovim before 0.11 does not
  -- declare them, and the server offers lenses only to clients that do.
  capabilities.textDocument = capabilities.textDocument or {}
  capabilities.textDocument.codeLens = capabilities.textDocument.codeLens or { dynamicRegistration = false }
  local settings = config.server_settings()
  local cmd = config.options.cmd
  return {
    name = "evalens",
    cmd = cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = settings,
    settings = { evalens = settings },
    capabilities = capabilities,
    commands = vim.tbl_extend("error", run.client_commands, cells.client_commands, doctest.client_commands),
    handlers = {
      [protocol.output_notification] = on_output,
      [protocol.display_notification] = display.on_notification,
      [protocol.variables_notification] = variables.on_changed,
      ["workspace/codeLens/refresh"] = function()
        vim.schedule(lenses.refresh_all)
        return vim.NIL
      end,
    },
    on_attach = on_attach,
    on_init = server.on_init,
    on_exit = function(code, signal, client_id)
      server.on_exit(cmd, code, signal, client_id)
    end,
  }
end

--- Attach evalens to `bufnr` (a Python buffer), starting the server for its root if needed.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  commands.create(bufnr)
  local root = find_root(api.nvim_buf_get_name(bufnr))
  local id = clients_by_root[root] -- 0.7
  local client = id and vim.lsp.get_client_by_id(id)
  local running = client and not lsp.is_stopped(client)
  if not running and not server.can_start(config.options.cmd) then
    return nil
  end
  local cfg = client_config(root)
  if vim.lsp.start then -- 0.8+: reuses the client of the root when there is one
    local ok, started = pcall(vim.lsp.start, cfg, { bufnr = bufnr })
    if not ok then
      server.start_failed(cfg.cmd, started)
      return nil
    end
    return started
  end
  if not running then
    local ok
    ok, id = pcall(vim.lsp.start_client, cfg)
    if not ok or not id then
      server.start_failed(cfg.cmd, id or "vim.lsp.start_client gave no client")
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

return M
