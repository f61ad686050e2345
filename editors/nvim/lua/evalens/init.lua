-- evalens for Neovim: attaches the evalens language server to Python buffers and
-- adds commands that run code in the live interpreter, with results shown inline.
-- This module is the public API (`setup` and the Lua functions); the work is in:
--   config.lua    options and the settings sent to the server
--   attach.lua    starting the server and attaching it to buffers
--   lsp.lua       finding the client and sending it requests (0.7 and 0.11 call styles)
--   run.lua       evaluate, call, run the module, interrupt, restart, status
--   cells.lua     `# %%` cells: run them (results under each cell), ]c / [c
--   doctest.lua   docstring examples: run them (the outcome told), update their expected output
--   variables.lua the variables view: evalens://variables, the module's namespace, expandable
--   commands.lua  the buffer-local :Evalens* commands
--   kernels.lua   Jupyter kernels: :EvalensKernel picks one (evalens.kernels, evalens.attach)
--   display.lua   rich output: images saved to files (image.nvim draws them), text/plain
--   lenses.lua    code lens refreshes
--   symbols.lua   where functions and cells are (the server's document symbols)
--   protocol.lua  the server's command names
--   ui.lua        virtual text (a Result in one line), the evalens://output buffer, messages
--
--   require("evalens").setup({ trusted = true })
--
-- Neovim 0.7 through 0.11+: `vim.lsp.start` where present, else
-- `vim.lsp.start_client` + `vim.lsp.buf_attach_client`. Every request is
-- asynchronous, so the editor never waits for the interpreter.

local api = vim.api
local attach = require("evalens.attach")
local cells = require("evalens.cells")
local config = require("evalens.config")
local display = require("evalens.display")
local doctest = require("evalens.doctest")
local kernels = require("evalens.kernels")
local lenses = require("evalens.lenses")
local lsp = require("evalens.lsp")
local run = require("evalens.run")
local ui = require("evalens.ui")
local variables = require("evalens.variables")

local M = {}

M.ns = ui.ns
M.ui = ui

M.get_client = lsp.get_client
M.execute = lsp.execute
M.refresh_lenses = lenses.refresh
M.eval_range = run.eval_range
M.eval_visual = run.eval_visual
M.call = run.call
M.run_module = run.run_module
M.run_cell = cells.run
M.jump_cell = cells.jump
M.doctest = doctest.run -- (bufnr, line, whole, callback): the examples of a docstring, or every one
M.doctest_update = doctest.update -- (bufnr, line, callback): Update all expected output in this docstring
M.variables = variables.open -- (bufnr, callback): the :EvalensVariables view of the buffer's module
M.interrupt = run.interrupt
M.restart = run.restart
M.status = run.status
M.select_kernel = kernels.select -- (bufnr): the :EvalensKernel picker
M.attach_kernel = kernels.attach -- (bufnr, kernel, callback): nil / vim.NIL for evalens' own interpreter
M.kernel_status = kernels.status_text -- (bufnr?): "python3", "" for evalens' own: for a statusline
M.attach = attach.attach
M.images = display.images -- the images runs showed: { number, path, mime, width, height }

-- `M.config` (the options in use) and `M.last_result` (the Result of the last run) are
-- read from, and assigned to, the modules that own them.
local owners = { config = { config, "options" }, last_result = { run, "last_result" } }
setmetatable(M, {
  __index = function(_, key)
    local owner = owners[key]
    if owner then
      return owner[1][owner[2]]
    end
  end,
  __newindex = function(t, key, value)
    local owner = owners[key]
    if owner then
      owner[1][owner[2]] = value
    else
      rawset(t, key, value)
    end
  end,
})

--- Configure evalens and attach it to Python buffers (those open now and those opened later).
function M.setup(opts)
  local options = config.set(opts)
  ui.max_width = options.max_width
  ui.define_highlights()
  local group = api.nvim_create_augroup("evalens", { clear = true })
  api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = options.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  api.nvim_create_autocmd("ColorScheme", { group = group, callback = ui.define_highlights })
  -- Global, not buffer-local: evalens://output (where the images are listed) has it too.
  api.nvim_create_user_command("EvalensOpenImage", display.open_command, {
    nargs = "?",
    bang = true,
    complete = display.complete,
    desc = "evalens: open the latest image (N: image N; !: pick one)",
  })
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(b) and vim.tbl_contains(options.filetypes, vim.bo[b].filetype) then
      M.attach(b)
    end
  end
end

return M
