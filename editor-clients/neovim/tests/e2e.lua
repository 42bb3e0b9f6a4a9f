-- End-to-end check of the plugin against a running language server, in a real headless Neovim.
--
--   nvim --headless --clean -n -i NONE -u tests/e2e.lua </dev/null    (see scripts/e2e.sh)
--
-- Environment:
--   RAILGUARD_E2E_FILE  file to open (inside a git repository with an incident)
--   RAILGUARD_E2E_LINE  0-based line where the incident's diagnostic is expected
--   RAILGUARD_E2E_INIT  JSON initializationOptions (serverUrl, token, …); default {}
--   RAILGUARD_LSP_CMD   JSON array, the server command; default ["railguard-lsp"]
--   RAILGUARD_E2E_OUT   path of the JSON report to write (stdout when unset)
--   RAILGUARD_E2E_TIMEOUT_MS  wait per step, default 10000 (the server may need to fetch first)
--
-- Steps: install the plugin from this repository into an isolated packpath, enable the config
-- from lsp/railguard.lua, open the file, wait for the diagnostic, `:Railguard list`,
-- `:checkhealth railguard`, insert two lines above the diagnostic and wait for it to move,
-- then resolve it through the server's code action and wait for it to disappear.
-- Exit codes: 0 every check passed, 1 a wait timed out or a check failed,
-- 2 script error. Everything runs inside pcall: an uncaught error in a -u file hangs Neovim.

local report = {
  ok = false,
  nvim = tostring(vim.version()),
  failures = {},
  steps = {},
}
local exit_code = 2

---@class E2EFailure
---@field code integer
---@field msg string
local Failure = {}
Failure.__index = Failure

---A failed check or timeout: stop and exit 1.
local function fail(msg)
  error(setmetatable({ code = 1, msg = msg }, Failure), 0)
end

local function env_json(name, default)
  local raw = vim.env[name]
  if raw == nil or raw == "" then
    return default
  end
  local ok, value = pcall(vim.json.decode, raw)
  if not ok then
    error(("%s is not valid JSON: %s"):format(name, raw))
  end
  return value
end

local function step(name, data)
  report.steps[#report.steps + 1] = name
  report[name] = data
end

local timeout_ms = tonumber(vim.env.RAILGUARD_E2E_TIMEOUT_MS) or 10000

---@param what string
---@param predicate fun(): any
---@return any
local function wait_for(what, predicate)
  local value
  local ok = vim.wait(timeout_ms, function()
    value = predicate()
    return value ~= nil and value ~= false
  end, 50)
  if not ok then
    fail(("timed out after %d ms waiting for %s"):format(timeout_ms, what))
  end
  return value
end

local this_file = vim.fs.normalize(debug.getinfo(1, "S").source:sub(2))
local plugin_root = vim.fs.dirname(vim.fs.dirname(this_file))

---Installs the plugin the way `:help packages` does, into a packpath under the isolated XDG
---data directory (or a temporary one when XDG_DATA_HOME is not set, to never touch a real one).
local function install_plugin()
  local base = (vim.env.XDG_DATA_HOME and vim.env.XDG_DATA_HOME ~= "")
      and vim.fs.joinpath(vim.fn.stdpath("data") --[[@as string]], "site")
    or vim.fs.joinpath(vim.fn.tempname(), "site")
  local start_dir = vim.fs.joinpath(base, "pack", "railguard", "start")
  vim.fn.mkdir(start_dir, "p")
  local target = vim.fs.joinpath(start_dir, "railguard")
  if not vim.uv.fs_lstat(target) then
    assert(vim.uv.fs_symlink(plugin_root, target, { dir = true }))
  end
  vim.opt.packpath:prepend(base)
  vim.cmd("packloadall!")
  if vim.fn.exists(":Railguard") ~= 2 then
    error("the :Railguard command was not defined by plugin/railguard.lua")
  end
  return target
end

---Railguard diagnostics of a buffer.
local function rg_diagnostics(bufnr)
  return vim.tbl_filter(function(d)
    return d.source == "railguard"
  end, vim.diagnostic.get(bufnr))
end

---The LSP form of a vim.Diagnostic (0.11 keeps it whole; rebuild it on 0.10).
local function to_lsp(d)
  local lsp = d.user_data and d.user_data.lsp or {}
  if lsp.range then
    return lsp
  end
  return {
    range = {
      start = { line = d.lnum, character = d.col },
      ["end"] = { line = d.end_lnum or d.lnum, character = d.end_col or d.col },
    },
    message = d.message,
    severity = d.severity,
    source = d.source,
    code = lsp.code or d.code,
    data = lsp.data,
  }
end

local function request_sync(client, method, params, bufnr)
  local resp, err
  if vim.fn.has("nvim-0.11") == 1 then
    resp, err = client:request_sync(method, params, timeout_ms, bufnr)
  else
    resp, err = client.request_sync(method, params, timeout_ms, bufnr)
  end
  if not resp then
    fail(("%s: %s"):format(method, tostring(err)))
  end
  if resp.err then
    fail(("%s failed: %s"):format(method, vim.inspect(resp.err)))
  end
  return resp.result
end

local function main()
  local file = vim.env.RAILGUARD_E2E_FILE
  local expected_line = tonumber(vim.env.RAILGUARD_E2E_LINE)
  if not file or file == "" or not expected_line then
    error("RAILGUARD_E2E_FILE and RAILGUARD_E2E_LINE (0-based) are required")
  end
  file = vim.fs.normalize(vim.fn.fnamemodify(file, ":p"))
  local cmd = env_json("RAILGUARD_LSP_CMD", { "railguard-lsp" })
  local init = env_json("RAILGUARD_E2E_INIT", vim.empty_dict())
  report.file = file
  report.expected_line = expected_line

  step("install", { path = install_plugin(), plugin_root = plugin_root })

  -- Count the server's publishes so "the diagnostic moved" means the server re-sent it.
  local publishes = 0
  local publish_handler = function(err, result, ctx, config)
    publishes = publishes + 1
    return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
  end

  -- The user-facing setup: setup() is optional; on 0.11 only vim.lsp.enable() is needed.
  require("railguard").setup({ cmd = cmd, list = { open = true } })
  if vim.lsp.config then
    vim.lsp.config("railguard", {
      cmd = cmd,
      init_options = init,
      handlers = { ["textDocument/publishDiagnostics"] = publish_handler },
    })
    vim.lsp.enable("railguard")
  else
    local opts = { cmd = cmd }
    if type(init) == "table" then
      opts.server_url = init.serverUrl
      opts.token = init.token
      opts.project = init.project
      opts.credentials_file = init.credentialsFile
    end
    require("railguard").setup(opts)
    vim.lsp.handlers["textDocument/publishDiagnostics"] = publish_handler
    require("railguard").enable()
  end

  vim.cmd.edit(vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local file_win = vim.api.nvim_get_current_win()

  local client = wait_for("the railguard client to attach", function()
    local c = vim.lsp.get_clients({ bufnr = bufnr, name = "railguard" })[1]
    return c and c.initialized and c or nil
  end)
  step("client", { id = client.id, root_dir = client.root_dir, name = client.name })

  -- 1. The diagnostic (the server may first have to fetch incidents from the backend).
  local d = wait_for("a railguard diagnostic", function()
    return rg_diagnostics(bufnr)[1]
  end)
  local incident_id = require("railguard.incident").incident_id(d)
  step("diagnostic", {
    line = d.lnum,
    col = d.col,
    message = d.message,
    code = d.code,
    incident_id = incident_id,
    severity = d.severity,
    placement = vim.tbl_get(d, "user_data", "lsp", "data", "placement"),
  })
  if d.lnum ~= expected_line then
    fail(("diagnostic on line %d, expected %d"):format(d.lnum, expected_line))
  end
  if not incident_id then
    fail("no incident id in the diagnostic's code or data.incidentId")
  end

  -- 2. :Railguard list fills the quickfix list.
  vim.fn.setqflist({}, "r", { title = "", items = {} })
  vim.cmd("Railguard list")
  local qf = wait_for(":Railguard list to fill the quickfix list", function()
    local what = vim.fn.getqflist({ title = 1, items = 1 })
    return what.title == "Railguard incidents" and what or nil
  end)
  local items = vim.tbl_map(function(it)
    return {
      filename = vim.fs.normalize(vim.fn.fnamemodify(vim.fn.bufname(it.bufnr), ":p")),
      lnum = it.lnum,
      col = it.col,
      text = it.text,
      type = it.type,
    }
  end, qf.items)
  step("list", { title = qf.title, items = items })
  local listed = vim.iter(items):any(function(it)
    return it.filename == file and it.lnum == expected_line + 1
  end)
  if not listed then
    fail(("no quickfix item for %s:%d"):format(file, expected_line + 1))
  end
  vim.cmd.cclose()
  vim.api.nvim_set_current_win(file_win)

  -- 3. :checkhealth railguard (opens its own tab; read and close it).
  vim.cmd("checkhealth railguard")
  local health_buf = vim.api.nvim_get_current_buf()
  local health_text = table.concat(vim.api.nvim_buf_get_lines(health_buf, 0, -1, false), "\n")
  step("health", { text = health_text })
  vim.cmd("tabclose")
  vim.api.nvim_set_current_win(file_win)
  if not health_text:find("railguard", 1, true) or health_text:find("ERROR", 1, true) then
    fail("checkhealth railguard reported an error or nothing")
  end

  -- 4. Insert two lines above the diagnostic; the server re-maps and the diagnostic moves.
  local before = publishes
  vim.api.nvim_buf_set_lines(bufnr, d.lnum, d.lnum, false, { "", "" })
  local moved = wait_for("the diagnostic to move two lines down", function()
    if publishes == before then
      return nil
    end
    local m = rg_diagnostics(bufnr)[1]
    return m and m.lnum == expected_line + 2 and m or nil
  end)
  step("after_edit", { line = moved.lnum, inserted_above = d.lnum, publishes = publishes - before })

  -- 5. Resolve through the code action the server offers at the diagnostic.
  vim.api.nvim_win_set_cursor(file_win, { moved.lnum + 1, moved.col })
  local lsp_diag = to_lsp(moved)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = lsp_diag.range,
    context = { diagnostics = { lsp_diag }, triggerKind = 1 },
  }
  local actions = request_sync(client, "textDocument/codeAction", params, bufnr) or {}
  local command
  for _, a in ipairs(actions) do
    local c = type(a.command) == "table" and a.command or (type(a.command) == "string" and a)
    if c and c.command == "railguard.resolveIncident" then
      command = c
      break
    end
  end
  if not command then
    fail("no code action with the railguard.resolveIncident command: " .. vim.inspect(actions))
  end
  local result = request_sync(client, "workspace/executeCommand", {
    command = command.command,
    arguments = command.arguments,
  }, bufnr)
  -- Fixed at HEAD, which no deploy contains yet: the error becomes a hint on the same line.
  local function awaiting()
    return vim.tbl_filter(function(d)
      return d.severity == vim.diagnostic.severity.HINT
        and (d.message or ""):find("awaiting deploy", 1, true) ~= nil
    end, rg_diagnostics(bufnr))
  end
  wait_for("the diagnostic to become an awaiting-deploy hint after resolving", function()
    return #rg_diagnostics(bufnr) == 1 and #awaiting() == 1
  end)
  step("resolve", {
    actions = vim.tbl_map(function(a)
      return a.title
    end, actions),
    command = command,
    result = result,
    diagnostics_after = #rg_diagnostics(bufnr) - #awaiting(),
    awaiting_deploy = #awaiting(),
  })

  -- 6. The picker: every incident of the workspace, filtered, then an action on the one picked
  --    (vim.ui.select is replaced the way picker plugins do, answering with the first entry).
  local prompts = {}
  local real_select = vim.ui.select
  ---@diagnostic disable-next-line: duplicate-set-field
  vim.ui.select = function(items, opts, on_choice)
    prompts[#prompts + 1] = { prompt = opts.prompt, labels = vim.tbl_map(opts.format_item, items) }
    on_choice(items[1])
  end
  vim.api.nvim_win_set_cursor(file_win, { 1, 0 })
  vim.cmd("Railguard pick status=resolved env=production")
  wait_for("the picker to offer the incident and its actions", function()
    return #prompts == 2
  end)
  wait_for("the picker to jump to the incident", function()
    return vim.api.nvim_win_get_cursor(0)[1] ~= 1
  end)
  vim.ui.select = real_select
  step("pick", {
    prompts = prompts,
    quickfix = #vim.fn.getqflist(),
    cursor_line = vim.api.nvim_win_get_cursor(0)[1] - 1,
    diagnostic_line = (rg_diagnostics(bufnr)[1] or {}).lnum,
  })

  report.ok = true
  exit_code = 0
end

local function log_tail()
  local path = vim.lsp.get_log_path()
  local ok, lines = pcall(vim.fn.readfile, path, "", -40)
  return ok and lines or {}
end

local function write_report()
  local json = vim.json.encode(report)
  local out = vim.env.RAILGUARD_E2E_OUT
  -- Headless Neovim also prints messages to stdout, so prefer the file.
  if out and out ~= "" then
    local fd = assert(io.open(out, "w"))
    fd:write(json)
    fd:close()
  else
    io.stdout:write(json .. "\n")
  end
end

vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  callback = function()
    vim.schedule(function()
      local ok, err = xpcall(main, function(e)
        if getmetatable(e) == Failure then
          return e
        end
        return debug.traceback(tostring(e), 2)
      end)
      if not ok then
        if getmetatable(err) == Failure then
          exit_code = err.code
          report.failures[#report.failures + 1] = err.msg
        else
          exit_code = 2
          report.error = tostring(err)
        end
        report.lsp_log = log_tail()
      end
      pcall(write_report)
      if exit_code == 0 then
        vim.cmd("qall!")
      else
        vim.cmd("cquit " .. exit_code)
      end
    end)
  end,
})
