---`:Railguard login`: asks for the server, e-mail and password, then runs the backend CLI
---non-interactively (`railguard login --server URL --email E --password-stdin`, the password on
---stdin so it never appears in a process list), and restarts the client to pick up the new
---credentials file.
local M = {}

local notify = vim.schedule_wrap(function(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = "Railguard" })
end)

---The argv of the login call (pure, for tests).
---@param cli string[]
---@param server string
---@param email string
---@return string[]
function M.argv(cli, server, email)
  local argv = vim.deepcopy(cli)
  vim.list_extend(argv, { "login", "--server", server, "--email", email, "--password-stdin" })
  return argv
end

---@param server string
---@param email string
---@param password string
function M.run(server, email, password)
  local cfg = require("railguard.config").get()
  local argv = M.argv(cfg.cli, server, email)
  if vim.fn.executable(argv[1]) == 0 then
    notify(("`%s` not found; install the railguard package"):format(argv[1]), vim.log.levels.ERROR)
    return
  end
  vim.system(argv, { stdin = password .. "\n", text = true }, function(out)
    if out.code ~= 0 then
      local msg = vim.trim(out.stderr ~= "" and out.stderr or out.stdout or "")
      notify(("login failed (exit %d): %s"):format(out.code, msg), vim.log.levels.ERROR)
      return
    end
    notify("logged in to " .. server)
    vim.schedule(function()
      require("railguard.client").restart()
    end)
  end)
end

function M.prompt()
  local cfg = require("railguard.config").get()
  vim.ui.input({
    prompt = "Railguard server: ",
    default = cfg.server_url or vim.env.RAILGUARD_URL or "http://127.0.0.1:8000",
  }, function(server)
    if not server or server == "" then
      return
    end
    vim.ui.input({ prompt = "E-mail: " }, function(email)
      if not email or email == "" then
        return
      end
      -- vim.ui.input has no secret mode; inputsecret() does not echo.
      local ok, password = pcall(vim.fn.inputsecret, "Password: ")
      if not ok or password == "" then
        return
      end
      M.run(server, email, password)
    end)
  end)
end

return M
