-- Rich output (docs/protocol.md, "Rich output"): the MIME bundles a run shows, each an
-- `evalens/display` notification during the run and again in the Result's `display`.
--
-- A bundle with an image (`image/png`, `image/jpeg`, `image/svg+xml`) is written to a file
-- in a folder of this Neovim session (in the folder of `vim.fn.tempname()`, removed on
-- VimLeavePre), told in one line (`evalens: image 1: /tmp/…/evalens/1.png`) and written in
-- evalens://output, where <CR> on its line opens it, as `:EvalensOpenImage` does
-- (`vim.ui.open` on 0.10+, else `xdg-open` / `open`). With image.nvim installed the image is
-- also drawn in the output window under that line. Any other bundle (HTML, a DataFrame,
-- JSON, markdown) shows its `text/plain` in evalens://output: never HTML source.
--
-- Each bundle is shown once: the notifications come first and are counted per run (the
-- server sends all of a run's displays before its Result, in the Result's order), so the
-- Result's `display` shows only those past that count. A bundle of no run (`uri` null: a
-- thread between runs) is shown at once and counted for none.

local api = vim.api
local config = require("evalens.config")
local ui = require("evalens.ui")

local M = {}

--- The images saved this session, in order: { number, path, mime, width, height }.
M.images = {}

--- Image MIME types, in the order a bundle's image is chosen, with their file extension.
M.image_types = { { "image/png", "png" }, { "image/jpeg", "jpg" }, { "image/svg+xml", "svg" } }
local BINARY = { ["image/png"] = true, ["image/jpeg"] = true }

local folder = nil

-- Base64 ------------------------------------------------------------------------------

local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local VALUE = {}
for i = 1, #ALPHABET do
  VALUE[ALPHABET:byte(i)] = i - 1
end

--- Decode base64 in Lua (Neovim before 0.10 has no vim.base64): the bytes, or nil and why.
--- LuaJIT's `bit` does the shifts (every Neovim 0.7-0.9 build this plugin knows has it).
function M.base64_decode_lua(text)
  local bit = require("bit")
  local lshift, rshift, band, bor = bit.lshift, bit.rshift, bit.band, bit.bor
  text = text:gsub("[%s]", "")
  local padding = text:match("=*$")
  if #text % 4 ~= 0 or #padding > 2 then
    return nil, "base64 of a length that is not a multiple of 4"
  end
  local out, chunk = {}, {}
  local char = string.char
  local last = #text - #padding -- the last base64 character
  for i = 1, last, 4 do
    local left = last - i + 1 -- characters of this group: 4, or 2 or 3 before the padding
    local a, b, c, d = text:byte(i, i + 3)
    a, b = VALUE[a], VALUE[b]
    c = left >= 3 and VALUE[c] or (left < 3 and 0 or nil)
    d = left >= 4 and VALUE[d] or (left < 4 and 0 or nil)
    if left < 2 or not (a and b and c and d) then
      return nil, "not base64 at character " .. i
    end
    local n = bor(lshift(a, 18), lshift(b, 12), lshift(c, 6), d)
    local x, y, z = rshift(n, 16), band(rshift(n, 8), 255), band(n, 255)
    if left >= 4 then
      chunk[#chunk + 1] = char(x, y, z)
    elseif left == 3 then
      chunk[#chunk + 1] = char(x, y)
    else
      chunk[#chunk + 1] = char(x)
    end
    if #chunk == 4096 then
      out[#out + 1] = table.concat(chunk)
      chunk = {}
    end
  end
  out[#out + 1] = table.concat(chunk)
  return table.concat(out)
end

--- The bytes of base64 `text`: `vim.base64.decode` where it exists (0.10+), else in Lua.
function M.base64_decode(text)
  if vim.base64 and vim.base64.decode then
    local ok, bytes = pcall(vim.base64.decode, (text:gsub("%s", "")))
    if ok then
      return bytes
    end
    return nil, tostring(bytes)
  end
  return M.base64_decode_lua(text)
end

-- Files -------------------------------------------------------------------------------

--- This session's folder of images (made on first use, removed when Neovim exits).
function M.folder()
  if folder and vim.fn.isdirectory(folder) == 1 then
    return folder
  end
  folder = vim.fn.fnamemodify(vim.fn.tempname(), ":h") .. "/evalens"
  vim.fn.mkdir(folder, "p")
  api.nvim_create_autocmd("VimLeavePre", {
    group = api.nvim_create_augroup("evalens_images", { clear = true }),
    callback = function()
      vim.fn.delete(folder, "rf")
    end,
  })
  return folder
end

--- Width and height of PNG `bytes` (its IHDR), or nil.
local function png_size(bytes)
  if #bytes < 24 or bytes:sub(1, 8) ~= "\137PNG\r\n\26\n" then
    return nil
  end
  local function u32(at)
    local a, b, c, d = bytes:byte(at, at + 3)
    return ((a * 256 + b) * 256 + c) * 256 + d
  end
  return u32(17), u32(21)
end

--- Save the image of `data` (a bundle's data) to a file: the image's entry, or nil (and why).
function M.save(data)
  local mime, ext
  for _, kind in ipairs(M.image_types) do
    if type(data[kind[1]]) == "string" then
      mime, ext = kind[1], kind[2]
      break
    end
  end
  if not mime then
    return nil
  end
  local bytes, why = data[mime], nil
  if BINARY[mime] then
    bytes, why = M.base64_decode(bytes)
    if not bytes then
      return nil, mime .. ": " .. why
    end
  end
  local number = #M.images + 1
  local path = M.folder() .. "/" .. number .. "." .. ext
  local file, err = io.open(path, "wb")
  if not file then
    return nil, tostring(err)
  end
  file:write(bytes)
  file:close()
  local width, height = nil, nil
  if mime == "image/png" then
    width, height = png_size(bytes)
  end
  local image = { number = number, path = path, mime = mime, width = width, height = height }
  table.insert(M.images, image)
  return image
end

-- Opening -----------------------------------------------------------------------------

--- Open `path` in the system's viewer: `vim.ui.open` (0.10+), else `xdg-open` (`open` on macOS).
function M.open(path)
  if vim.ui.open then
    local ok, opened, err = pcall(vim.ui.open, path)
    if not ok or not opened then
      ui.notify("cannot open " .. path .. ": " .. tostring(ok and err or opened), vim.log.levels.ERROR)
      return false
    end
    return true
  end
  local opener = vim.fn.has("mac") == 1 and "open" or "xdg-open"
  -- jobstart raises E475 for a command that is not executable
  local ok, job = pcall(vim.fn.jobstart, { opener, path }, { detach = true })
  if not ok or job <= 0 then
    ui.notify("cannot open " .. path .. ": " .. opener .. " is not installed", vim.log.levels.ERROR)
    return false
  end
  return true
end

local function label(image)
  local size = image.width and string.format(" %d×%d", image.width, image.height) or ""
  return string.format("image %d: %s (%s%s)", image.number, image.path, image.mime, size)
end

--- `:EvalensOpenImage [N]`: image N, else the latest; with `!`, pick one with vim.ui.select.
function M.open_command(opts)
  if #M.images == 0 then
    ui.notify("no image yet: a run that shows one (a matplotlib plot) saves it", vim.log.levels.WARN)
    return
  end
  if opts.bang then
    local items = {}
    for i = #M.images, 1, -1 do
      table.insert(items, M.images[i])
    end
    vim.ui.select(items, { prompt = "evalens image", format_item = label }, function(image)
      if image then
        M.open(image.path)
      end
    end)
    return
  end
  local number = tonumber(opts.args ~= "" and opts.args or #M.images)
  local image = number and M.images[number]
  if not image then
    ui.notify("no image " .. opts.args .. " (1 to " .. #M.images .. ")", vim.log.levels.ERROR)
    return
  end
  M.open(image.path)
end

--- Completion of `:EvalensOpenImage`: the image numbers.
function M.complete(arglead)
  local numbers = {}
  for i = #M.images, 1, -1 do
    if tostring(i):sub(1, #arglead) == arglead then
      table.insert(numbers, tostring(i))
    end
  end
  return numbers
end

--- The image written on the output buffer's line `row` (1-based), or nil.
function M.image_on_line(bufnr, row)
  local text = api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1] or ""
  local number = tonumber(text:match("^image (%d+): "))
  return number and M.images[number]
end

--- <CR> in evalens://output: open the image of the cursor's line (elsewhere <CR> as usual).
local function map_output_key(bufnr)
  if vim.b[bufnr].evalens_image_key then
    return
  end
  vim.b[bufnr].evalens_image_key = true
  vim.keymap.set("n", "<CR>", function()
    local image = M.image_on_line(bufnr, api.nvim_win_get_cursor(0)[1])
    if image then
      M.open(image.path)
    else
      vim.cmd("normal! \r")
    end
  end, { buffer = bufnr, desc = "evalens: open the image on this line" })
end

-- image.nvim --------------------------------------------------------------------------

--- Draw `image` with image.nvim (when installed) in the window of evalens://output, under
--- 0-based `row`. Guarded: any failure leaves the file and its line as they are.
function M.render(image, bufnr, row)
  local ok, plugin = pcall(require, "image")
  if not ok or type(plugin) ~= "table" or type(plugin.from_file) ~= "function" then
    return false
  end
  local drawn, err = pcall(function()
    local win = vim.fn.bufwinid(bufnr)
    if win == -1 then -- show the output under the current window, keeping the cursor there
      local current = api.nvim_get_current_win()
      ui.open_output()
      win = vim.fn.bufwinid(bufnr)
      api.nvim_set_current_win(current)
    end
    local shown = plugin.from_file(image.path, {
      window = win,
      buffer = bufnr,
      with_virtual_padding = true,
      inline = true,
      x = 0,
      y = row,
    })
    if shown then
      shown:render()
    end
    image.shown = shown
  end)
  if not drawn then
    ui.notify("image.nvim could not draw " .. image.path .. ": " .. tostring(err), vim.log.levels.WARN)
  end
  return drawn
end

-- Showing bundles ---------------------------------------------------------------------

local function present(x)
  return x ~= nil and x ~= vim.NIL
end

--- Show one bundle, under `record`'s header in evalens://output (a run of ui.begin_run), or
--- under a header of its own when it belongs to no run.
function M.show(bundle, record)
  local data = type(bundle) == "table" and type(bundle.data) == "table" and bundle.data or {}
  local text = type(data["text/plain"]) == "string" and data["text/plain"] or nil
  local function write(block)
    if record then
      ui.add_to_run(record, block)
    else
      ui.append_block("display", block)
    end
  end
  if record and text then
    record.shown_texts = record.shown_texts or {}
    record.shown_texts[text] = true
  end
  local image, why = M.save(data)
  if not image then
    if why then
      write((text and text .. "\n" or "") .. "evalens: the image could not be saved: " .. why .. "\n")
    elseif text then
      write(text:sub(-1) == "\n" and text or text .. "\n")
    end
    return
  end
  local out = ui.output_buffer()
  write((text and text .. "\n" or "") .. label(image) .. "  <CR> or :EvalensOpenImage opens it\n")
  map_output_key(out)
  local row = api.nvim_buf_line_count(out) - 1
  ui.notify("image " .. image.number .. ": " .. image.path)
  M.render(image, out, row)
  return image
end

--- How many `evalens/display` notifications arrived (for tests and scripts).
M.received = 0

--- The `evalens/display` handler: shown at once, counted for the run it belongs to.
function M.on_notification(_, params)
  if type(params) ~= "table" then
    return
  end
  M.received = M.received + 1
  local record = present(params.uri) and ui.current_run() or nil
  if record then
    record.displayed = (record.displayed or 0) + 1
  end
  M.show(params, record)
  if config.options.open_output then
    ui.open_output()
  end
end

--- A run ended (ui.end_run): the bundles of its Result's `display` past those its
--- notifications showed. Returns the `text/plain`s of its bundles (so that a value's repr
--- equal to one is not written again).
function M.finish_run(record, result)
  local display = type(result) == "table" and result.display
  if type(display) == "table" then
    for i = (record.displayed or 0) + 1, #display do
      M.show(display[i], record)
    end
  end
  return record.shown_texts or {}
end

return M
