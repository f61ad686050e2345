-- `:checkhealth evalens`: the Neovim version, the server's executable and version, and for
-- each running evalens server the interpreter it uses (and the Jupyter kernel, if one) and
-- whether the workspace is trusted; whether image.nvim draws images.
-- `vim.health.start/ok/...` (0.9+), `vim.health.report_*` (0.8), `health#report_*` (0.7).

local config = require("evalens.config")
local lsp = require("evalens.lsp")
local protocol = require("evalens.protocol")
local server = require("evalens.server")

local M = {}

local function reporter()
  local h = vim.health
  if h and h.start then
    return h
  end
  local function fn(name)
    return h and h["report_" .. name] or vim.fn["health#report_" .. name]
  end
  return { start = fn("start"), ok = fn("ok"), info = fn("info"), warn = fn("warn"), error = fn("error") }
end

local function neovim_version(report)
  local v = vim.version()
  local text = string.format("Neovim %d.%d.%d", v.major, v.minor, v.patch)
  if vim.fn.has("nvim-0.7") == 1 then
    report.ok(text .. ": supported (evalens supports 0.7 through 0.11+)")
  else
    report.error(text .. ": not supported", { "evalens needs Neovim 0.7 or later" })
  end
end

local function executable(report)
  local cmd = config.options.cmd
  local shown = table.concat(cmd, " ")
  local path = vim.fn.exepath(cmd[1])
  if path == "" then
    report.error(string.format("server command `%s`: %q is not an executable on PATH", shown, cmd[1]), { server.fix })
    return
  end
  local version_cmd = vim.list_extend(vim.deepcopy(cmd), { "--version" })
  local out = vim.trim(vim.fn.system(version_cmd))
  if vim.v.shell_error ~= 0 then
    report.error(
      string.format("`%s --version` failed (exit code %d): %s", shown, vim.v.shell_error, out),
      { server.fix }
    )
    return
  end
  report.ok(string.format("server command `%s` (%s): %s", shown, path, out))
end

local function evalens_clients()
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  return vim.tbl_filter(function(client)
    return client.name == "evalens"
  end, all)
end

local function trust(report, trusted, root)
  if trusted then
    report.ok(string.format("workspace %s is trusted: evalens runs its code", root))
  else
    report.warn(string.format("workspace %s is not trusted: evalens runs no code", root), {
      'once you trust its code: require("evalens").setup({ trusted = true })',
    })
  end
end

local function running(report)
  local reason = server.reason()
  if reason then
    report.error("not running: " .. reason)
  end
  local clients = evalens_clients()
  if #clients == 0 then
    report.info("no evalens server is running: it starts when a Python file is opened")
    trust(report, config.server_settings().trusted, "(any)")
    return
  end
  for _, client in ipairs(clients) do
    local root = client.config.root_dir or "?"
    local bufnr = vim.lsp.get_buffers_by_client_id(client.id)[1]
    local params = { command = protocol.commands.status, arguments = { vim.empty_dict() } }
    local answer = lsp.request_sync(client, "workspace/executeCommand", params, 3000, bufnr)
    local status = type(answer) == "table" and answer.result
    if type(status) == "table" then
      local python = status.python ~= vim.NIL and status.python or "not started yet"
      report.ok(string.format("interpreter: %s (Python %s, %s)", tostring(status.executable), python, status.state))
      if status.kernel ~= nil and status.kernel ~= vim.NIL then
        local kernel = require("evalens.kernels").describe(status.kernel)
        report.info("in a Jupyter " .. kernel .. " (:EvalensKernel switches)")
      end
    else
      report.warn(string.format("the server for %s did not answer evalens.status", root))
    end
    local settings = client.config.init_options or {}
    trust(report, settings.trusted == true, root)
  end
end

--- Images: drawn by image.nvim when it loads, else files to open (display.lua).
local function images(report)
  local ok = pcall(require, "image")
  if ok then
    report.ok("image.nvim found: images a run shows are drawn in evalens://output (and saved to files)")
  else
    report.info("image.nvim is not installed: images a run shows are saved to files; :EvalensOpenImage opens them")
  end
end

function M.check()
  local report = reporter()
  report.start("evalens: Neovim")
  neovim_version(report)
  report.start("evalens: server")
  executable(report)
  report.start("evalens: interpreter and trust")
  running(report)
  report.start("evalens: images")
  images(report)
end

return M
