-- The variables view (docs/protocol.md, "Variables"): `:EvalensVariables` opens (or focuses)
-- the scratch buffer evalens://variables, listing the module namespace of the buffer it was
-- run from, one line per entry:
--
--   main.py · 2 variables
--   ▸ numbers  list  len 3  [10, 20, 30]
--     total  int  42
--
-- `▸` marks an entry with children: `<CR>` expands it (`▾`, its children indented under it)
-- or collapses it; `… N more` ends a list with more entries than shown, and `<CR>` on it loads
-- the next page. `a` lists every name (also `_` names, modules, functions, classes) or only
-- variables again, `R` asks again, `q` closes the window.
--
-- The pages are the server's `evalens.variables`, read in the idle interpreter without running
-- any user code. After each run in the view's module the server says `evalens/variablesChanged`:
-- the view asks again for what it shows (refs last until the next run, so an expanded entry is
-- expanded again by its path of names from the fresh refs, or collapsed when it is gone). While
-- code runs the server refuses (`busy`): told in one line, and the view refreshes when it ends.

local api = vim.api
local lsp = require("evalens.lsp")
local protocol = require("evalens.protocol")
local run = require("evalens.run")
local ui = require("evalens.ui")

local M = {}

M.name = "evalens://variables"
--- Entries asked for per page (the server's default; at most 1000).
M.page_size = 100
M.markers = { collapsed = "▸", expanded = "▾", leaf = " " }
M.busy_message = "the interpreter is busy running code; the variables view refreshes when it ends"

local INVALID_PARAMS = -32602
local MAX_COUNT = 1000

-- The view: its buffer, the Python buffer (and its uri) whose module it lists, whether every
-- name is listed, the tree shown (`root`: a node), and what each line shows.
-- A node: { name, type, repr, ref, size, expanded, children = {nodes} | nil, total }.
local view = {
  bufnr = nil,
  source = nil,
  uri = nil,
  all = false,
  root = nil,
  note = nil, -- a line shown while there is no tree (the interpreter was busy)
  lines = {}, -- 1-based line -> { node = node } | { more = parent node }
  generation = 0, -- bumped by each refresh: the answers of an older one are dropped
  pending = false, -- a refresh has not finished
}

local function present(x)
  return x ~= nil and x ~= vim.NIL
end

--- The reason of a refusal (`busy`, `staleRef`), or nil.
local function reason(err)
  if type(err) == "table" and err.code == INVALID_PARAMS and type(err.data) == "table" then
    return err.data.reason
  end
  return nil
end

--- One line of text: a repr or a dict key could hold a newline only through a bug, but a
--- buffer line cannot.
local function one_line(text)
  return (tostring(text):gsub("\n", "\\n"))
end

--- The line an entry is shown as, at `depth` (0 for the namespace's own).
function M.format(node, depth)
  local marker = M.markers.leaf
  if present(node.ref) then
    marker = node.expanded and M.markers.expanded or M.markers.collapsed
  end
  local parts = { string.rep("  ", depth) .. marker .. " " .. one_line(node.name), one_line(node.type) }
  if present(node.size) then
    table.insert(parts, "len " .. tostring(node.size))
  end
  table.insert(parts, one_line(node.repr))
  return table.concat(parts, "  ")
end

local function basename(bufnr)
  if bufnr and api.nvim_buf_is_valid(bufnr) then
    return run.short_name(bufnr)
  end
  return "?"
end

local function header()
  local root = view.root
  if not root then
    return basename(view.source) .. " · …"
  end
  local count = root.total
  local what = view.all and (count == 1 and "name" or "names") or (count == 1 and "variable" or "variables")
  return string.format("%s · %d %s%s", basename(view.source), count, what, view.all and " (all)" or "")
end

local function render()
  local b = view.bufnr
  if not (b and api.nvim_buf_is_valid(b)) then
    return
  end
  local lines, items = { header() }, { false }
  local function add(nodes, total, depth, parent)
    for _, node in ipairs(nodes) do
      table.insert(lines, M.format(node, depth))
      table.insert(items, { node = node })
      if node.expanded and node.children then
        add(node.children, node.total, depth + 1, node)
      end
    end
    if total > #nodes then
      table.insert(lines, string.rep("  ", depth) .. string.format("  … %d more", total - #nodes))
      table.insert(items, { more = parent })
    end
  end
  if view.root then
    add(view.root.children, view.root.total, 0, view.root)
    if view.root.total == 0 then
      table.insert(lines, view.all and "(no names)" or "(no variables)")
      table.insert(items, false)
    end
  elseif view.note then
    table.insert(lines, view.note)
    table.insert(items, false)
  end
  view.lines = items
  vim.bo[b].modifiable = true
  api.nvim_buf_set_lines(b, 0, -1, false, lines)
  vim.bo[b].modifiable = false
  vim.bo[b].modified = false
end

--- A node of an entry of a page, under the node with key `parent_key`.
local function node_of(entry, parent_key)
  local name = present(entry.name) and tostring(entry.name) or ""
  return {
    key = parent_key .. "\0" .. name, -- its path of names: what stays from run to run
    name = name,
    type = present(entry.type) and entry.type or "",
    repr = present(entry.repr) and entry.repr or "",
    ref = present(entry.ref) and entry.ref or nil,
    size = present(entry.size) and entry.size or nil,
    truncated = entry.truncated == true,
    expanded = false,
  }
end

--- Ask for `count` entries from `start` of `node` (the root: the namespace; else its
--- children, by its ref); `callback(err, nodes, total)`.
local function fetch(node, start, count, callback)
  local argument = { start = start, count = math.min(math.max(count, 1), MAX_COUNT) }
  if node.ref == nil then
    argument.uri = view.uri
    argument.all = view.all
  else
    argument.ref = node.ref
  end
  local source = view.source
  if not (source and api.nvim_buf_is_valid(source)) then
    callback({ message = "the buffer of the variables view was closed: :EvalensVariables in a Python buffer" })
    return
  end
  local sent = lsp.execute(source, protocol.commands.variables, argument, function(err, result)
    if err or type(result) ~= "table" then
      callback(err or { message = "no answer" })
      return
    end
    local nodes = {}
    for _, entry in ipairs(type(result.variables) == "table" and result.variables or {}) do
      table.insert(nodes, node_of(entry, node.key))
    end
    callback(nil, nodes, tonumber(result.total) or #nodes)
  end)
  if not sent then
    callback({ told = true }) -- lsp.execute told why
  end
end

--- Tell a refusal in one line: busy (it refreshes when the run ends), else the server's words.
local function tell(err, quiet)
  if quiet or (type(err) == "table" and err.told) then
    return
  elseif reason(err) == "busy" then
    ui.notify(M.busy_message, vim.log.levels.WARN)
  else
    run.tell_error(err)
  end
end

-- What the user asked to see, kept apart from the tree (whose refs last one run): the entries
-- expanded, by key (their path of names), and how many entries of each list are loaded.
local ROOT = ""
local wanted = { [ROOT] = M.page_size } -- key -> entries to load

--- Ask again for everything shown: the namespace's pages loaded so far, then each expanded
--- entry's children, by its path of names (from the fresh refs); one gone, or with nothing to
--- expand now, is collapsed. Shown at once when every answer came. `quiet`: a busy interpreter
--- is not told (after a notification: another one comes when that run ends). `callback(ok)`.
function M.refresh(quiet, callback)
  view.generation = view.generation + 1
  local generation = view.generation
  local root = { key = ROOT, children = {}, total = 0, expanded = true }
  local waiting, failed, found = 0, nil, { [ROOT] = true }
  view.pending = true
  local function settle()
    waiting = waiting - 1
    if waiting > 0 or generation ~= view.generation then
      return
    end
    view.pending = false
    if failed then
      tell(failed, quiet or reason(failed) == "staleRef") -- once, not once per request
      if reason(failed) == "busy" and not view.root then
        view.note = M.busy_message
      end
    else
      view.root, view.note = root, nil
      for key in pairs(wanted) do
        if not found[key] then -- gone, or nothing to expand now: collapsed
          wanted[key] = nil
        end
      end
    end
    render()
    if callback then
      callback(not failed)
    end
  end
  local function load(node)
    waiting = waiting + 1
    fetch(node, 0, wanted[node.key] or M.page_size, function(err, nodes, total)
      if generation ~= view.generation then
        return
      end
      if err then
        if node == root or reason(err) == "busy" then
          failed = failed or err
        else -- gone stale meanwhile: the notification of that run refreshes again
          node.expanded = false
        end
      else
        node.children, node.total, node.expanded = nodes, total, true
        for _, child in ipairs(nodes) do
          if wanted[child.key] and child.ref then
            found[child.key] = true
            load(child)
          end
        end
      end
      settle()
    end)
  end
  load(root)
end

--- Move the cursor of the view's windows to 1-based `line` (kept in the buffer).
local function keep_cursor(line)
  for _, win in ipairs(api.nvim_list_wins()) do
    if api.nvim_win_get_buf(win) == view.bufnr then
      local last = api.nvim_buf_line_count(view.bufnr)
      api.nvim_win_set_cursor(win, { math.max(1, math.min(line, last)), 0 })
    end
  end
end

--- Load `count` more entries of `node` from `start` (its first page when 0), as the user just
--- asked (`wanted` says so already). A refresh under way, or a ref gone stale, is left to a
--- refresh, which reads `wanted`; so is a page whose answer comes after a newer refresh began.
local function load_page(node, start, line, callback)
  if view.pending then
    return M.refresh(true, callback)
  end
  local generation = view.generation
  fetch(node, start, M.page_size, function(err, nodes, total)
    if generation ~= view.generation then
      return callback(false)
    end
    if err then
      if reason(err) == "staleRef" then
        return M.refresh(true, callback)
      end
      tell(err)
      return callback(false)
    end
    if start == 0 then
      node.children = nodes
    else
      vim.list_extend(node.children, nodes)
    end
    node.total, node.expanded = total, true
    render()
    keep_cursor(line)
    callback(true)
  end)
end

--- `<CR>` on 1-based `line`: expand or collapse its entry, or load the next page of `… N more`.
--- `callback(ok)` when given.
function M.activate(line, callback)
  callback = callback or function() end
  local item = view.lines[line]
  if not item then
    return callback(false)
  end
  local node = item.node
  if node then
    if not node.ref then
      return callback(false)
    end
    if node.expanded then
      wanted[node.key], node.expanded, node.children = nil, false, nil
      render()
      keep_cursor(line)
      return callback(true)
    end
    wanted[node.key] = M.page_size
    return load_page(node, 0, line, callback)
  end
  local parent = item.more
  wanted[parent.key] = #parent.children + M.page_size
  load_page(parent, #parent.children, line, callback)
end

--- `a`: every name (also `_` names, modules, functions, classes), or variables only again.
function M.toggle_all(callback)
  view.all = not view.all
  M.refresh(false, callback)
end

local function buffer()
  if view.bufnr and api.nvim_buf_is_valid(view.bufnr) then
    return view.bufnr
  end
  local b = ui.scratch_buffer(M.name, "evalens-variables", false)
  vim.bo[b].modifiable = false
  local function map(lhs, fn, desc)
    vim.keymap.set("n", lhs, fn, { buffer = b, nowait = true, silent = true, desc = "evalens: " .. desc })
  end
  map("<CR>", function()
    M.activate(api.nvim_win_get_cursor(0)[1])
  end, "expand or collapse the entry, or load more")
  map("a", function()
    M.toggle_all()
  end, "list every name, or variables only")
  map("R", function()
    M.refresh(false)
  end, "refresh")
  map("q", "<cmd>close<CR>", "close")
  view.bufnr = b
  view.lines = {}
  return b
end

--- The view's buffer (nil before `:EvalensVariables`).
function M.buffer()
  return view.bufnr and api.nvim_buf_is_valid(view.bufnr) and view.bufnr or nil
end

--- The lines the view shows.
function M.lines()
  local b = M.buffer()
  return b and api.nvim_buf_get_lines(b, 0, -1, false) or {}
end

--- Whether a refresh is under way.
function M.pending()
  return view.pending
end

--- `:EvalensVariables`: list the module namespace of `bufnr` (default: the current buffer)
--- in evalens://variables, shown in a window (focused). `callback(ok)` when it is shown.
function M.open(bufnr, callback)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  if not lsp.get_client(bufnr) then
    lsp.not_running()
    return
  end
  local uri = vim.uri_from_bufnr(bufnr)
  if uri ~= view.uri then -- another module: its expanded entries mean nothing here
    view.root, view.note = nil, nil
    wanted = { [ROOT] = M.page_size }
  end
  view.source, view.uri = bufnr, uri
  local b = buffer()
  local shown = false
  for _, win in ipairs(api.nvim_list_wins()) do
    if api.nvim_win_get_buf(win) == b then
      api.nvim_set_current_win(win)
      shown = true
      break
    end
  end
  if not shown then
    vim.cmd("botright vsplit")
    api.nvim_win_set_buf(0, b)
    vim.wo.wrap = false
  end
  render()
  M.refresh(false, callback)
end

--- The `evalens/variablesChanged` handler: a run in the view's module ended, ask again; or a
--- new interpreter replaced the one that ran code (`reset`, for whichever module ran last):
--- every entry is gone, the view starts over.
function M.on_changed(_, result)
  if type(result) ~= "table" or not M.buffer() then
    return
  end
  local reset = result.reset == true
  if not reset and result.uri ~= view.uri then
    return
  end
  vim.schedule(function()
    if reset then
      wanted = { [ROOT] = M.page_size }
    end
    M.refresh(true)
  end)
end

return M
