-- The evalens server's protocol as this plugin uses it (docs/protocol.md): the server
-- commands it sends through `workspace/executeCommand` and the notifications it handles.
-- tests/editors/test_contract.py fails when a name here is not the server's.

local M = {}

--- Server commands, by what they do.
M.commands = {
  eval = "evalens.eval",
  call = "evalens.call",
  runModule = "evalens.runModule",
  runCell = "evalens.runCell",
  doctest = "evalens.doctest",
  variables = "evalens.variables",
  interrupt = "evalens.interrupt",
  restart = "evalens.restart",
  status = "evalens.status",
  kernels = "evalens.kernels",
  attach = "evalens.attach",
}

--- The title of the server's quick fix that `:EvalensDoctestUpdate` applies (docs/protocol.md,
--- "Docstring examples").
M.update_all_title = "Update all expected output in this docstring"

--- The notification that streams what the running code prints.
M.output_notification = "evalens/output"

--- The notification of each MIME bundle a run shows (an image, a DataFrame): display.lua.
M.display_notification = "evalens/display"

--- The notification after each run in a document, with the names it rebound: variables.lua.
M.variables_notification = "evalens/variablesChanged"

return M
