-- Drives the evalens Neovim plugin in a real, headless Neovim (0.7 through 0.11+).
--
--   PATH=<folder of the evalens executable>:$PATH EVALENS_PLUGIN=editors/nvim \
--   EVALENS_WORKSPACE=/tmp/ws EVALENS_REPORT=/tmp/report.txt \
--   nvim --headless -u NONE -i NONE -n -c 'luafile tests/editors/nvim_test.lua'
--
-- Each step appends "ok <step>" or "FAIL <step>: <detail>" to EVALENS_REPORT;
-- Neovim exits 0 when every step passed (`qall!`), 1 otherwise (`cquit 1`).

local api = vim.api
-- This script's folder: tests/fixtures is beside it.
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local report_path = assert(os.getenv("EVALENS_REPORT"), "EVALENS_REPORT is not set")
local report = assert(io.open(report_path, "w"))
local failed = false

local function log(line)
  report:write(line .. "\n")
  report:flush()
end

local function finish()
  report:close()
  if failed then
    vim.cmd("cquit 1")
  else
    vim.cmd("qall!")
  end
end

local ok_setup, setup_err = pcall(function()
  vim.opt.runtimepath:prepend(assert(os.getenv("EVALENS_PLUGIN"), "EVALENS_PLUGIN is not set"))
  vim.cmd("filetype on")
end)
if not ok_setup then
  log("FAIL setup: " .. tostring(setup_err))
  failed = true
  finish()
end

local function wait(ms, predicate)
  return vim.wait(ms, function()
    local ok, value = pcall(predicate)
    return ok and value
  end, 50)
end

local function expect(condition, message)
  if not condition then
    error(message, 2)
  end
end

-- The text of the inline result on a 1-based line of buffer b, or nil.
local function mark_text(evalens, b, line)
  for _, mark in ipairs(evalens.ui.marks(b)) do
    if mark.line == line - 1 then
      return mark.text
    end
  end
  return nil
end

local function run_step(name, fn, on_failure)
  if failed then
    return
  end
  local ok, err = pcall(fn)
  if ok then
    log("ok " .. name)
  else
    failed = true
    log(string.format("FAIL %s: %s", name, tostring(err)))
    on_failure()
  end
end

-- What a user sees when evalens cannot run: a server that is not installed, one that exits
-- at once with an error, an untrusted workspace. Each in a folder (a root) of its own.
local function failures(evalens, workspace, messages, levels)
  local ERROR, WARN = vim.log.levels.ERROR, vim.log.levels.WARN
  local fix = "install it: pipx install . in the evalens clone, or set cmd"
  local function step(name, fn)
    run_step(name, fn, function()
      log("  messages: " .. table.concat(messages, " / "))
    end)
  end
  -- The earlier folders' buffers are unloaded first, so that setup() does not attach them.
  local function open(folder, options)
    local dir = workspace .. "/" .. folder
    vim.fn.mkdir(dir, "p")
    vim.fn.writefile({ "[project]", 'name = "' .. folder .. '"' }, dir .. "/pyproject.toml")
    vim.fn.writefile({ "1 + 1" }, dir .. "/main.py")
    for _, b in ipairs(api.nvim_list_bufs()) do
      if vim.bo[b].filetype == "python" and api.nvim_buf_is_loaded(b) then
        vim.cmd("bdelete! " .. b)
      end
    end
    evalens.setup(options)
    vim.cmd("edit " .. vim.fn.fnameescape(dir .. "/main.py"))
    return api.nvim_get_current_buf()
  end
  local function health()
    vim.cmd("checkhealth evalens")
    local text = table.concat(api.nvim_buf_get_lines(0, 0, -1, false), "\n")
    vim.cmd("tabclose")
    return text
  end

  step("a missing server executable: told once, at ERROR, with the fix; the commands say why", function()
    open("missing", { trusted = true, cmd = { "evalens-not-installed" } })
    local why = 'cannot start the server: "evalens-not-installed" is not an executable on PATH; ' .. fix
    expect(levels["evalens: " .. why] == ERROR, "messages: " .. table.concat(messages, " / "))
    expect(vim.fn.exists(":EvalensEval") == 2, ":EvalensEval does not exist")
    vim.cmd("EvalensEval")
    expect(levels["evalens is not running: " .. why] == ERROR, "messages: " .. table.concat(messages, " / "))
    local text = health()
    local expected = 'server command `evalens-not-installed`: "evalens-not-installed" is not an executable on PATH'
    expect(text:find(expected, 1, true) and text:find(fix, 1, true), "checkhealth:\n" .. text)
  end)

  step("a server that exits with an error: its last stderr lines and the fix, at ERROR", function()
    open("dies", { trusted = true, cmd = { "sh", "-c", "echo 'No module named evalens' >&2; exit 1" } })
    local why = "the server exited with code 1 before starting: No module named evalens; " .. fix
    expect(wait(10000, function()
      return levels["evalens: " .. why] == ERROR
    end), "messages: " .. table.concat(messages, " / "))
    vim.cmd("EvalensEval")
    expect(levels["evalens is not running: " .. why] == ERROR, "messages: " .. table.concat(messages, " / "))
    local out = table.concat(api.nvim_buf_get_lines(evalens.ui.output_buffer(), 0, -1, false), "\n")
    expect(out:find("── evalens server stderr (sh)\nNo module named evalens", 1, true), "output: " .. out)
    local text = health()
    expect(text:find("not running: " .. why, 1, true), "checkhealth:\n" .. text)
  end)

  step("an untrusted workspace: the Neovim way to trust it, in one line, and health says so", function()
    local b = open("untrusted", {}) -- the README's setup without `trusted`
    expect(wait(10000, function()
      return evalens.get_client(b)
    end), "no evalens client attached")
    vim.cmd("EvalensEval")
    local expected = 'evalens: untrusted; to run code: require("evalens").setup({ trusted = true })'
    expect(wait(10000, function()
      return levels[expected] == WARN
    end), "messages: " .. table.concat(messages, " / "))
    expect(#evalens.ui.marks(b) == 0, "marks: " .. vim.inspect(evalens.ui.marks(b)))
    local text = health()
    local root = workspace .. "/untrusted"
    expect(text:find("workspace " .. root .. " is not trusted: evalens runs no code", 1, true), "checkhealth:\n" .. text)
    expect(text:find('once you trust its code: require("evalens").setup({ trusted = true })', 1, true), text)
    vim.lsp.stop_client(evalens.get_client(b).id)
  end)
end

-- Rich output (docs/protocol.md, "Rich output"): a matplotlib plot saved to a PNG file whose
-- path is shown, :EvalensOpenImage and <CR> in evalens://output opening it (the opener
-- stubbed), image.nvim (a stub module) drawing it, a DataFrame-like value shown as its
-- text/plain. The interpreter is the test's Python (EVALENS_PYTHON: it has matplotlib, which
-- the python3 on a user's PATH here need not have), given as the `interpreter` option.
local function rich_output(evalens, workspace, messages)
  local display = require("evalens.display")
  local PNG = "\137PNG\r\n\26\n"
  local bufnr
  local function output_text()
    return table.concat(api.nvim_buf_get_lines(evalens.ui.output_buffer(), 0, -1, false), "\n")
  end
  local function step(name, fn)
    run_step(name, fn, function()
      log("  messages: " .. table.concat(messages, " / "))
      local ok, out = pcall(output_text)
      log("  output: " .. (ok and out or ""))
      log("  images: " .. vim.inspect(display.images))
    end)
  end
  local function mark_on(b, line) -- 1-based line
    return mark_text(evalens, b, line)
  end
  local function count(text, piece)
    local n, from = 0, 1
    while true do
      local at = text:find(piece, from, true)
      if not at then
        return n
      end
      n, from = n + 1, at + #piece
    end
  end
  local function read(path)
    local file = assert(io.open(path, "rb"))
    local bytes = file:read("*a")
    file:close()
    return bytes
  end

  step("display: the Lua base64 decoder (Neovim 0.7-0.9) decodes as vim.base64 does", function()
    local cases = { [""] = "", ["Zg=="] = "f", ["Zm8="] = "fo", ["Zm9v"] = "foo", ["Zm9vYg=="] = "foob" }
    for encoded, decoded in pairs(cases) do
      expect(display.base64_decode_lua(encoded) == decoded, encoded .. " gave " .. vim.inspect(display.base64_decode_lua(encoded)))
    end
    expect(display.base64_decode_lua("iVBORw0KGgo=") == PNG, "the PNG signature")
    expect(display.base64_decode_lua("Zm9!") == nil and display.base64_decode_lua("Zm9") == nil, "bad base64 decoded")
    if vim.base64 then
      local bytes = {}
      for i = 0, 1000 do
        bytes[#bytes + 1] = string.char((i * 7919) % 256)
      end
      local raw = table.concat(bytes)
      expect(display.base64_decode_lua(vim.base64.encode(raw)) == raw, "not vim.base64's bytes")
    end
  end)

  step("display: attach with the interpreter option", function()
    evalens.setup({ trusted = true, interpreter = assert(os.getenv("EVALENS_PYTHON"), "EVALENS_PYTHON is not set") })
    local path = workspace .. "/plot.py"
    vim.fn.writefile({
      "import matplotlib.pyplot as plt; plt.plot([1, 3, 2])", -- 1
      "plt.plot([2, 2, 1])", -- 2
      "class Frame:", -- 3
      "    def _repr_html_(self):", -- 4
      '        return "<table><tr><td>1</td></tr></table>"', -- 5
      "    def __repr__(self):", -- 6
      '        return "   a  b\\n0  1  3\\n1  2  4"', -- 7
      "Frame()", -- 8
    }, path)
    vim.cmd("edit " .. vim.fn.fnameescape(path))
    bufnr = api.nvim_get_current_buf()
    expect(wait(10000, function()
      return evalens.get_client(bufnr) and vim.fn.exists(":EvalensEval") == 2
    end), "no evalens client attached")
  end)

  local image
  step("display: a matplotlib plot is saved as a PNG file, its path shown once (message, evalens://output)", function()
    package.loaded["image"] = nil
    expect(not pcall(require, "image"), "image.nvim is installed here")
    vim.cmd("1EvalensEval")
    expect(wait(60000, function() -- the first import of matplotlib builds its font cache
      local text = mark_on(bufnr, 1)
      return text and text:find("Line2D", 1, true)
    end), "line 1 shows " .. tostring(mark_on(bufnr, 1)))
    expect(#display.images == 1, "images: " .. vim.inspect(display.images))
    expect(display.received == 1, display.received .. " evalens/display notifications")
    image = display.images[1]
    expect(image.mime == "image/png" and image.path:sub(-6) == "/1.png", vim.inspect(image))
    local folder = vim.fn.fnamemodify(vim.fn.tempname(), ":h")
    expect(image.path:sub(1, #folder) == folder, image.path .. " is not under " .. folder)
    local bytes = read(image.path)
    expect(bytes:sub(1, 8) == PNG, "not a PNG: " .. vim.inspect(bytes:sub(1, 8)))
    expect(#bytes > 1000 and image.width == 640 and image.height == 480, #bytes .. " bytes, " .. vim.inspect(image))
    expect(vim.tbl_contains(messages, "evalens: image 1: " .. image.path), "messages: " .. table.concat(messages, " / "))
    local out = output_text()
    expect(out:find("<Figure size 640x480 with 1 Axes>\nimage 1: " .. image.path .. " (image/png 640×480)", 1, true), out)
    expect(count(out, image.path) == 1, "shown more than once: " .. out)
  end)

  step("display: :EvalensOpenImage opens it (vim.ui.open on 0.10+, xdg-open before); ! picks; <CR> on its line", function()
    local opened = {}
    local ui_open, jobstart, select = vim.ui.open, vim.fn.jobstart, vim.ui.select
    if vim.ui.open then
      vim.ui.open = function(path)
        table.insert(opened, path)
        return {}, nil
      end
    else
      vim.fn.jobstart = function(cmd, opts)
        expect(opts.detach, "not detached")
        table.insert(opened, table.concat(cmd, " "))
        return 7
      end
    end
    vim.ui.select = function(items, opts, on_choice)
      on_choice(items[1], 1)
    end
    local ok, err = pcall(function()
      local expected = (vim.fn.has("nvim-0.10") == 1 and "" or (vim.fn.has("mac") == 1 and "open " or "xdg-open ")) .. image.path
      vim.cmd("EvalensOpenImage")
      vim.cmd("EvalensOpenImage!")
      vim.cmd("EvalensOpenImage 1")
      expect(#opened == 3 and opened[1] == expected and opened[2] == expected and opened[3] == expected, vim.inspect(opened))
      expect(vim.fn.getcompletion("EvalensOpenImage ", "cmdline")[1] == "1", "no completion")
      evalens.ui.open_output()
      local out = evalens.ui.output_buffer()
      local row
      for i, text in ipairs(api.nvim_buf_get_lines(out, 0, -1, false)) do
        if text:find("^image 1: ") then
          row = i
        end
      end
      api.nvim_win_set_cursor(0, { row, 0 })
      vim.cmd("normal \r")
      expect(#opened == 4 and opened[4] == expected, "<CR>: " .. vim.inspect(opened))
      vim.cmd("close")
    end)
    vim.ui.open, vim.fn.jobstart, vim.ui.select = ui_open, jobstart, select
    expect(ok, err)
  end)

  step("display: with image.nvim installed (a stub module), the file is drawn in the output window under its line", function()
    local calls = {}
    package.loaded["image"] = {
      from_file = function(path, opts)
        local call = { path = path, opts = opts }
        table.insert(calls, call)
        return {
          render = function()
            call.rendered = true
          end,
        }
      end,
    }
    local ok, err = pcall(function()
      local win = api.nvim_get_current_win()
      vim.cmd("2EvalensEval") -- draws on the figure again: shown again, once
      expect(wait(10000, function()
        local text = mark_on(bufnr, 2)
        return text and text:find("Line2D", 1, true) and #calls > 0
      end), "line 2 shows " .. tostring(mark_on(bufnr, 2)) .. ", calls " .. vim.inspect(calls))
      expect(#display.images == 2 and #calls == 1, vim.inspect(calls))
      local call, out = calls[1], evalens.ui.output_buffer()
      expect(call.path == display.images[2].path and call.rendered, vim.inspect(call))
      expect(call.opts.buffer == out and api.nvim_win_get_buf(call.opts.window) == out, vim.inspect(call.opts))
      local line = api.nvim_buf_get_lines(out, call.opts.y, call.opts.y + 1, false)[1]
      expect(line:find("^image 2: " .. vim.pesc(call.path)), "row " .. call.opts.y .. ": " .. tostring(line))
      expect(api.nvim_get_current_win() == win, "the cursor left the code window")
      expect(read(call.path):sub(1, 8) == PNG, "not a PNG")
      vim.cmd("only")
    end)
    package.loaded["image"] = nil
    expect(ok, err)
  end)

  step("display: a DataFrame-like value (_repr_html_) shows its text/plain, once, never the HTML", function()
    vim.cmd("3,8EvalensEval")
    expect(wait(10000, function()
      return mark_on(bufnr, 8) == "⇒ a b 0 1 3 1 2 4"
    end), "line 8 shows " .. tostring(mark_on(bufnr, 8)))
    local out = output_text()
    expect(out:find("── eval plot.py:3-8\n   a  b\n0  1  3\n1  2  4", 1, true), out)
    expect(count(out, "0  1  3") == 1 and not out:find("<table", 1, true), out)
    expect(#display.images == 2, "images: " .. vim.inspect(display.images))
  end)

  step("display: a Result's display shows only the bundles no notification brought", function()
    local record = evalens.ui.begin_run("two bundles")
    local function bundle(text)
      return { uri = "file:///x.py", data = { ["text/plain"] = text }, metadata = vim.empty_dict() }
    end
    display.on_notification(nil, bundle("from the notification"))
    record.answered = true
    evalens.ui.end_run(record, { ok = true, display = { bundle("from the notification"), bundle("only in the Result") } })
    local out = output_text()
    expect(out:find("── two bundles\nfrom the notification\nonly in the Result", 1, true), out)
    expect(count(out, "from the notification") == 1 and count(out, "only in the Result") == 1, out)
  end)

  step("display: cells that plot (:EvalensRunAll): each image once, under the run's header", function()
    vim.cmd("edit " .. vim.fn.fnameescape(workspace .. "/cells.py"))
    local b = api.nvim_get_current_buf()
    api.nvim_buf_set_lines(b, 0, -1, false, {
      "# %% One", -- 1
      "import matplotlib.pyplot as plt", -- 2
      "plt.figure().gca().plot([3, 1])", -- 3
      "# %% Two", -- 4
      "plt.figure().gca().plot([1, 3])", -- 5
    })
    expect(wait(10000, function()
      return evalens.get_client(b) and vim.fn.exists(":EvalensRunAll") == 2
    end), "no evalens client attached to cells.py")
    api.nvim_win_set_cursor(0, { 2, 0 })
    vim.cmd("EvalensRunAll")
    expect(wait(10000, function()
      local marks = evalens.ui.marks(b)
      return #marks == 2 and marks[2].text:find("Line2D", 1, true)
    end), "marks: " .. vim.inspect(evalens.ui.marks(b)))
    expect(#display.images == 4, "images: " .. vim.inspect(display.images))
    local out = output_text()
    local figure = "<Figure size 640x480 with 1 Axes>\n"
    local expected = "── all cells cells.py:2\n" .. figure .. "image 3: " .. display.images[3].path
    expected = expected .. " (image/png 640×480)  <CR> or :EvalensOpenImage opens it\n" .. figure .. "image 4: "
    expect(out:find(expected .. display.images[4].path, 1, true), out)
    for _, image in ipairs({ display.images[3], display.images[4] }) do
      expect(count(out, image.path) == 1, "shown more than once: " .. out)
      expect(read(image.path):sub(1, 8) == PNG, "not a PNG")
    end
    vim.cmd("buffer " .. bufnr)
  end)

  step("display: the image folder is removed on VimLeavePre", function()
    local client = evalens.get_client(bufnr)
    vim.lsp.stop_client(client.id)
    wait(2000, function()
      return evalens.get_client(bufnr) == nil
    end)
    local folder = display.folder()
    expect(vim.fn.isdirectory(folder) == 1, folder)
    api.nvim_exec_autocmds("VimLeavePre", { group = "evalens_images" })
    expect(vim.fn.isdirectory(folder) == 0, folder .. " is still there")
  end)
end

-- A scenario's end: the buffer's client stopped (waited for), what was told logged.
local function stop_scenario(evalens, bufnr, messages)
  local client = evalens.get_client(bufnr)
  if client then
    vim.lsp.stop_client(client.id)
    vim.wait(2000, function()
      return evalens.get_client(bufnr) == nil
    end, 50)
  end
  log("messages: " .. table.concat(messages, " / "))
end

-- Docstring examples (docs/protocol.md, "Docstring examples"): :EvalensDoctest on a docstring
-- with one failing example tells the outcome in one line, the server's diagnostic is on the
-- failing `>>>` line; the "Update expected output" quick fix, chosen through
-- vim.lsp.buf.code_action() (vim.ui.select stubbed as the user's choice), writes what it
-- printed, and the examples pass; :EvalensDoctestUpdate applies "Update all expected output
-- in this docstring"; the lens and :EvalensDoctest! run through the plugin too.
local function doctests(evalens, workspace, messages, levels)
  local WARN, INFO = vim.log.levels.WARN, vim.log.levels.INFO
  local source = {
    "def add(a, b):", --  1
    '    """Add two numbers.', --  2
    "", --  3
    "    >>> add(1, 2)", --  4
    "    3", --  5
    "    >>> add(7, 8)", --  6
    "    16", --  7
    "    >>> add(2, 2)", --  8
    "    4", --  9
    '    """', -- 10
    "    return a + b", -- 11
    "", -- 12
    "", -- 13
    "def square(x):", -- 14
    '    """', -- 15
    "    >>> square(3)", -- 16
    "    9", -- 17
    '    """', -- 18
    "    return x * x", -- 19
    "", -- 20
    "", -- 21
    "RATE = 2", -- 22
  }
  local path = workspace .. "/arith.py"
  vim.fn.writefile(source, path)
  evalens.setup({ trusted = true })
  local bufnr
  local seen = 0 -- messages before this step's
  local function told(text, level) -- `evalens: text` was told, at `level`, in this step
    for i = seen + 1, #messages do
      if messages[i] == "evalens: " .. text and levels[messages[i]] == level then
        return true
      end
    end
    return false
  end
  local function diagnostics() -- "line: message" of the server's example diagnostics
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.source == "evalens.doctest" then
        table.insert(out, string.format("%d: %s", d.lnum + 1, d.message))
      end
    end
    table.sort(out)
    return table.concat(out, " | ")
  end
  local function lens_title(line) -- 1-based
    for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
      if lens.range.start.line == line - 1 and lens.command then
        return lens.command.title
      end
    end
    return nil
  end
  local function lines(first, last)
    return table.concat(api.nvim_buf_get_lines(bufnr, first - 1, last, false), "\n")
  end
  local function output_text()
    return table.concat(api.nvim_buf_get_lines(evalens.ui.output_buffer(), 0, -1, false), "\n")
  end
  local function step(name, fn)
    seen = #messages
    run_step(name, fn, function()
      log("  messages: " .. table.concat(messages, " / "))
      log("  diagnostics: " .. (bufnr and diagnostics() or ""))
      local ok, out = pcall(output_text)
      log("  output: " .. (ok and out or ""))
      log("  buffer: " .. (bufnr and lines(1, 22) or ""))
    end)
  end
  local function wait_told(text, level)
    expect(wait(15000, function()
      return told(text, level)
    end), "not told " .. vim.inspect(text) .. "; messages: " .. table.concat(messages, " / "))
  end

  step("doctest: the one-line outcome of an exception, no output, skipped examples, an interrupt", function()
    local summary = require("evalens.doctest").summary
    local raised = "Traceback (most recent call last):\n    ...\nZeroDivisionError: division by zero\n"
    local cases = {
      {
        { ok = true, passed = 1, failed = 2, skipped = 1, examples = {
          { line = 3, ok = false, skipped = false, want = "1\n", got = raised },
          { line = 5, ok = false, skipped = false, want = "", got = "2\n" },
        } },
        "✗ 2 of 3 failed, 1 skipped · line 4: expected 1, got ZeroDivisionError: division by zero (+1 more)",
        WARN,
      },
      {
        { ok = true, passed = 0, failed = 1, skipped = 0, examples = {
          { line = 0, ok = false, skipped = false, want = "[1,\n 2]\n", got = "" },
        } },
        "✗ 1 of 1 failed · line 1: expected [1, 2], got nothing",
        WARN,
      },
      { { ok = true, passed = 2, failed = 0, skipped = 1, examples = {} }, "✓ 2/2 examples passed, 1 skipped", INFO },
      {
        { ok = false, passed = 1, failed = 1, skipped = 0, examples = {},
          error = { type = "KeyboardInterrupt", message = "" } },
        "✗ KeyboardInterrupt · 2 examples ran, 1 failed",
        WARN,
      },
      {
        { ok = true, passed = 0, failed = 0, skipped = 0, examples = {} },
        "no docstring in this buffer has >>> examples",
        INFO,
        true, -- the whole buffer
      },
    }
    for _, case in ipairs(cases) do
      local text, level = summary(case[1], case[4])
      expect(text == case[2] and level == case[3], vim.inspect(text) .. " at " .. tostring(level) .. ", not " .. case[2])
    end
  end)

  step("doctest: a file with two docstrings with examples attaches; their lenses say Run examples", function()
    vim.cmd("edit " .. vim.fn.fnameescape(path))
    bufnr = api.nvim_get_current_buf()
    expect(wait(10000, function()
      local client = evalens.get_client(bufnr)
      return client and client.initialized ~= false and client.server_capabilities ~= nil
    end), "no evalens client attached")
    expect(vim.fn.exists(":EvalensDoctest") == 2 and vim.fn.exists(":EvalensDoctestUpdate") == 2, "no commands")
    expect(wait(10000, function()
      return lens_title(2) == "Run examples" and lens_title(15) == "Run examples"
    end), "lenses: " .. vim.inspect(vim.lsp.codelens.get(bufnr)))
  end)

  step("doctest: :EvalensDoctest tells the failure in one line; its diagnostic is on the >>> line", function()
    api.nvim_win_set_cursor(0, { 3, 0 }) -- in the docstring
    vim.cmd("EvalensDoctest")
    wait_told("✗ 1 of 3 failed · line 6: expected 16, got 15", WARN)
    expect(wait(10000, function()
      return diagnostics() == "6: expected 16, got 15"
    end), "diagnostics: " .. diagnostics())
    local d = vim.diagnostic.get(bufnr, { lnum = 5 })[1]
    expect(d.col == 4 and d.severity == vim.diagnostic.severity.ERROR, "diagnostic " .. vim.inspect(d))
    expect(wait(10000, function()
      return lens_title(2) == "✗ 1 of 3 failed" and lens_title(15) == "Run examples"
    end), "lens titles " .. tostring(lens_title(2)) .. ", " .. tostring(lens_title(15)))
    local out = output_text()
    local expected = "── examples arith.py:3\nline 6: >>> add(7, 8)\n  expected:\n    16\n  got:\n    15\n"
      .. "✗ 1 of 3 failed · line 6: expected 16, got 15"
    expect(out:find(expected, 1, true), "output: " .. out)
  end)

  step("doctest: the Update expected output quick fix through vim.lsp.buf.code_action(); then they pass", function()
    local offered = {}
    vim.ui.select = function(items, opts, on_choice)
      local chosen
      for i, item in ipairs(items) do
        local title = opts.format_item(item)
        table.insert(offered, title)
        if title == "Update expected output" then
          chosen = chosen or i
        end
      end
      on_choice(items[chosen], chosen)
    end
    api.nvim_win_set_cursor(0, { 6, 8 })
    vim.lsp.buf.code_action()
    expect(wait(10000, function()
      return lines(6, 7) == "    >>> add(7, 8)\n    15"
    end), "offered " .. table.concat(offered, ", ") .. "; lines 6-7: " .. lines(6, 7))
    for _, title in ipairs({ "evalens: Run examples", "Update all expected output in this docstring" }) do
      expect(vim.tbl_contains(offered, title), "offered " .. table.concat(offered, ", "))
    end
    expect(lines(1, 22) == table.concat(source, "\n"):gsub("    16", "    15", 1), "buffer: " .. lines(1, 22))
    expect(wait(10000, function()
      return diagnostics() == ""
    end), "the changed docstring's diagnostics stay: " .. diagnostics())
    vim.cmd("EvalensDoctest")
    wait_told("✓ 3/3 examples passed", INFO)
    expect(diagnostics() == "", "diagnostics: " .. diagnostics())
  end)

  step("doctest: :EvalensDoctestUpdate applies Update all expected output in this docstring", function()
    api.nvim_buf_set_lines(bufnr, 4, 5, false, { "    30" }) -- add(1, 2) expects 30
    api.nvim_buf_set_lines(bufnr, 8, 9, false, { "    40" }) -- add(2, 2) expects 40
    api.nvim_win_set_cursor(0, { 1, 0 }) -- the def line: its docstring
    vim.cmd("EvalensDoctest")
    wait_told("✗ 2 of 3 failed · line 4: expected 30, got 3 (+1 more)", WARN)
    expect(wait(10000, function()
      return diagnostics() == "4: expected 30, got 3 | 8: expected 40, got 4"
    end), "diagnostics: " .. diagnostics())
    seen = #messages
    vim.cmd("EvalensDoctestUpdate")
    wait_told("updated the expected output of 2 examples", INFO)
    local updated = "    >>> add(1, 2)\n    3\n    >>> add(7, 8)\n    15\n    >>> add(2, 2)\n    4"
    expect(lines(4, 9) == updated, "lines 4-9: " .. lines(4, 9))
    vim.cmd("EvalensDoctest")
    wait_told("✓ 3/3 examples passed", INFO)
  end)

  step("doctest: the lens and :EvalensDoctest! run through the plugin; a line in no docstring is told", function()
    api.nvim_buf_set_lines(bufnr, 16, 17, false, { "    10" }) -- square(3) expects 10
    expect(wait(10000, function()
      return lens_title(15) == "Run examples"
    end), "lens on line 15: " .. tostring(lens_title(15)))
    api.nvim_win_set_cursor(0, { 15, 0 })
    vim.lsp.codelens.run()
    wait_told("✗ 1 of 1 failed · line 16: expected 10, got 9", WARN)
    seen = #messages
    vim.cmd("EvalensDoctest!")
    wait_told("✗ 1 of 4 failed · line 16: expected 10, got 9", WARN)
    seen = #messages
    api.nvim_win_set_cursor(0, { 22, 0 })
    vim.cmd("EvalensDoctest")
    wait_told("line 22 is in no docstring with >>> examples; they start at lines 2, 15", WARN)
    seen = #messages
    vim.cmd("EvalensDoctestUpdate")
    wait_told("line 22 is in no docstring with >>> examples", WARN)
  end)

  stop_scenario(evalens, bufnr, messages)
end

-- The variables view (docs/protocol.md, "Variables"): :EvalensVariables after a run lists the
-- module's variables in evalens://variables, <CR> expands `numbers` into its items, a run that
-- rebinds names refreshes the view through evalens/variablesChanged (the expanded entry expanded
-- again from fresh refs), `… N more` loads the next page, `a` lists every name, and a busy
-- interpreter is told in one line.
local function variables_view(evalens, workspace, messages, levels)
  local WARN = vim.log.levels.WARN
  local view = require("evalens.variables")
  local source = {
    "numbers = [10, 20, 30]", -- 1
    'table = {"a": 1}', -- 2
    "", -- 3
    "", -- 4
    "def helper():", -- 5
    "    pass", -- 6
    "", -- 7
    "", -- 8
    "def later():  # lines evaluated one by one", -- 9
    "    numbers = [10, 20, 30, 40]", -- 10
    "    del table; big = list(range(105))", -- 11
    "    while True: pass", -- 12
  }
  local path = workspace .. "/session.py"
  vim.fn.writefile(source, path)
  evalens.setup({ trusted = true })
  local bufnr, source_win
  local seen = 0
  local function shown()
    return table.concat(view.lines(), "\n")
  end
  local function step(name, fn)
    seen = #messages
    run_step(name, fn, function()
      log("  messages: " .. table.concat(messages, " / "))
      log("  view:\n" .. shown())
    end)
  end
  local function wait_shown(expected, ms)
    local text = table.concat(expected, "\n")
    expect(wait(ms or 10000, function()
      return shown() == text
    end), "the view shows:\n" .. shown() .. "\nnot:\n" .. text)
  end
  local function press(keys) -- in the view's window, as typed
    expect(api.nvim_get_current_buf() == view.buffer(), "the view is not the current buffer")
    api.nvim_feedkeys(api.nvim_replace_termcodes(keys, true, false, true), "x", false)
  end
  local function in_source(command)
    local view_win = api.nvim_get_current_win()
    api.nvim_set_current_win(source_win)
    vim.cmd(command)
    api.nvim_set_current_win(view_win)
  end
  local function wait_mark(line)
    expect(wait(10000, function()
      local text = mark_text(evalens, bufnr, line)
      return text and text ~= "⋯"
    end), "no result on line " .. line .. ": " .. vim.inspect(evalens.ui.marks(bufnr)))
  end
  local function items(count, depth) -- the lines of a list 0..count-1's items
    local out = {}
    for i = 0, count - 1 do
      table.insert(out, string.rep("  ", depth) .. "  " .. i .. "  int  " .. i)
    end
    return out
  end
  local function big_repr() -- list(range(105)) as the server cuts it: 200 characters, the last `…`
    local parts = {}
    for i = 0, 104 do
      table.insert(parts, tostring(i))
    end
    local full = "[" .. table.concat(parts, ", ") .. "]"
    return full:sub(1, 199) .. "…"
  end

  step("variables: :EvalensVariables after a run lists the module's variables", function()
    vim.cmd("edit " .. vim.fn.fnameescape(path))
    bufnr = api.nvim_get_current_buf()
    source_win = api.nvim_get_current_win()
    expect(wait(10000, function()
      local client = evalens.get_client(bufnr)
      return client and client.initialized ~= false and client.server_capabilities ~= nil
    end), "no evalens client attached")
    vim.cmd("1,2EvalensEval")
    wait_mark(2)
    vim.cmd("EvalensVariables")
    expect(api.nvim_buf_get_name(0) == "evalens://variables", "the current buffer is " .. api.nvim_buf_get_name(0))
    expect(api.nvim_get_current_win() ~= source_win, "the view is not in a window of its own")
    wait_shown({
      "session.py · 2 variables",
      "▸ numbers  list  len 3  [10, 20, 30]",
      "▸ table  dict  len 1  {'a': 1}",
    })
  end)

  step("variables: <CR> expands numbers into its items, and collapses it", function()
    api.nvim_win_set_cursor(0, { 2, 0 })
    press("<CR>")
    wait_shown({
      "session.py · 2 variables",
      "▾ numbers  list  len 3  [10, 20, 30]",
      "    0  int  10",
      "    1  int  20",
      "    2  int  30",
      "▸ table  dict  len 1  {'a': 1}",
    })
    expect(api.nvim_win_get_cursor(0)[1] == 2, "the cursor moved to " .. api.nvim_win_get_cursor(0)[1])
    press("<CR>")
    wait_shown({
      "session.py · 2 variables",
      "▸ numbers  list  len 3  [10, 20, 30]",
      "▸ table  dict  len 1  {'a': 1}",
    })
    press("<CR>")
    expect(wait(10000, function()
      return #view.lines() == 6
    end), "numbers is not expanded again: " .. shown())
    api.nvim_win_set_cursor(0, { 6, 0 })
    press("<CR>")
    wait_shown({
      "session.py · 2 variables",
      "▾ numbers  list  len 3  [10, 20, 30]",
      "    0  int  10",
      "    1  int  20",
      "    2  int  30",
      "▾ table  dict  len 1  {'a': 1}",
      "    'a'  int  1",
    })
  end)

  step("variables: a run that rebinds numbers refreshes the view (evalens/variablesChanged)", function()
    in_source("10EvalensEval")
    wait_shown({
      "session.py · 2 variables",
      "▾ numbers  list  len 4  [10, 20, 30, 40]",
      "    0  int  10",
      "    1  int  20",
      "    2  int  30",
      "    3  int  40",
      "▾ table  dict  len 1  {'a': 1}",
      "    'a'  int  1",
    })
    in_source("11EvalensEval")
    wait_shown({
      "session.py · 2 variables",
      "▸ big  list  len 105  " .. big_repr(),
      "▾ numbers  list  len 4  [10, 20, 30, 40]",
      "    0  int  10",
      "    1  int  20",
      "    2  int  30",
      "    3  int  40",
    })
  end)

  step("variables: a long list shows a page and `… N more`; <CR> on it loads the next page", function()
    api.nvim_win_set_cursor(0, { 3, 0 })
    press("<CR>") -- numbers collapses
    wait_shown({
      "session.py · 2 variables",
      "▸ big  list  len 105  " .. big_repr(),
      "▸ numbers  list  len 4  [10, 20, 30, 40]",
    })
    api.nvim_win_set_cursor(0, { 2, 0 })
    press("<CR>")
    local expected = { "session.py · 2 variables", "▾ big  list  len 105  " .. big_repr() }
    vim.list_extend(expected, items(100, 1))
    table.insert(expected, "    … 5 more")
    vim.list_extend(expected, { "▸ numbers  list  len 4  [10, 20, 30, 40]" })
    wait_shown(expected)
    api.nvim_win_set_cursor(0, { 103, 0 })
    press("<CR>")
    expected = { "session.py · 2 variables", "▾ big  list  len 105  " .. big_repr() }
    vim.list_extend(expected, items(105, 1))
    vim.list_extend(expected, { "▸ numbers  list  len 4  [10, 20, 30, 40]" })
    wait_shown(expected)
    api.nvim_win_set_cursor(0, { 2, 0 })
    press("<CR>")
    wait_shown({
      "session.py · 2 variables",
      "▸ big  list  len 105  " .. big_repr(),
      "▸ numbers  list  len 4  [10, 20, 30, 40]",
    })
  end)

  step("variables: `a` lists every name (functions, `_` names), `a` again variables only", function()
    press("a")
    local function normalized() -- addresses vary
      local out = {}
      for _, line in ipairs(view.lines()) do
        out[(line:gsub(" at 0x%x+>", " at 0x…>"))] = true
      end
      return out
    end
    expect(wait(10000, function()
      return view.lines()[1] == "session.py · 12 names (all)"
    end), "the view shows:\n" .. shown())
    for _, line in ipairs({
      "  __name__  str  len 7  'session'",
      "  helper  function  <function helper at 0x…>",
      "  later  function  <function later at 0x…>",
      "▸ big  list  len 105  " .. big_repr(),
      "▸ numbers  list  len 4  [10, 20, 30, 40]",
    }) do
      expect(normalized()[line], "no line " .. line .. " in:\n" .. shown())
    end
    press("a")
    wait_shown({
      "session.py · 2 variables",
      "▸ big  list  len 105  " .. big_repr(),
      "▸ numbers  list  len 4  [10, 20, 30, 40]",
    })
  end)

  step("variables: while code runs `R` says so in one line; <CR> then expands when the run ends", function()
    in_source("12EvalensEval")
    local busy = "evalens: " .. view.busy_message
    expect(wait(10000, function()
      press("R")
      vim.wait(100, function()
        return levels[busy] ~= nil
      end, 20)
      return levels[busy] == WARN
    end), "messages: " .. table.concat(messages, " / "))
    for i = seen + 1, #messages do
      expect(not messages[i]:find("\n", 1, true), "a message of more than one line: " .. messages[i])
    end
    expect(shown() == table.concat({
      "session.py · 2 variables",
      "▸ big  list  len 105  " .. big_repr(),
      "▸ numbers  list  len 4  [10, 20, 30, 40]",
    }, "\n"), "the view changed: " .. shown())
    api.nvim_win_set_cursor(0, { 3, 0 })
    press("<CR>") -- numbers: refused too; expanded once the run ends
    in_source("EvalensInterrupt")
    wait_shown({
      "session.py · 2 variables",
      "▸ big  list  len 105  " .. big_repr(),
      "▾ numbers  list  len 4  [10, 20, 30, 40]",
      "    0  int  10",
      "    1  int  20",
      "    2  int  30",
      "    3  int  40",
    })
  end)

  step("variables: :EvalensRestart empties the view (evalens/variablesChanged, reset)", function()
    in_source("EvalensRestart")
    wait_shown({ "session.py · 0 variables", "(no variables)" })
  end)

  stop_scenario(evalens, bufnr, messages)
end

local function main()
  local messages = {}
  local levels = {} -- message -> the level it was told at
  vim.notify = function(message, level)
    table.insert(messages, message)
    levels[message] = level
  end

  local workspace = assert(os.getenv("EVALENS_WORKSPACE"), "EVALENS_WORKSPACE is not set")
  local path = workspace .. "/main.py"
  local source = {
    "import time", --  1
    "", --  2
    "", --  3
    "def double(x):", --  4
    "    return 2 * x", --  5
    "", --  6
    "", --  7
    "def main():", --  8
    '    print("hello from main")', --  9
    "    return double(21)", -- 10
    "", -- 11
    "", -- 12
    "def boom():", -- 13
    "    return 1 / 0", -- 14
    "", -- 15
    "", -- 16
    "def spin():", -- 17
    "    while True:", -- 18
    "        pass", -- 19
    "", -- 20
    "", -- 21
    "total = double(21)", -- 22
    "a = 40", -- 23
    "a + 2", -- 24
    "", -- 25
    "", -- 26
    "class Counter:", -- 27
    "    @staticmethod", -- 28
    "    def double(x):", -- 29
    "        return 3 * x", -- 30
    "", -- 31
    "", -- 32
    'if __name__ == "__main__":', -- 33
    '    print("ran as main")', -- 34
  }
  vim.fn.mkdir(workspace, "p")
  vim.fn.writefile({ "[project]", 'name = "demo"' }, workspace .. "/pyproject.toml")
  vim.fn.writefile(source, path)

  local evalens = require("evalens")
  if os.getenv("EVALENS_SCENARIO") == "failures" then
    return failures(evalens, workspace, messages, levels)
  end
  if os.getenv("EVALENS_SCENARIO") == "display" then
    return rich_output(evalens, workspace, messages)
  end
  if os.getenv("EVALENS_SCENARIO") == "doctest" then
    return doctests(evalens, workspace, messages, levels)
  end
  if os.getenv("EVALENS_SCENARIO") == "variables" then
    return variables_view(evalens, workspace, messages, levels)
  end
  -- The README's setup, literally: the server is the `evalens` on PATH (`pipx install .`).
  evalens.setup({ trusted = true })

  local bufnr

  local function marks_text()
    local texts = {}
    for _, mark in ipairs(evalens.ui.marks(bufnr)) do
      table.insert(texts, (mark.line + 1) .. ": " .. mark.text)
    end
    return table.concat(texts, " | ")
  end

  local function mark_on(line) -- 1-based line
    return mark_text(evalens, bufnr, line)
  end

  local function output_text()
    local out = evalens.ui.output_buffer()
    return table.concat(api.nvim_buf_get_lines(out, 0, -1, false), "\n")
  end

  local function lens_title(line) -- 1-based line
    for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
      if lens.range.start.line == line - 1 and lens.command then
        return lens.command.title
      end
    end
    return nil
  end

  local function wait(ms, predicate)
    return vim.wait(ms, function()
      local ok, value = pcall(predicate)
      return ok and value
    end, 50)
  end

  local function step(name, fn)
    if failed then
      return
    end
    local start = vim.loop.hrtime()
    local ok, err = pcall(fn)
    local ms = math.floor((vim.loop.hrtime() - start) / 1e6)
    if ok then
      log(string.format("ok %s (%d ms)", name, ms))
    else
      failed = true
      log(string.format("FAIL %s: %s", name, tostring(err)))
      log("  marks: " .. (bufnr and marks_text() or ""))
      log("  messages: " .. table.concat(messages, " / "))
      local okout, out = pcall(output_text)
      log("  output: " .. (okout and out or ""))
    end
  end

  local function expect(condition, message)
    if not condition then
      error(message, 2)
    end
  end

  step("a Result in one line, as tests/fixtures/inline_results.json says", function()
    local file = assert(io.open(here .. "/../fixtures/inline_results.json", "rb"))
    local cases = vim.fn.json_decode(file:read("*a")).cases
    file:close()
    expect(#cases > 0, "no cases in the fixture")
    local width = evalens.ui.max_width
    local wrong = {}
    for _, case in ipairs(cases) do
      evalens.ui.max_width = case.limit
      local ok, text = pcall(evalens.ui.describe, case.result)
      if not ok or text ~= case.inline then
        table.insert(wrong, string.format("%s: %s, expected %s", case.name, vim.inspect(text), vim.inspect(case.inline)))
      end
    end
    evalens.ui.max_width = width
    expect(#wrong == 0, table.concat(wrong, "; "))
  end)

  step("attach", function()
    vim.cmd("edit " .. vim.fn.fnameescape(path))
    bufnr = api.nvim_get_current_buf()
    expect(vim.bo[bufnr].filetype == "python", "filetype is " .. vim.bo[bufnr].filetype)
    expect(wait(10000, function()
      local client = evalens.get_client(bufnr)
      return client and client.initialized ~= false and client.server_capabilities ~= nil
    end), "no evalens client attached")
    expect(wait(5000, function()
      return vim.fn.exists(":EvalensEval") == 2
    end), ":EvalensEval is not defined")
  end)

  step("on attach: omnifunc is the LSP's, K is hover (set by evalens on 0.7-0.9, by Neovim on 0.10+)", function()
    expect(vim.bo[bufnr].omnifunc == "v:lua.vim.lsp.omnifunc", "omnifunc is " .. vim.bo[bufnr].omnifunc)
    if vim.fn.has("nvim-0.10") == 0 then
      local map = vim.fn.maparg("K", "n", false, true)
      expect(map.buffer == 1 and map.desc == "evalens: hover", "K is " .. vim.inspect(map))
    end
  end)

  step("eval a line range shows the value as virtual text", function()
    vim.cmd("23,24EvalensEval")
    expect(wait(10000, function()
      return mark_on(24) == "⇒ 42"
    end), "line 24 shows " .. tostring(mark_on(24)))
  end)

  step("eval a charwise visual selection", function()
    api.nvim_win_set_cursor(0, { 22, 0 })
    vim.cmd("normal! fdvf)\27")
    vim.cmd("'<,'>EvalensEval")
    expect(wait(10000, function()
      return mark_on(22) == "⇒ 42"
    end), "line 22 shows " .. tostring(mark_on(22)))
  end)

  step("eval the current line", function()
    api.nvim_win_set_cursor(0, { 5, 4 })
    vim.cmd("EvalensEval")
    -- `return 2 * x` at top level is a SyntaxError: shown as an error, in the error colour
    expect(wait(10000, function()
      local text = mark_on(5)
      return text and text:find("SyntaxError", 1, true)
    end), "line 5 shows " .. tostring(mark_on(5)))
    local details = api.nvim_buf_get_extmarks(bufnr, evalens.ns, { 4, 0 }, { 4, -1 }, { details = true })[1][4]
    expect(details.virt_text[1][2] == "EvalensError", "highlight " .. tostring(details.virt_text[1][2]))
  end)

  step("code lenses are shown", function()
    expect(wait(10000, function()
      return lens_title(8) == "▶ main()"
    end), "lens on line 8: " .. tostring(lens_title(8)))
  end)

  step("run a lens: value inline, output in evalens://output, lens title refreshed", function()
    api.nvim_win_set_cursor(0, { 8, 0 })
    vim.lsp.codelens.run()
    expect(wait(10000, function()
      return lens_title(8) == "▶ main() ⇒ 42"
    end), "lens title: " .. tostring(lens_title(8)))
    expect(mark_on(8) == nil, "the lens title shows the value, yet line 8 shows " .. tostring(mark_on(8)))
    expect(wait(5000, function()
      return output_text():find("hello from main", 1, true)
    end), "output buffer: " .. output_text())
    expect(vim.fn.bufnr("evalens://output") == evalens.ui.output_buffer(), "no buffer named evalens://output")
  end)

  step("call with arguments: the value at the end of the def line", function()
    vim.cmd("EvalensCall double 21")
    expect(wait(10000, function()
      return mark_on(4) == "⇒ 42"
    end), "line 4 shows " .. tostring(mark_on(4)))
  end)

  step("call a method: the value on its def line (the server's document symbols)", function()
    -- Counter.double, not the top-level double of line 4
    vim.cmd("EvalensCall Counter.double 14")
    expect(wait(10000, function()
      return mark_on(29) == "⇒ 42"
    end), "line 29 shows " .. tostring(mark_on(29)) .. "; marks: " .. marks_text())
  end)

  step(":EvalensCall completes the top-level functions (the server's document symbols)", function()
    local names
    expect(wait(5000, function()
      names = vim.fn.getcompletion("EvalensCall ", "cmdline")
      return table.concat(names, " ") == "double main boom spin"
    end), "completions: " .. vim.inspect(names))
    names = vim.fn.getcompletion("EvalensCall b", "cmdline")
    expect(table.concat(names, " ") == "boom", "completions of b: " .. vim.inspect(names))
  end)

  step("an error is a diagnostic on its line and an error in virtual text", function()
    vim.cmd("EvalensCall boom")
    expect(wait(10000, function()
      return lens_title(13) == "▶ boom() ⇒ ZeroDivisionError: division by zero"
    end), "lens title: " .. tostring(lens_title(13)))
    expect(wait(5000, function()
      for _, d in ipairs(vim.diagnostic.get(bufnr)) do
        if d.source == "evalens" and d.lnum == 13 and d.message:find("ZeroDivisionError", 1, true) then
          return true
        end
      end
      return false
    end), "diagnostics: " .. vim.inspect(vim.diagnostic.get(bufnr)))
    expect(output_text():find("Traceback", 1, true), "no traceback in the output buffer")
  end)

  step("a run error's diagnostic shows its text at the end of the line (0.11 too)", function()
    local client = evalens.get_client(bufnr)
    local ns = vim.lsp.diagnostic.get_namespace(client.id, false)
    local virt_ns = vim.diagnostic.get_namespace(ns).user_data.virt_text_ns
    local shown
    expect(wait(5000, function()
      for _, mark in ipairs(api.nvim_buf_get_extmarks(bufnr, virt_ns, { 13, 0 }, { 13, -1 }, { details = true })) do
        local pieces = {}
        for _, chunk in ipairs(mark[4].virt_text or {}) do
          table.insert(pieces, chunk[1])
        end
        shown = vim.trim(table.concat(pieces))
        return true
      end
    end), "no virtual text on line 14")
    expect(shown == "■ ZeroDivisionError: division by zero", "virtual text " .. vim.inspect(shown))
    -- Only evalens' namespace: the user's global setting is Neovim's default.
    local global = vim.diagnostic.config().virtual_text
    local default = vim.fn.has("nvim-0.11") == 0
    expect(not not global == default, "global virtual_text " .. vim.inspect(global))
  end)

  step("interrupt an infinite loop", function()
    vim.cmd("18,19EvalensEval")
    expect(wait(3000, function()
      return mark_on(19) == "⋯"
    end), "no pending mark: " .. tostring(mark_on(19)))
    local status
    expect(wait(5000, function()
      evalens.execute(bufnr, "evalens.status", vim.empty_dict(), function(_, result)
        status = result
      end)
      vim.wait(100)
      return status and status.state == "busy"
    end), "the interpreter never got busy: " .. vim.inspect(status))
    vim.cmd("EvalensInterrupt")
    expect(wait(8000, function()
      local text = mark_on(19)
      return text and text:find("KeyboardInterrupt", 1, true)
    end), "line 19 shows " .. tostring(mark_on(19)))
    expect(wait(2000, function()
      return vim.tbl_contains(messages, "evalens: interrupted")
    end), "messages: " .. table.concat(messages, " / "))
    -- The user's own interrupt is not an error: not in the error colour, not an E sign.
    local mark = evalens.ui.marks(bufnr)
    local hl
    for _, m in ipairs(mark) do
      if m.line == 18 then
        hl = m.hl
      end
    end
    expect(mark_on(19) == "✗ KeyboardInterrupt" and hl == "EvalensInterrupted", "line 19: " .. tostring(hl))
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      expect(not d.message:find("KeyboardInterrupt", 1, true), "a diagnostic: " .. vim.inspect(d))
    end
  end)

  step("the session survives the interrupt", function()
    api.nvim_buf_clear_namespace(bufnr, evalens.ns, 23, 24)
    vim.cmd("24EvalensEval")
    expect(wait(10000, function()
      return mark_on(24) == "⇒ 42"
    end), "line 24 shows " .. tostring(mark_on(24)))
  end)

  -- The user story of stale results, in a second buffer: a loop builds up a counter and is
  -- interrupted; an unrelated function is edited (not saved) and run; the counter keeps its
  -- value and its old result is shown stale, in every buffer, until it runs again.
  local story
  local counted -- the counter's value after the loop was interrupted
  local story_source = {
    "counter = 0", --  1
    "", --  2
    "", --  3
    "def spin():", --  4
    "    global counter", --  5
    "    while True:", --  6
    "        counter += 1", --  7
    "", --  8
    "", --  9
    "def other():", -- 10
    "    return 1", -- 11
  }

  local function story_mark(line) -- 1-based line: { text, hl } or nil
    for _, mark in ipairs(evalens.ui.marks(story)) do
      if mark.line == line - 1 then
        return mark
      end
    end
    return nil
  end

  local function story_lens(line) -- 1-based line
    for _, lens in ipairs(vim.lsp.codelens.get(story)) do
      if lens.range.start.line == line - 1 and lens.command then
        return lens.command.title
      end
    end
    return nil
  end

  local function evaluate_counter() -- select `counter` on line 1, :'<,'>EvalensEval
    api.nvim_win_set_cursor(0, { 1, 0 })
    vim.cmd("normal! ve\27")
    vim.cmd("'<,'>EvalensEval")
  end

  step("story: run spin() from its lens, :EvalensInterrupt ends the loop with KeyboardInterrupt", function()
    vim.fn.writefile(story_source, workspace .. "/story.py")
    vim.cmd("edit " .. vim.fn.fnameescape(workspace .. "/story.py"))
    story = api.nvim_get_current_buf()
    expect(wait(10000, function()
      return evalens.get_client(story) and vim.fn.exists(":EvalensEval") == 2
    end), "no evalens client attached to story.py")
    expect(wait(10000, function()
      return story_lens(4) == "▶ spin()"
    end), "lens on line 4: " .. tostring(story_lens(4)))
    api.nvim_win_set_cursor(0, { 4, 0 })
    vim.lsp.codelens.run()
    local status
    expect(wait(5000, function()
      evalens.execute(story, "evalens.status", vim.empty_dict(), function(_, result)
        status = result
      end)
      vim.wait(100)
      return status and status.state == "busy"
    end), "the loop never ran: " .. vim.inspect(status))
    vim.wait(500)
    vim.cmd("EvalensInterrupt")
    expect(wait(8000, function()
      return story_lens(4) == "▶ spin() ⇒ KeyboardInterrupt"
    end), "lens on line 4: " .. tostring(story_lens(4)))
  end)

  step("story: evaluate `counter` (a charwise selection): the value the loop reached", function()
    evaluate_counter()
    expect(wait(10000, function()
      local mark = story_mark(1)
      return mark and mark.text:match("^⇒ %d+$")
    end), "line 1 shows " .. vim.inspect(story_mark(1)))
    counted = tonumber(story_mark(1).text:match("^⇒ (%d+)$"))
    expect(counted > 0, "the loop did not count: " .. story_mark(1).text)
    log("  the counter reached " .. counted)
  end)

  step("story: edit other() without saving and call it: the new value; the old results go stale", function()
    vim.cmd("normal! 11G$r2") -- return 1 -> return 2
    expect(vim.bo[story].modified, "story.py is not modified")
    expect(vim.fn.readfile(workspace .. "/story.py")[11] == "    return 1", "story.py was saved")
    vim.cmd("EvalensCall other")
    expect(wait(10000, function()
      local mark = story_mark(10)
      return story_lens(10) == "▶ other() ⇒ 2" or (mark and mark.text == "⇒ 2")
    end), "line 10: lens " .. tostring(story_lens(10)) .. ", mark " .. vim.inspect(story_mark(10)))
    local mark = story_mark(1)
    expect(
      mark and mark.text == "⇒ " .. counted .. " (stale)" and mark.hl == "EvalensStale",
      "line 1 shows " .. vim.inspect(mark)
    )
    local details = api.nvim_buf_get_extmarks(story, evalens.ns, { 0, 0 }, { 0, -1 }, { details = true })[1][4]
    local chunk = details.virt_text[#details.virt_text]
    expect(chunk[1]:sub(-#" (stale)") == " (stale)", "virtual text " .. vim.inspect(details.virt_text))
    -- Every buffer: main.py's `a + 2` result too.
    expect(mark_on(24) == "⇒ 42 (stale)", "main.py line 24 shows " .. tostring(mark_on(24)))
    -- The server marks its lens titles the same way.
    expect(wait(5000, function()
      return story_lens(4) == "▶ spin() ⇒ KeyboardInterrupt (stale)"
    end), "lens on line 4: " .. tostring(story_lens(4)))
  end)

  step("story: the counter kept its value; evaluated again, its result is fresh", function()
    evaluate_counter()
    expect(wait(10000, function()
      local mark = story_mark(1)
      return mark and mark.text == "⇒ " .. counted and mark.hl == "EvalensValue"
    end), "line 1 shows " .. vim.inspect(story_mark(1)))
    vim.cmd("hide buffer " .. bufnr)
  end)

  local function lens_in(b, line) -- 1-based line
    for _, lens in ipairs(vim.lsp.codelens.get(b)) do
      if lens.range.start.line == line - 1 and lens.command then
        return lens.command.title
      end
    end
    return nil
  end

  local function mark_in(b, line) -- 1-based line
    return mark_text(evalens, b, line)
  end

  local function attached(b)
    return wait(10000, function()
      return evalens.get_client(b) and vim.fn.exists(":EvalensEval") == 2
    end)
  end

  step("lenses stay, moved with an edit, and run before the server answers again", function()
    vim.fn.writefile({ "def seven():", "    return 7" }, workspace .. "/moved.py")
    vim.cmd("edit " .. vim.fn.fnameescape(workspace .. "/moved.py"))
    local b = api.nvim_get_current_buf()
    expect(attached(b), "no evalens client attached to moved.py")
    expect(wait(10000, function()
      return lens_in(b, 1) == "▶ seven()"
    end), "lens on line 1: " .. tostring(lens_in(b, 1)))
    -- No turn of the event loop from the edit to the run: no answer can come in between.
    api.nvim_buf_set_lines(b, 0, 0, false, { "# a note", "" })
    expect(lens_in(b, 3) == "▶ seven()", "after the edit, line 3: " .. tostring(lens_in(b, 3)))
    expect(lens_in(b, 1) == nil, "after the edit, line 1: " .. tostring(lens_in(b, 1)))
    api.nvim_win_set_cursor(0, { 3, 0 })
    vim.lsp.codelens.run()
    expect(not vim.tbl_contains(messages, "No executable codelens found at current line"), "the lens was not found")
    expect(wait(10000, function()
      return lens_in(b, 3) == "▶ seven() ⇒ 7"
    end), "lens on line 3: " .. tostring(lens_in(b, 3)))
  end)

  step("call an imported function: on its def line when its file is in a window, else told", function()
    vim.fn.writefile({ '"""helpers"""', "", "", "def countdown(n):", "    return n - 1" }, workspace .. "/helpers.py")
    vim.fn.writefile({ "from helpers import countdown", "", "x = 1" }, workspace .. "/user.py")
    vim.cmd("edit " .. vim.fn.fnameescape(workspace .. "/helpers.py"))
    local helpers = api.nvim_get_current_buf()
    vim.cmd("split " .. vim.fn.fnameescape(workspace .. "/user.py"))
    local user = api.nvim_get_current_buf()
    expect(attached(user), "no evalens client attached to user.py")
    api.nvim_win_set_cursor(0, { 3, 0 })
    vim.cmd("EvalensCall countdown 3")
    expect(wait(10000, function()
      return mark_in(helpers, 4) == "⇒ 2"
    end), "helpers.py line 4: " .. tostring(mark_in(helpers, 4)))
    expect(#evalens.ui.marks(user) == 0, "user.py shows " .. vim.inspect(evalens.ui.marks(user)))
    vim.cmd("only") -- helpers.py is in no window now
    vim.cmd("EvalensCall countdown 10")
    expect(wait(10000, function()
      return levels["evalens: countdown(10) ⇒ 9"] == vim.log.levels.INFO
    end), "messages: " .. table.concat(messages, " / "))
    expect(output_text():find("── call countdown(10)\n⇒ 9", 1, true), "output: " .. output_text())
    expect(#evalens.ui.marks(user) == 0, "user.py shows " .. vim.inspect(evalens.ui.marks(user)))
  end)

  step(":checkhealth evalens: Neovim, the server and its version, the interpreter, trust", function()
    local status
    evalens.execute(bufnr, "evalens.status", vim.empty_dict(), function(_, result)
      status = result
    end)
    expect(wait(5000, function()
      return status
    end), "no status")
    vim.cmd("checkhealth evalens")
    local text = table.concat(api.nvim_buf_get_lines(0, 0, -1, false), "\n")
    vim.cmd("tabclose")
    local v = vim.version()
    local version = vim.trim(vim.fn.system({ "evalens", "--version" }))
    for _, expected in ipairs({
      string.format("Neovim %d.%d.%d: supported (evalens supports 0.7 through 0.11+)", v.major, v.minor, v.patch),
      "server command `evalens` (" .. vim.fn.exepath("evalens") .. "): " .. version,
      string.format("interpreter: %s (Python %s, idle)", status.executable, status.python),
      "workspace " .. workspace .. " is trusted: evalens runs its code",
      "image.nvim is not installed: images a run shows are saved to files; :EvalensOpenImage opens them",
    }) do
      expect(text:find(expected, 1, true), "no " .. vim.inspect(expected) .. " in\n" .. text)
    end
    expect(version:match("^evalens %d"), "evalens --version: " .. version)
  end)

  -- `# %%` cells in a file that exists only in the editor (never saved): ]c / [c, the
  -- cell commands, each cell's result in a virtual line under it, a failure in the middle.
  local cells_buf
  local cells_source = {
    "import math", --  1: before the first cell: in no cell
    "", --  2
    "# %% Load", --  3
    "rows = [3, 1, 2]", --  4
    'note = """', --  5
    "# %% not a cell: inside a string", --  6
    '"""', --  7
    'print("loaded", len(rows))', --  8
    "len(rows)", --  9
    "", -- 10
    "#%% [markdown]", -- 11
    "# Prose, not code: 1 / 0", -- 12
    "", -- 13
    "# %% Total", -- 14
    "total = sum(rows)", -- 15
    "total * 10", -- 16
    "", -- 17
  }

  local function cell_marks(b) -- "line: text (below|eol) hl" for every evalens mark of `b`
    local texts = {}
    for _, mark in ipairs(evalens.ui.marks(b)) do
      local where = mark.below and "below" or "eol"
      table.insert(texts, string.format("%d: %s (%s, %s)", mark.line + 1, mark.text, where, tostring(mark.hl)))
    end
    return table.concat(texts, " | ")
  end

  local function cursor_line()
    return api.nvim_win_get_cursor(0)[1]
  end

  local function screen_below(line) -- what Neovim draws in the screen row under 1-based `line`
    vim.cmd("redraw")
    local row = vim.fn.screenpos(0, line, 1).row
    if row == 0 then
      return nil
    end
    local text = ""
    for col = 1, vim.o.columns do
      text = text .. vim.fn.screenstring(row + 1, col)
    end
    return vim.trim(text)
  end

  local function press(keys, line) -- `keys` (mappings applied), then the cursor is on 1-based `line`
    vim.cmd("normal " .. keys)
    expect(wait(5000, function()
      return cursor_line() == line
    end), keys .. ": the cursor is on line " .. cursor_line() .. ", not " .. line)
  end

  step("cells: a file with 3 cells (one markdown), never saved, attaches", function()
    vim.cmd("only")
    vim.cmd("edit " .. vim.fn.fnameescape(workspace .. "/analysis.py"))
    cells_buf = api.nvim_get_current_buf()
    api.nvim_buf_set_lines(cells_buf, 0, -1, false, cells_source)
    expect(vim.fn.filereadable(workspace .. "/analysis.py") == 0, "analysis.py was saved")
    expect(attached(cells_buf), "no evalens client attached to analysis.py")
    local map = vim.fn.maparg("]c", "n", false, true)
    expect(map.buffer == 1 and map.desc == "evalens: next cell", "]c is " .. vim.inspect(map))
    map = vim.fn.maparg("[c", "o", false, true)
    expect(map.buffer == 1 and map.desc == "evalens: previous cell", "[c (operator-pending) is " .. vim.inspect(map))
  end)

  step("cells: ]c / [c move between the markers the server found (not the # %% in a string)", function()
    api.nvim_win_set_cursor(0, { 1, 0 })
    press("]c", 3)
    press("]c", 11) -- past line 6, inside a string
    press("]c", 14)
    vim.cmd("normal ]c") -- the last cell: nowhere further
    vim.wait(300)
    expect(cursor_line() == 14, "]c on the last marker moved to " .. cursor_line())
    press("[c", 11)
    press("[c", 3)
    press("2]c", 14)
    api.nvim_win_set_cursor(0, { 16, 3 })
    press("[c", 14) -- inside a cell: to its own marker
    press("\15", 16) -- <C-o>: the jump came from line 16
    -- Operator-pending: y]c from a marker yanks the cell, linewise (the motion ends in column 0).
    api.nvim_win_set_cursor(0, { 3, 0 })
    vim.cmd('normal "ay]c')
    local yanked = vim.fn.getreg("a")
    local expected = table.concat(vim.list_slice(cells_source, 3, 10), "\n") .. "\n"
    local kind = vim.fn.getregtype("a")
    expect(yanked == expected and kind == "V", "y]c yanked " .. vim.inspect(yanked) .. " " .. kind)
    expect(cursor_line() == 3, "y]c moved the cursor to " .. cursor_line())
    -- In a diff window ]c is Vim's: the next change.
    local win = api.nvim_get_current_win()
    vim.cmd("vertical new")
    local changed = vim.deepcopy(cells_source)
    changed[16] = "total * 100"
    api.nvim_buf_set_lines(0, 0, -1, false, changed)
    vim.cmd("diffthis")
    api.nvim_set_current_win(win)
    vim.cmd("diffthis")
    api.nvim_win_set_cursor(0, { 1, 0 })
    vim.cmd("normal ]c")
    local in_diff = cursor_line()
    vim.cmd("diffoff!")
    vim.cmd("only!")
    vim.cmd("normal! zR")
    expect(in_diff == 16, "]c in a diff window went to line " .. in_diff)
  end)

  step("cells: keys = false sets none; a key already mapped is left alone", function()
    local cells = require("evalens.cells")
    local scratch = api.nvim_create_buf(true, false)
    local keys = evalens.config.keys
    evalens.config.keys = false
    cells.set_keys(scratch)
    evalens.config.keys = keys
    local mine = api.nvim_create_buf(true, false)
    vim.keymap.set("n", "[c", "<Nop>", { buffer = mine, desc = "mine" })
    cells.set_keys(mine)
    api.nvim_buf_call(scratch, function()
      expect(vim.fn.maparg("]c", "n") == "", "keys = false: ]c is " .. vim.fn.maparg("]c", "n"))
    end)
    api.nvim_buf_call(mine, function()
      expect(vim.fn.maparg("[c", "n", false, true).desc == "mine", "[c is not the user's")
      expect(vim.fn.maparg("]c", "n", false, true).desc == "evalens: next cell", "]c is not set")
    end)
    vim.cmd("bwipeout! " .. scratch .. " " .. mine)
  end)

  step("cells: :EvalensRunCell shows the cell's value in a line under it, output in evalens://output", function()
    api.nvim_win_set_cursor(0, { 5, 0 })
    vim.cmd("EvalensRunCell")
    expect(wait(10000, function()
      return cell_marks(cells_buf) == "9: ⇒ 3 (below, EvalensValue)"
    end), "marks: " .. cell_marks(cells_buf))
    expect(screen_below(9) == "⇒ 3", "under line 9 the screen shows " .. vim.inspect(screen_below(9)))
    expect(screen_below(8) == "len(rows)", "under line 8 the screen shows " .. vim.inspect(screen_below(8)))
    expect(output_text():find("── cell analysis.py:5\nloaded 3", 1, true), "output: " .. output_text())
  end)

  step("cells: the result moves with an edit and is replaced when its cell runs again", function()
    api.nvim_buf_set_lines(cells_buf, 0, 0, false, { "# a note", "" })
    local moved = cell_marks(cells_buf)
    expect(moved == "11: ⇒ 3 (below, EvalensValue)", "after the edit above: " .. moved)
    api.nvim_buf_set_lines(cells_buf, 11, 11, false, { "len(rows) * 2" }) -- a new last line of the cell
    api.nvim_win_set_cursor(0, { 6, 0 })
    vim.cmd("EvalensRunCell")
    expect(wait(10000, function()
      return cell_marks(cells_buf) == "12: ⇒ 6 (below, EvalensValue)"
    end), "marks: " .. cell_marks(cells_buf))
    api.nvim_buf_set_lines(cells_buf, 0, -1, false, cells_source)
    evalens.ui.clear(cells_buf)
  end)

  step("cells: a cursor in no cell, or in a markdown cell, is told in one short line", function()
    api.nvim_win_set_cursor(0, { 1, 0 })
    vim.cmd("EvalensRunCell")
    local told = "evalens: line 1 is in no cell; the first cell starts at line 3"
    expect(wait(10000, function()
      return levels[told] == vim.log.levels.WARN
    end), "messages: " .. table.concat(messages, " / "))
    expect(vim.fn.strdisplaywidth(told) < vim.o.columns, "longer than the screen: a Press ENTER prompt")
    api.nvim_win_set_cursor(0, { 12, 0 })
    vim.cmd("EvalensRunCell")
    expect(wait(10000, function()
      return levels["evalens: a markdown cell: nothing to run"] == vim.log.levels.INFO
    end), "messages: " .. table.concat(messages, " / "))
    expect(cell_marks(cells_buf) == "", "marks: " .. cell_marks(cells_buf))
  end)

  step("cells: :EvalensRunBelow from the first cell runs every code cell and shows each under it", function()
    api.nvim_win_set_cursor(0, { 3, 0 })
    vim.cmd("EvalensRunBelow")
    expect(wait(10000, function()
      return cell_marks(cells_buf) == "9: ⇒ 3 (below, EvalensValue) | 16: ⇒ 60 (below, EvalensValue)"
    end), "marks: " .. cell_marks(cells_buf))
    expect(screen_below(16) == "⇒ 60", "under line 16 the screen shows " .. vim.inspect(screen_below(16)))
    expect(output_text():find("── cells below analysis.py:3\nloaded 3", 1, true), "output: " .. output_text())
    -- A run that brings code up to date makes them stale, as every result.
    evalens.ui.mark_stale()
    local stale = "9: ⇒ 3 (stale) (below, EvalensStale) | 16: ⇒ 60 (stale) (below, EvalensStale)"
    expect(cell_marks(cells_buf) == stale, "marked stale: " .. cell_marks(cells_buf))
  end)

  step("cells: the result of a cell at the bottom of the window is scrolled into sight", function()
    vim.cmd("split")
    vim.cmd("resize 8")
    vim.fn.winrestview({ topline = 9, lnum = 16, col = 0 }) -- lines 9-16 in sight, the cursor on 16
    vim.cmd("redraw")
    expect(vim.fn.line("w$") == 16, "line 16 is not the last line in sight: " .. vim.fn.line("w$"))
    evalens.ui.clear(cells_buf)
    vim.cmd("EvalensRunCell")
    expect(wait(10000, function()
      return cell_marks(cells_buf) == "16: ⇒ 60 (below, EvalensValue)"
    end), "marks: " .. cell_marks(cells_buf))
    expect(screen_below(16) == "⇒ 60", "under line 16 the screen shows " .. vim.inspect(screen_below(16)))
    expect(cursor_line() == 16, "the cursor moved to " .. cursor_line())
    vim.cmd("only")
  end)

  step("cells: the Run cell lens runs through the plugin: its value under the cell", function()
    evalens.ui.clear(cells_buf)
    expect(wait(10000, function()
      return lens_in(cells_buf, 14) ~= nil
    end), "no lens on line 14")
    local titles
    vim.ui.select = function(items, opts, on_choice)
      titles = {}
      for i, item in ipairs(items) do
        local title = opts.format_item and opts.format_item(item) or tostring(item)
        table.insert(titles, title)
        if title:find("^Run cell") then
          on_choice(item, i)
          return
        end
      end
      on_choice(nil, nil)
    end
    api.nvim_win_set_cursor(0, { 14, 0 })
    vim.lsp.codelens.run()
    expect(wait(10000, function()
      return cell_marks(cells_buf) == "16: ⇒ 60 (below, EvalensValue)"
    end), "marks: " .. cell_marks(cells_buf) .. "; lenses: " .. vim.inspect(titles))
  end)

  step("cells: ⋯ under a running cell; :EvalensInterrupt leaves KeyboardInterrupt there", function()
    vim.cmd("edit " .. vim.fn.fnameescape(workspace .. "/loop.py"))
    local b = api.nvim_get_current_buf()
    api.nvim_buf_set_lines(b, 0, -1, false, { "# %% Spin", "while True:", "    pass", "", "" })
    expect(attached(b), "no evalens client attached to loop.py")
    api.nvim_win_set_cursor(0, { 1, 0 })
    vim.cmd("EvalensRunCell")
    expect(wait(5000, function()
      return cell_marks(b) == "3: ⋯ (below, EvalensPending)"
    end), "marks: " .. cell_marks(b))
    vim.wait(300)
    vim.cmd("EvalensInterrupt")
    expect(wait(8000, function()
      return cell_marks(b) == "3: ✗ KeyboardInterrupt (below, EvalensInterrupted)"
    end), "marks: " .. cell_marks(b))
    vim.cmd("bwipeout! " .. b) -- see the end of the next step
  end)

  step("cells: a failing cell in the middle stops the rest and shows its error (a diagnostic too)", function()
    local steps_source = {
      "# %%", -- 1
      "first = 1", -- 2
      "first", -- 3
      "# %% Boom", -- 4
      "1 / 0", -- 5
      "", -- 6
      "# %% Third", -- 7
      "third = 3", -- 8
      "third", -- 9
      "# %% Check", -- 10
      "'third' in globals(), first", -- 11
    }
    vim.cmd("edit " .. vim.fn.fnameescape(workspace .. "/steps.py"))
    local b = api.nvim_get_current_buf()
    api.nvim_buf_set_lines(b, 0, -1, false, steps_source)
    expect(attached(b), "no evalens client attached to steps.py")
    api.nvim_win_set_cursor(0, { 2, 0 })
    vim.cmd("EvalensRunBelow")
    local expected = "3: ⇒ 1 (below, EvalensValue) | 5: ✗ ZeroDivisionError: division by zero (below, EvalensError)"
    expect(wait(10000, function()
      return cell_marks(b) == expected
    end), "marks: " .. cell_marks(b))
    expect(wait(5000, function()
      for _, d in ipairs(vim.diagnostic.get(b)) do
        if d.source == "evalens" and d.lnum == 4 and d.message == "ZeroDivisionError: division by zero" then
          return true
        end
      end
    end), "diagnostics: " .. vim.inspect(vim.diagnostic.get(b)))
    expect(output_text():find('File "' .. workspace .. '/steps.py", line 5', 1, true), "output: " .. output_text())
    -- The third cell did not run: the check cell, run alone, says so.
    api.nvim_win_set_cursor(0, { 11, 0 })
    vim.cmd("EvalensRunCell")
    expect(wait(10000, function()
      return cell_marks(b) == expected .. " | 11: ⇒ (False, 1) (below, EvalensValue)"
    end), "marks: " .. cell_marks(b))
    -- The server brings every open document it ran cells of up to date before any other
    -- run, re-running their changed statements (`1 / 0` here): main.py's runs below would
    -- fail with this ZeroDivisionError. Closed, they are left alone.
    vim.cmd("bwipeout! " .. b .. " " .. cells_buf)
  end)

  step("back to main.py", function()
    vim.cmd("buffer " .. bufnr)
    vim.cmd("only")
  end)

  step("run the module as __main__", function()
    vim.cmd("EvalensRunModule")
    expect(wait(10000, function()
      return output_text():find("ran as main", 1, true) and mark_on(#source) == "✓"
    end), "output: " .. output_text() .. " mark: " .. tostring(mark_on(#source)))
  end)

  step("restart", function()
    vim.cmd("EvalensRestart")
    expect(wait(10000, function()
      for _, m in ipairs(messages) do
        if m:find("interpreter restarted", 1, true) then
          return true
        end
      end
      return false
    end), "messages: " .. table.concat(messages, " / "))
    expect(#evalens.ui.marks(bufnr) == 0, "results not cleared: " .. marks_text())
  end)

  -- Jupyter kernels (docs/protocol.md, "Jupyter kernels"): the `python3` kernelspec is the
  -- test venv's ipykernel, registered in this home as the README says; the server has
  -- jupyter_client (`pipx inject evalens jupyter_client`). The picker is vim.ui.select,
  -- stubbed here as a user's choice.
  local kernel_buf
  local probe = "__import__('sys').modules.get('ipykernel') is not None" -- True only in a kernel
  local function told(pattern, level) -- the message told at `level` that matches `pattern`
    for _, m in ipairs(messages) do
      if m:find(pattern) and levels[m] == level then
        return m
      end
    end
    return nil
  end
  local function pick(choose) -- stub vim.ui.select: `choose(labels)` gives the label to pick
    local seen = {}
    vim.ui.select = function(items, opts, on_choice)
      for _, item in ipairs(items) do
        table.insert(seen, opts.format_item(item))
      end
      local wanted = choose(seen)
      for i, item in ipairs(items) do
        if opts.format_item(item) == wanted then
          return on_choice(item, i)
        end
      end
      on_choice(nil, nil)
    end
    return seen
  end

  step("kernels: :EvalensKernel lists the interpreters; picking the python3 kernelspec starts it", function()
    vim.cmd("edit " .. vim.fn.fnameescape(workspace .. "/kernel.py"))
    kernel_buf = api.nvim_get_current_buf()
    api.nvim_buf_set_lines(kernel_buf, 0, -1, false, { probe })
    expect(attached(kernel_buf), "no evalens client attached to kernel.py")
    expect(evalens.kernel_status() == "", "kernel_status: " .. vim.inspect(evalens.kernel_status()))
    local labels = pick(function(seen)
      for _, label in ipairs(seen) do
        if label:find("^kernelspec python3") then
          return label
        end
      end
    end)
    vim.cmd("EvalensKernel")
    local attached_to
    expect(wait(30000, function()
      attached_to = told("^evalens: kernel python3 %(Python %d+%.%d+%.%d+, pid %d+%)$", vim.log.levels.INFO)
      return attached_to
    end), "messages: " .. table.concat(messages, " / ") .. "; picker: " .. vim.inspect(labels))
    log("  " .. attached_to)
    expect(labels[1] == "evalens' own interpreter (in use)", "picker: " .. vim.inspect(labels))
    expect(vim.tbl_contains(labels, "kernelspec python3: Python 3 (ipykernel)"), "picker: " .. vim.inspect(labels))
    expect(labels[#labels] == "Jupyter Server or Gateway…", "picker: " .. vim.inspect(labels))
    expect(evalens.kernel_status() == "python3", "kernel_status: " .. vim.inspect(evalens.kernel_status()))
    local completions = vim.fn.getcompletion("EvalensKernel ", "cmdline")
    expect(vim.tbl_contains(completions, "null") and vim.tbl_contains(completions, '{"spec":"python3"}'),
      "completions: " .. vim.inspect(completions))
  end)

  step("kernels: code runs in the kernel; :EvalensStatus names it", function()
    vim.cmd("1EvalensEval")
    expect(wait(15000, function()
      return mark_in(kernel_buf, 1) == "⇒ True"
    end), "line 1 shows " .. tostring(mark_in(kernel_buf, 1)))
    vim.cmd("EvalensStatus")
    expect(wait(5000, function()
      return told("^evalens: idle, pid %d+, %d+%.%d+%.%d+, kernel python3$", vim.log.levels.INFO)
    end), "messages: " .. table.concat(messages, " / "))
  end)

  local token_typed = "s3cret-token-never-shown"
  step("kernels: a Jupyter Server asks its URL (vim.ui.input) and token (inputsecret); its failure is an ERROR", function()
    local token = token_typed
    local input, inputsecret = vim.ui.input, vim.fn.inputsecret
    local asked = {}
    vim.ui.input = function(opts, on_confirm)
      table.insert(asked, opts.prompt)
      on_confirm("http://127.0.0.1:9")
    end
    vim.fn.inputsecret = function(prompt)
      table.insert(asked, prompt)
      return token
    end
    local labels = pick(function(seen)
      return seen[#seen]
    end)
    local ok, err = pcall(function()
      local before = #messages
      vim.cmd("EvalensKernel")
      local failure
      expect(wait(20000, function()
        failure = told("^evalens: evalens%.attach: .*127%.0%.0%.1:9", vim.log.levels.ERROR)
        return failure
      end), "messages: " .. table.concat(messages, " / ") .. "; asked: " .. vim.inspect(asked))
      log("  " .. failure)
      expect(labels[1] == "evalens' own interpreter" and labels[2]:find(" %(in use%)$"), "picker: " .. vim.inspect(labels))
      expect(#asked == 2 and asked[1] == "Jupyter Server URL: ", "asked: " .. vim.inspect(asked))
      expect(asked[2] == "Token for http://127.0.0.1:9 (empty: none): ", "asked: " .. vim.inspect(asked))
      for i = before + 1, #messages do
        expect(not messages[i]:find(token, 1, true), "the token was told: " .. messages[i])
      end
      expect(vim.fn.histget("input", -1) ~= token, "the token is in the input history")
      -- The server keeps the setting (the next run tries it again), and the statusline says so.
      expect(wait(5000, function()
        return evalens.kernel_status() == "default@127.0.0.1:9"
      end), "kernel_status: " .. vim.inspect(evalens.kernel_status()))
    end)
    vim.ui.input, vim.fn.inputsecret = input, inputsecret
    expect(ok, err)
  end)

  step("kernels: with a Jupyter Server in use, its kernels and kernelspecs are entries (its setting, the token)", function()
    local kernels = require("evalens.kernels")
    local answer = {
      specs = {},
      running = {},
      server = { { id = "k-1", name = "python3", state = "idle" } },
      serverSpecs = { { name = "python3", displayName = "Python 3 (ipykernel)", language = "python" } },
    }
    local current = { url = "http://127.0.0.1:9", allowInsecure = true, id = "k-1" }
    local items = kernels.entries(answer, current)
    local labels = vim.tbl_map(function(item)
      return item.label
    end, items)
    expect(vim.deep_equal(labels, {
      "evalens' own interpreter",
      "server kernel python3 k-1 (idle) (in use)",
      "server kernelspec python3: Python 3 (ipykernel)",
      "Jupyter Server or Gateway…",
    }), "entries: " .. vim.inspect(labels))
    -- The token typed for that url in the step before is kept (in memory) for its kernels.
    local by_id, by_spec = items[2], items[3]
    local url, token = "http://127.0.0.1:9", token_typed
    local expected = { url = url, allowInsecure = true, id = "k-1", token = token }
    expect(vim.deep_equal(by_id.kernel, expected) and not by_id.ask_token, "server kernel: " .. vim.inspect(by_id))
    expected = { url = url, allowInsecure = true, spec = "python3", token = token }
    expect(vim.deep_equal(by_spec.kernel, expected), "server kernelspec: " .. vim.inspect(by_spec))
    local other = kernels.entries(answer, { url = "http://127.0.0.1:10" })[2]
    expect(other.ask_token and other.kernel.token == nil, "another server: " .. vim.inspect(other))
  end)

  step("kernels: :EvalensKernel null goes back to evalens' own interpreter; a bad value is told", function()
    vim.cmd("EvalensKernel {oops")
    expect(told("^evalens: usage: :EvalensKernel", vim.log.levels.ERROR), "messages: " .. table.concat(messages, " / "))
    vim.cmd("EvalensKernel null")
    expect(wait(15000, function()
      return told("^evalens: evalens' own interpreter %(Python %d+%.%d+%.%d+, pid %d+%)$", vim.log.levels.INFO)
    end), "messages: " .. table.concat(messages, " / "))
    expect(evalens.kernel_status() == "", "kernel_status: " .. vim.inspect(evalens.kernel_status()))
    vim.cmd("1EvalensEval")
    expect(wait(15000, function()
      return mark_in(kernel_buf, 1) == "⇒ False"
    end), "line 1 shows " .. tostring(mark_in(kernel_buf, 1)))
    vim.cmd("bwipeout! " .. kernel_buf)
    vim.cmd("buffer " .. bufnr)
  end)

  -- A textual transcript of what the user sees, for the README.
  local transcript_path = os.getenv("EVALENS_TRANSCRIPT")
  if transcript_path and not failed then
    step("transcript", function()
      evalens.ui.clear(bufnr)
      vim.cmd("23,24EvalensEval")
      vim.cmd("EvalensCall main")
      vim.cmd("EvalensCall double 2.5")
      vim.cmd("EvalensCall boom")
      expect(wait(10000, function()
        return mark_on(24) == "⇒ 42"
          and mark_on(4) == "⇒ 5.0"
          and lens_title(13) == "▶ boom() ⇒ ZeroDivisionError: division by zero"
          and lens_title(8) == "▶ main() ⇒ 42"
          and #vim.diagnostic.get(bufnr) > 0
      end), "marks: " .. marks_text())
      local lines = {}
      local lens_lines = {}
      for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
        lens_lines[lens.range.start.line + 1] = lens.command and lens.command.title
      end
      local diagnostics = {}
      for _, d in ipairs(vim.diagnostic.get(bufnr)) do
        diagnostics[d.lnum + 1] = d.message
      end
      for i, text in ipairs(api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
        local extra = {}
        if lens_lines[i] then
          table.insert(extra, lens_lines[i])
        end
        if mark_on(i) then
          table.insert(extra, mark_on(i))
        end
        if diagnostics[i] then
          table.insert(extra, "■ " .. diagnostics[i])
        end
        local line = string.format("%2d  %s", i, text)
        if #extra > 0 then
          line = line .. string.rep(" ", math.max(1, 30 - vim.fn.strdisplaywidth(line))) .. table.concat(extra, "  ")
        end
        table.insert(lines, line)
      end
      table.insert(lines, "")
      table.insert(lines, "evalens://output:")
      for _, text in ipairs(api.nvim_buf_get_lines(evalens.ui.output_buffer(), 0, -1, false)) do
        table.insert(lines, "  " .. text)
      end
      vim.fn.writefile(lines, transcript_path)
    end)
  end

  if evalens.get_client(bufnr) then
    vim.lsp.stop_client(evalens.get_client(bufnr).id)
    vim.wait(2000, function()
      return evalens.get_client(bufnr) == nil
    end, 50)
  end
  log("messages: " .. table.concat(messages, " / "))
end

local ok_main, main_err = xpcall(main, debug.traceback)
if not ok_main then
  log("FAIL script: " .. tostring(main_err))
  failed = true
end
finish()
