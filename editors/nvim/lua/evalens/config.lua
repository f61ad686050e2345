-- evalens options for Neovim: the defaults, the options `setup` was given, and the
-- evalens settings sent to the server (`initializationOptions` and `workspace/configuration`).

local M = {}

local SETTING_KEYS = { "interpreter", "extraPaths", "limits" }

M.defaults = {
  cmd = { "evalens" }, -- the server: the executable `pipx install .` puts on PATH
  trusted = false,
  filetypes = { "python" },
  root_markers = { "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", ".git" },
  settings = {}, -- any other evalens setting, e.g. { limits = { memoryMB = 1024 } }
  codelens = true, -- show code lenses, refreshed on enter, on leaving insert mode and after each run
  open_output = false, -- show `evalens://output` in a split whenever a run prints
  -- vim.diagnostic.config() for the evalens server's diagnostics only (run errors, syntax
  -- errors): their text at the end of the line, also on 0.11 where it is off by default.
  -- false: leave them to your own vim.diagnostic.config().
  diagnostics = { virtual_text = true },
  max_width = 120, -- longest virtual text; longer values go to the output buffer in full
  -- Buffer-local keys set on attach (normal, visual and operator-pending mode): the next /
  -- previous `# %%` cell marker. `false` for one of them, or `keys = false`, sets none; a
  -- key already mapped (by you or another plugin) is left alone.
  keys = { next_cell = "]c", prev_cell = "[c" },
  on_attach = nil, -- function(client, bufnr) called after evalens attached
}

--- The options in use (`require("evalens").config` is this table).
M.options = vim.deepcopy(M.defaults)

--- Replace the options with the defaults overridden by `opts`; returns the new options.
function M.set(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  return M.options
end

--- The evalens settings for the server: `settings` plus the top-level setting keys and `trusted`.
function M.server_settings()
  local options = M.options
  local settings = vim.deepcopy(options.settings or {})
  for _, key in ipairs(SETTING_KEYS) do
    if options[key] ~= nil then
      settings[key] = options[key]
    end
  end
  settings.trusted = options.trusted and true or false
  return settings
end

return M
