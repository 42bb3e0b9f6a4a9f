---`:Railguard {subcommand}`: dispatch and completion. Server work goes through
---`workspace/executeCommand` with the command ids of the language server contract.
local M = {}

local notify = vim.schedule_wrap(function(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = "Railguard" })
end)

---@return vim.lsp.Client?
local function client_or_warn()
  local client = require("railguard.client").get()
  if not client then
    notify(
      "no Railguard client is running; open a file in a git repository"
        .. ' (and call vim.lsp.enable("railguard"))',
      vim.log.levels.WARN
    )
  end
  return client
end

---@param err lsp.ResponseError?
---@return boolean
local function failed(err)
  if err then
    notify("Railguard: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    return true
  end
  return false
end

---Incident id from an explicit argument, else from the diagnostic under the cursor.
---@param fargs string[]
---@return integer?
local function incident_under_cursor(fargs)
  if fargs[1] then
    local id = tonumber(fargs[1])
    if not id then
      notify("not an incident id: " .. fargs[1], vim.log.levels.ERROR)
    end
    return id
  end
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  local diagnostics = vim.diagnostic.get(0, { lnum = row - 1 })
  local id = require("railguard.incident").at_position(diagnostics, row - 1, col)
  if not id then
    notify("no Railguard incident under the cursor", vim.log.levels.WARN)
  end
  return id
end

---@param server_command string
---@param verb string
---@return fun(fargs: string[])
local function incident_action(server_command, verb)
  return function(fargs)
    local id = incident_under_cursor(fargs)
    local client = id and client_or_warn()
    if not (id and client) then
      return
    end
    require("railguard.client").exec(client, server_command, { id }, nil, function(err, result)
      if failed(err) then
        return
      end
      if verb == "open" then
        -- Neovim 0.10+ declares window/showDocument, so the server has opened the browser.
        local url = type(result) == "table" and result.url or nil
        notify(("incident #%d: %s"):format(id, url or "opened"))
      else
        notify(("incident #%d %s"):format(id, verb))
      end
    end)
  end
end

---@param status railguard.Status
---@return string
function M.format_status(status)
  local lines = {}
  if status.connected then
    lines[1] = ("connected to %s as %s"):format(
      status.serverUrl or "?",
      status.user ~= vim.NIL and status.user or "?"
    )
  else
    local problem = status.problem ~= vim.NIL and status.problem or "unknown problem"
    lines[1] = ("not connected (%s)"):format(problem)
  end
  for _, p in ipairs(status.projects or {}) do
    local folder = vim.uri_to_fname(p.folder)
    if p.projectId and p.projectId ~= vim.NIL then
      lines[#lines + 1] = ("%s: %s -> project %d, %s"):format(
        folder,
        p.repository,
        p.projectId,
        require("railguard.incident").plural(p.openIncidents or 0, "open incident")
      )
      if type(p.monitorsDown) == "number" then
        local plural = p.monitorsDown == 1 and "" or "s"
        lines[#lines] = lines[#lines] .. (", %d monitor%s down"):format(p.monitorsDown, plural)
      end
    else
      lines[#lines + 1] = ("%s: %s -> no matching project"):format(folder, p.repository or "?")
    end
  end
  return table.concat(lines, "\n")
end

---`goto {id} [path[:line]]` arguments (the web app's "Open in Neovim" command).
---@param fargs string[]
---@return integer? id, string? path, integer? line (1-based)
function M.parse_goto(fargs)
  local id = tonumber(fargs[1] or "")
  if not id or id < 1 or id % 1 ~= 0 then
    return nil
  end
  local spec = fargs[2]
  if not spec or spec == "" then
    return id
  end
  local path, line = spec:match("^(.-):(%d+)$")
  path = path or spec
  for part in vim.gsplit(path, "/", { plain = true }) do
    if part == ".." then
      return id -- never leave the repository
    end
  end
  return id, (path:gsub("^/+", "")), tonumber(line)
end

---Open `fname` at a 1-based line. A buffer of that file with unsaved changes is switched to, not
---re-edited (`:edit` refuses to leave a modified buffer, and would reload an unmodified one).
local function jump(fname, line, col)
  local buf = vim.fn.bufnr(fname)
  if buf ~= -1 and vim.api.nvim_buf_is_loaded(buf) then
    vim.api.nvim_set_current_buf(buf)
  else
    vim.cmd.edit(vim.fn.fnameescape(fname))
  end
  local last = vim.api.nvim_buf_line_count(0)
  vim.api.nvim_win_set_cursor(0, { math.max(1, math.min(line, last)), col or 0 })
end

---Go to an incident: where the language server placed it in this working copy, else the
---path and line it had at the event's commit, relative to the repository root.
local function goto_incident(fargs)
  local id, path, line = M.parse_goto(fargs)
  if not id then
    notify("usage: :Railguard goto {incident id} [path[:line]]", vim.log.levels.ERROR)
    return
  end
  local fallback = vim.schedule_wrap(function()
    if not path then
      notify(("incident #%d is not placed in this working copy"):format(id), vim.log.levels.WARN)
      return
    end
    local root = vim.fs.root(0, ".git") or vim.fn.getcwd()
    local fname = vim.fs.joinpath(root, path)
    if vim.fn.filereadable(fname) == 0 then
      notify(("%s is not in %s"):format(path, root), vim.log.levels.WARN)
      return
    end
    jump(fname, line or 1)
  end)
  local client = require("railguard.client").get()
  if not client then
    fallback()
    return
  end
  require("railguard.client").exec(client, "railguard.listIncidents", nil, nil, function(err, res)
    for _, item in ipairs(not err and res or {}) do
      if type(item) == "table" and item.incidentId == id and item.uri then
        vim.schedule(function()
          jump(vim.uri_to_fname(item.uri), (item.line or 0) + 1, item.character or 0)
        end)
        return
      end
    end
    fallback()
  end)
end

---`:Railguard pick [status=…] [env=…] [level=…]`: every incident of the workspace that passes the
---filters in `vim.ui.select` (and the quickfix list), then an action on the one picked.
---@param fargs string[]
function M.pick(fargs)
  local incident = require("railguard.incident")
  local filters, problem = incident.parse_filters(fargs)
  if not filters then
    notify(problem, vim.log.levels.ERROR)
    return
  end
  local client = client_or_warn()
  if not client then
    return
  end
  local rpc = require("railguard.client")
  rpc.exec(client, "railguard.listIncidents", nil, nil, function(err, res)
    if failed(err) then
      return
    end
    local items = incident.filter(res, filters)
    vim.schedule(function()
      vim.fn.setqflist({}, " ", { title = "Railguard incidents", items = incident.to_qf_items(items) })
      if #items == 0 then
        notify("no incidents match")
        return
      end
      local relative = function(fname)
        return vim.fn.fnamemodify(fname, ":~:.")
      end
      vim.ui.select(items, {
        prompt = incident.plural(#items, "incident"),
        format_item = function(item)
          return incident.pick_label(item, relative)
        end,
      }, function(item)
        if not item then
          return
        end
        vim.ui.select(incident.PICK_ACTIONS, {
          prompt = ("#%d"):format(item.incidentId),
          format_item = function(a)
            return a.label
          end,
        }, function(action)
          if not action then
            return
          end
          if not action.command then
            jump(vim.uri_to_fname(item.uri), (item.line or 0) + 1, item.character or 0)
            return
          end
          rpc.exec(client, action.command, { item.incidentId }, nil, function(e)
            if not failed(e) then
              notify(("incident #%d: %s done"):format(item.incidentId, action.label:lower()))
            end
          end)
        end)
      end)
    end)
  end)
end

---@type table<string, {run: fun(fargs: string[]), complete?: fun(arglead: string): string[]}>
M.subcommands = {
  ["goto"] = { run = goto_incident },
  status = {
    run = function()
      local client = client_or_warn()
      if not client then
        return
      end
      require("railguard.client").exec(client, "railguard.status", nil, nil, function(err, res)
        if not failed(err) then
          notify(M.format_status(res))
        end
      end)
    end,
  },
  login = {
    run = function(fargs)
      require("railguard.login").prompt(fargs[1])
    end,
    complete = function()
      return { "browser", "password" }
    end,
  },
  list = {
    run = function(fargs)
      local client = client_or_warn()
      if not client then
        return
      end
      local loc = fargs[1] == "loc"
      local winid = vim.api.nvim_get_current_win()
      local rpc = require("railguard.client")
      rpc.exec(client, "railguard.listIncidents", nil, nil, function(err, res)
        if failed(err) then
          return
        end
        local items = require("railguard.incident").to_qf_items(res)
        local what = { title = "Railguard incidents", items = items }
        if loc then
          vim.fn.setloclist(winid, {}, " ", what)
        else
          vim.fn.setqflist({}, " ", what)
        end
        if require("railguard.config").get().list.open then
          vim.cmd(loc and "lopen" or "copen")
        end
        notify(require("railguard.incident").plural(#items, "incident"))
      end)
    end,
    complete = function()
      return { "qf", "loc" }
    end,
  },
  pick = { run = function(fargs)
    M.pick(fargs)
  end, complete = function()
    return { "status=open,acknowledged", "status=resolved", "env=", "level=" }
  end },
  resolve = { run = incident_action("railguard.resolveIncident", "resolved") },
  ignore = { run = incident_action("railguard.ignoreIncident", "ignored") },
  open = { run = incident_action("railguard.openIncident", "open") },
  refresh = {
    run = function()
      local client = client_or_warn()
      if not client then
        return
      end
      require("railguard.client").exec(client, "railguard.refresh", nil, nil, function(err, res)
        if not failed(err) then
          local n = type(res) == "table" and res.incidents or 0
          notify(("refreshed: %d incidents"):format(n))
        end
      end)
    end,
  },
  restart = {
    run = function()
      require("railguard.client").restart(function()
        notify("language server restarted")
      end)
    end,
  },
}

---Entry point of the user command.
---@param args vim.api.keyset.create_user_command.command_args
function M.run(args)
  local fargs = vim.deepcopy(args.fargs)
  local name = table.remove(fargs, 1) or "status"
  local sub = M.subcommands[name]
  if not sub then
    notify("unknown subcommand: " .. name, vim.log.levels.ERROR)
    return
  end
  sub.run(fargs)
end

---Completion of `:Railguard {subcommand} {arg}`.
---@param arglead string
---@param cmdline string
---@param _ integer cursor position
---@return string[]
function M.complete(arglead, cmdline, _)
  local words = vim.split(cmdline, "%s+", { trimempty = true })
  -- Drop the command itself (which may be abbreviated or have a range/bang).
  table.remove(words, 1)
  local done = #words - (arglead ~= "" and 1 or 0)
  local candidates ---@type string[]
  if done == 0 then
    candidates = vim.tbl_keys(M.subcommands)
  else
    local sub = M.subcommands[words[1]]
    candidates = (done == 1 and sub and sub.complete) and sub.complete(arglead) or {}
  end
  table.sort(candidates)
  return vim.tbl_filter(function(c)
    return vim.startswith(c, arglead)
  end, candidates)
end

return M
