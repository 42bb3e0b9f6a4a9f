---`:checkhealth railguard`: Neovim version, the server command and its version, credentials,
---whether the backend answers (asked through the running client, never with curl) and the
---project matched for each workspace folder.
local M = {}

local health = vim.health

---Where the language server looks for credentials when no path is configured.
---@return string
function M.default_credentials_file()
  local base = vim.env.XDG_CONFIG_HOME
  if not base or base == "" then
    base = vim.fs.joinpath(vim.env.HOME or "~", ".config")
  end
  return vim.fs.joinpath(base, "railguard", "credentials.json")
end

local function check_nvim()
  local v = vim.version()
  local text = ("Neovim %d.%d.%d"):format(v.major, v.minor, v.patch)
  if vim.fn.has("nvim-0.11") == 1 then
    health.ok(text .. ' (vim.lsp.enable("railguard") is supported)')
  elseif vim.fn.has("nvim-0.10") == 1 then
    health.ok(text, { 'Neovim 0.10: attach with require("railguard").enable()' })
  else
    health.error(text .. " is too old", { "Railguard needs Neovim 0.10 or newer" })
  end
end

---@return string[]?
local function server_cmd()
  local cfg = require("railguard.client").config()
  if type(cfg.cmd) == "table" then
    return cfg.cmd
  end
  return nil
end

local function check_server()
  local cmd = server_cmd()
  if not cmd then
    health.info("server command is a function; not checked")
    return
  end
  local exe = vim.fn.exepath(cmd[1])
  if exe == "" then
    local _, searched = require("railguard.locate").find()
    health.error(
      ("server command `%s` not found (searched %s)"):format(cmd[1], table.concat(searched, ", ")),
      require("railguard.locate").INSTALL
    )
    return
  end
  health.ok(("server command: %s (%s)"):format(table.concat(cmd, " "), exe))
  local argv = vim.list_extend(vim.deepcopy(cmd), { "--version" })
  local ok, res = pcall(function()
    return vim.system(argv, { text = true }):wait(5000)
  end)
  if ok and res.code == 0 then
    health.ok("server version: " .. vim.trim(res.stdout ~= "" and res.stdout or res.stderr))
  else
    local why = ok and ("exit " .. tostring(res.code) .. ": " .. vim.trim(res.stderr or ""))
      or tostring(res)
    health.warn("`" .. table.concat(argv, " ") .. "` failed: " .. why)
  end
end

local function check_credentials()
  local cfg = require("railguard.config").get()
  -- init_options given to vim.lsp.config("railguard", …) win over setup() at start time.
  local init = require("railguard.client").config().init_options or {}
  local token = init.token or cfg.token
  local env_token = (vim.env.RAILGUARD_TOKEN or "") ~= ""
  if token then
    health.ok("token set in the configuration (consider the credentials file instead)")
  elseif env_token then
    health.ok("token from $RAILGUARD_TOKEN")
  end
  local file = init.credentialsFile or cfg.credentials_file
  local path = file and vim.fs.normalize(file) or M.default_credentials_file()
  local stat = vim.uv.fs_stat(path)
  if not stat then
    if not token and not env_token then
      health.warn("no credentials: " .. path .. " does not exist", {
        ":Railguard login, or `railguard login` in a shell",
      })
    else
      health.info("no credentials file at " .. path)
    end
    return
  end
  local fd = io.open(path, "r")
  local text = fd and fd:read("*a") or ""
  if fd then
    fd:close()
  end
  local ok, data = pcall(vim.json.decode, text)
  if not ok or type(data) ~= "table" then
    health.error("credentials file is not valid JSON: " .. path)
    return
  end
  if type(data.token) ~= "string" or data.token == "" then
    health.error("credentials file has no token: " .. path, { ":Railguard login" })
  else
    health.ok(("credentials file %s (server %s)"):format(path, tostring(data.server_url)))
  end
  -- Group/other permission bits (mode & 0o077) must be clear: the file holds a token.
  if stat.mode % 64 ~= 0 then
    health.warn(("%s is readable by others"):format(path), { "chmod 600 " .. path })
  end
end

local function check_backend()
  local clients = vim.lsp.get_clients({ name = "railguard" })
  if #clients == 0 then
    health.warn("no Railguard client is running, so the backend was not asked", {
      "open a file inside a git repository",
      'Neovim 0.11+: vim.lsp.enable("railguard"); 0.10: require("railguard").enable()',
    })
    return
  end
  for _, client in ipairs(clients) do
    local status, err = require("railguard.client").exec_sync(client, "railguard.status", nil, 5000)
    if not status then
      health.error(("client %d: railguard.status failed: %s"):format(client.id, err))
    elseif status.connected then
      health.ok(("backend answers at %s (user %s)"):format(
        tostring(status.serverUrl),
        tostring(status.user)
      ))
    else
      health.error(
        ("backend not reachable at %s: %s"):format(
          tostring(status.serverUrl),
          tostring(status.problem)
        ),
        { "check the server URL, then :Railguard login" }
      )
    end
    for _, p in ipairs(status and status.projects or {}) do
      local folder = vim.uri_to_fname(p.folder)
      if type(p.projectId) == "number" then
        health.ok(("%s: repository %s -> project %d (%s)"):format(
          folder,
          tostring(p.repository),
          p.projectId,
          require("railguard.incident").plural(p.openIncidents or 0, "open incident")
        ))
      else
        local msg = ("%s: no project matches repository %s"):format(folder, tostring(p.repository))
        health.warn(msg, {
          "link the repository to a project on the server, or set the `project` option",
        })
      end
    end
  end
end

function M.check()
  health.start("railguard")
  check_nvim()
  check_server()
  check_credentials()
  check_backend()
end

return M
