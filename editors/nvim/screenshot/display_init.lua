-- Neovim config for make_display.sh: loads the evalens plugin, opens plot.py, runs it
-- (:EvalensRunModule: a matplotlib plot) once the server is attached, shows evalens://output below, then runs
-- :EvalensOpenImage with vim.ui.open replaced by a copy of the file it is given into
-- $EVALENS_SHOT (opened.png, and its path in opened.txt), so that make_display.sh shows
-- that very file. Env: EVALENS_PLUGIN, EVALENS_PYTHON (the server's and the code's Python:
-- it has matplotlib), EVALENS_SHOT.
vim.opt.runtimepath:prepend(assert(os.getenv("EVALENS_PLUGIN")))
vim.cmd("filetype plugin indent on")
vim.cmd("syntax on")
vim.o.termguicolors = true
vim.o.background = "dark"
vim.o.number = true
vim.o.signcolumn = "yes"
vim.o.laststatus = 2
vim.o.showmode = false
vim.o.swapfile = false
vim.o.shortmess = vim.o.shortmess .. "IF"

local python = assert(os.getenv("EVALENS_PYTHON"))
local shot = assert(os.getenv("EVALENS_SHOT"))
local evalens = require("evalens")
evalens.setup({ cmd = { python, "-m", "evalens" }, interpreter = python, trusted = true })

-- What :EvalensOpenImage hands the system's viewer, kept for the picture instead.
vim.ui.open = function(path)
  local from = assert(io.open(path, "rb"))
  local to = assert(io.open(shot .. "/opened.png", "wb"))
  to:write(from:read("*a"))
  from:close()
  to:close()
  vim.fn.writefile({ path }, shot .. "/opened.txt")
  return {}, nil
end

local function demo()
  local bufnr = vim.api.nvim_get_current_buf()
  if vim.fn.exists(":EvalensEval") ~= 2 or not evalens.get_client(bufnr) then
    vim.defer_fn(demo, 100)
    return
  end
  local last = vim.api.nvim_buf_line_count(bufnr)
  vim.cmd("EvalensRunModule")
  local function finish()
    if #evalens.images == 0 or #evalens.ui.marks(bufnr) == 0 or evalens.ui.marks(bufnr)[1].text == "⋯" then
      vim.defer_fn(finish, 100)
      return
    end
    evalens.ui.open_output()
    vim.cmd("resize 8")
    vim.cmd("wincmd p")
    vim.fn.winrestview({ topline = 1, lnum = last, col = 0 })
    vim.cmd("EvalensOpenImage")
  end
  finish()
end

vim.api.nvim_create_autocmd("VimEnter", { once = true, callback = function() vim.defer_fn(demo, 100) end })
