-- Starting the evalens language server and attaching it to a buffer: the client
-- configuration (root, settings, capabilities, handlers) and, on attach, the buffer's
-- commands and lens refreshes. `vim.lsp.start` where present (0.8+), else
-- `vim.lsp.start_client` + `vim.lsp.buf_attach_client` with one client per root (0.7).

local api = vim.api
local commands = require("evalens.commands")
local config = require("evalens.config")
local lenses = require("evalens.lenses")
local lsp = require("evalens.lsp")
local protocol = require("evalens.protocol")
local run = require("evalens.run")
local ui = require("evalens.ui")

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

local function on_attach(client, bufnr)
  commands.create(bufnr)
  if config.options.codelens then
    local group = api.nvim_create_augroup("evalens_lenses_" .. bufnr, { clear = true })
    api.nvim_create_autocmd({ "BufEnter", "InsertLeave", "BufWritePost" }, {
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
  local settings = config.server_settings()
  return {
    name = "evalens",
    cmd = config.options.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = settings,
    settings = { evalens = settings },
    capabilities = capabilities,
    commands = run.client_commands,
    handlers = {
      [protocol.output_notification] = on_output,
      ["workspace/codeLens/refresh"] = function()
        vim.schedule(lenses.refresh_all)
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
  local cfg = client_config(root)
  if vim.lsp.start then
    return vim.lsp.start(cfg, { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or lsp.is_stopped(client) then
    id = vim.lsp.start_client(cfg)
    if not id then
      ui.notify("could not start " .. table.concat(config.options.cmd, " "), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

return M
