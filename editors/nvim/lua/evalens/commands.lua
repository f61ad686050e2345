-- The buffer-local `:Evalens*` user commands, created when evalens attaches to a buffer.

local api = vim.api
local cells = require("evalens.cells")
local doctest = require("evalens.doctest")
local kernels = require("evalens.kernels")
local run = require("evalens.run")
local symbols = require("evalens.symbols")
local ui = require("evalens.ui")
local variables = require("evalens.variables")

local M = {}

--- `:EvalensEval`: a range, the visual selection (`:'<,'>`), or the current line.
local function eval_command(opts)
  local bufnr = api.nvim_get_current_buf()
  if opts.range == 0 then
    local row = api.nvim_win_get_cursor(0)[1] - 1
    return run.eval_range(bufnr, row, nil, row, nil)
  end
  local s = api.nvim_buf_get_mark(bufnr, "<")
  local e = api.nvim_buf_get_mark(bufnr, ">")
  if opts.range == 2 and s[1] == opts.line1 and e[1] == opts.line2 and vim.fn.visualmode() == "v" then
    return run.eval_visual(bufnr)
  end
  run.eval_range(bufnr, opts.line1 - 1, nil, opts.line2 - 1, nil)
end

local function call_command(opts)
  local target, rest = opts.args:match("^%s*(%S+)%s*(.-)%s*$")
  if not target then
    ui.notify("usage: :EvalensCall {target} [args]", vim.log.levels.ERROR)
    return
  end
  run.call(0, target, rest)
end

--- The buffer's top-level functions starting with `arglead` (the server's document symbols).
local function call_complete(arglead)
  local names = {}
  for _, name in ipairs(symbols.function_names(api.nvim_get_current_buf())) do
    if name:sub(1, #arglead) == arglead then
      table.insert(names, name)
    end
  end
  return names
end

--- Create the evalens commands for `bufnr`.
function M.create(bufnr)
  local cmd = function(name, fn, opts)
    api.nvim_buf_create_user_command(bufnr, name, fn, opts or {})
  end
  cmd("EvalensEval", eval_command, { range = true, desc = "evalens: evaluate the range, selection or line" })
  cmd("EvalensCall", call_command, { nargs = "+", complete = call_complete, desc = "evalens: call {target} [args]" })
  cmd("EvalensRunModule", function()
    run.run_module(0)
  end, { desc = "evalens: run this file as __main__" })
  -- `# %%` cells: the cursor's cell, every code cell above it, it and those below, all of them.
  local function cell_command(name, scope, desc)
    cmd(name, function()
      cells.run(0, scope)
    end, { desc = "evalens: run " .. desc })
  end
  cell_command("EvalensRunCell", "cell", "the cursor's cell")
  cell_command("EvalensRunAbove", "above", "the cells above the cursor's")
  cell_command("EvalensRunBelow", "below", "the cursor's cell and the cells below it")
  cell_command("EvalensRunAll", "all", "every cell")
  -- Docstring examples: the cursor's docstring, or (!) every docstring of the buffer.
  cmd("EvalensDoctest", function(opts)
    doctest.run(0, nil, opts.bang)
  end, { bang = true, desc = "evalens: run the examples of the cursor's docstring (!: of every docstring)" })
  cmd("EvalensDoctestUpdate", function()
    doctest.update(0)
  end, { desc = "evalens: update the expected output of the cursor's docstring's failing examples" })
  cmd("EvalensVariables", function()
    variables.open(0)
  end, { desc = "evalens: list this module's variables in evalens://variables (<CR> expands)" })
  cmd("EvalensInterrupt", function()
    run.interrupt(0)
  end, { desc = "evalens: interrupt the running evaluation" })
  cmd("EvalensRestart", function()
    run.restart(0)
  end, { desc = "evalens: restart the interpreter" })
  cmd("EvalensStatus", function()
    run.status(0)
  end, { desc = "evalens: show the interpreter's state" })
  cmd("EvalensKernel", kernels.command, {
    nargs = "?",
    complete = kernels.complete,
    desc = "evalens: run code in a Jupyter kernel or evalens' own interpreter (pick one, or give its setting in JSON)",
  })
  cmd("EvalensOutput", function()
    ui.open_output()
  end, { desc = "evalens: show the output buffer" })
  cmd("EvalensClear", function()
    ui.clear(api.nvim_get_current_buf())
  end, { desc = "evalens: clear the results shown in this buffer" })
end

return M
