---`:Railguard login`: sign in through the browser. Runs the backend CLI's device flow
---(`railguard login --server URL --no-browser --json --device-name NAME`), which prints the
---code and the page on stderr, polls the server and writes the credentials file the language
---server reads; the plugin shows the code, opens the page with `vim.ui.open` when it can, and
---restarts the client once the CLI is done.
---
---`:Railguard login password` is the e-mail and password way (`--email E --password-stdin`,
---the password on stdin so it never appears in a process list).
local M = {}

local notify = vim.schedule_wrap(function(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = "Railguard" })
end)

---The argv of the browser sign-in (pure, for tests).
---@param cli string[]
---@param server string
---@param device_name string
---@return string[]
function M.device_argv(cli, server, device_name)
  local argv = vim.deepcopy(cli)
  vim.list_extend(argv, {
    "login", "--server", server, "--no-browser", "--json", "--device-name", device_name,
  })
  return argv
end

---The argv of the password login (pure, for tests).
---@param cli string[]
---@param server string
---@param email string
---@return string[]
function M.argv(cli, server, email)
  local argv = vim.deepcopy(cli)
  vim.list_extend(argv, { "login", "--server", server, "--email", email, "--password-stdin" })
  return argv
end

---The code and pages in what the CLI prints while it waits (pure, for tests).
---@param text string everything read from its stderr so far
---@return {code: string, url: string, complete: string?}?
function M.parse_instructions(text)
  local url, code = text:match("open (%S+) and enter the code ([B-Z][B-Z][B-Z][B-Z]%-[B-Z]+)")
  if not url then
    return nil
  end
  return { code = code, url = url, complete = text:match("%(or open (%S+)%)") }
end

---What the CLI answered when it is done (pure, for tests).
---@param stdout string
---@return {device_name: string, scope: string, credentials_file: string}?
function M.parse_result(stdout)
  local ok, decoded = pcall(vim.json.decode, stdout)
  if not ok or type(decoded) ~= "table" or type(decoded.scope) ~= "string" then
    return nil
  end
  return decoded
end

local function device_name()
  return ("Neovim on %s"):format(vim.uv.os_gethostname())
end

---@param server string
function M.run_device(server)
  local cfg = require("railguard.config").get()
  local argv = M.device_argv(cfg.cli, server, device_name())
  if vim.fn.executable(argv[1]) == 0 then
    notify(("`%s` not found; install the railguard package"):format(argv[1]), vim.log.levels.ERROR)
    return
  end
  local seen, shown = "", false
  vim.system(argv, {
    text = true,
    stderr = function(_, chunk)
      seen = seen .. (chunk or "")
      local found = not shown and M.parse_instructions(seen)
      if found and (found.complete or seen:find("%(or open")) then
        shown = true
        notify(("open %s and enter the code %s"):format(found.url, found.code))
        vim.schedule(function()
          if vim.ui.open then
            pcall(vim.ui.open, found.complete or found.url)
          end
        end)
      end
    end,
  }, function(out)
    local result = out.code == 0 and M.parse_result(out.stdout or "")
    if not result then
      local lines = vim.split(vim.trim(seen), "\n")
      notify(
        ("login failed (exit %d): %s"):format(out.code, lines[#lines] or ""),
        vim.log.levels.ERROR
      )
      return
    end
    notify(("signed in to %s (%s)"):format(server, result.scope))
    vim.schedule(function()
      require("railguard.client").restart()
    end)
  end)
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

---@param how string? "password" for e-mail and password; otherwise the browser
function M.prompt(how)
  local cfg = require("railguard.config").get()
  vim.ui.input({
    prompt = "Railguard server: ",
    default = cfg.server_url or vim.env.RAILGUARD_URL or "http://127.0.0.1:8000",
  }, function(server)
    if not server or server == "" then
      return
    end
    if how ~= "password" then
      M.run_device(server)
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
