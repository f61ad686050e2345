-- Neovim config for make_screenshot.sh: loads the evalens plugin, opens demo.py and
-- runs a few evaluations once the server is attached (see demo() below). Env: EVALENS_PLUGIN, EVALENS_PYTHON.
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
vim.diagnostic.config({ virtual_text = { prefix = "■" }, underline = true, signs = true })
vim.notify = function() end -- keep the command line clean

local evalens = require("evalens")
evalens.setup({ cmd = { assert(os.getenv("EVALENS_PYTHON")), "-m", "evalens" }, trusted = true })

local function line_of(bufnr, text)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if l == text then
      return i
    end
  end
end

local function lens_title(bufnr, line)
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    if lens.range.start.line == line - 1 and lens.command then
      return lens.command.title
    end
  end
end

-- Once attached (commands defined, lenses shown): evaluate `area(2)`, run the `main()`
-- lens, call `ratio(1, 0)` (an error); when all are shown, open evalens://output below.
local function demo()
  local bufnr = vim.api.nvim_get_current_buf()
  local main_line = line_of(bufnr, "def main():")
  local area_line = line_of(bufnr, "area(2)")
  if vim.fn.exists(":EvalensEval") ~= 2 or not lens_title(bufnr, main_line) then
    vim.defer_fn(demo, 100)
    return
  end
  vim.cmd(area_line .. "EvalensEval")
  vim.api.nvim_win_set_cursor(0, { main_line, 0 })
  vim.lsp.codelens.run()
  vim.cmd("EvalensCall ratio 1, 0")
  local function finish()
    local title = lens_title(bufnr, main_line) or ""
    if #evalens.ui.marks(bufnr) < 2 or not title:find("⇒", 1, true) or #vim.diagnostic.get(bufnr) == 0 then
      vim.defer_fn(finish, 100)
      return
    end
    evalens.ui.open_output()
    vim.cmd("resize 9")
    vim.cmd("wincmd p")
    vim.fn.winrestview({ topline = 1, lnum = area_line, col = 0 })
    vim.cmd("echo ''")
  end
  finish()
end

vim.api.nvim_create_autocmd("VimEnter", { once = true, callback = function() vim.defer_fn(demo, 100) end })
