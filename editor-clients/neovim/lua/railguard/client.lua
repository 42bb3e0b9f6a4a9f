---Finding, starting, restarting and calling the Railguard LSP client on Neovim 0.10 and 0.11+.
---0.11 turned client functions into methods (`client:request`), 0.10 has only `client.request`.
local M = {}

local has_011 = vim.fn.has("nvim-0.11") == 1

---The `vim.lsp` config to start with: the resolved `vim.lsp.config.railguard` on 0.11 (which
---includes `lsp/railguard.lua` and the user's overrides), the plugin's own table on 0.10.
---@return vim.lsp.Config
function M.config()
  if has_011 then
    local ok, cfg = pcall(function()
      return vim.lsp.config.railguard
    end)
    if ok and cfg then
      return vim.deepcopy(cfg)
    end
  end
  return require("railguard.config").lsp_config()
end

---Starts (or reuses) the client for a buffer, rooted at the nearest `.git`.
---@param bufnr? integer
---@return integer? client_id
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].buftype ~= "" or vim.api.nvim_buf_get_name(bufnr) == "" then
    return nil
  end
  local cfg = M.config()
  if type(cfg.root_dir) ~= "string" then
    cfg.root_dir = vim.fs.root(bufnr, cfg.root_markers or { ".git" })
  end
  if not cfg.root_dir then
    return nil
  end
  cfg.root_markers = nil
  return vim.lsp.start(cfg, { bufnr = bufnr })
end

---@param bufnr? integer
---@return vim.lsp.Client?
function M.get(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local clients = vim.lsp.get_clients({ name = "railguard", bufnr = bufnr })
  if #clients == 0 then
    clients = vim.lsp.get_clients({ name = "railguard" })
  end
  return clients[1]
end

---@param client vim.lsp.Client
---@return boolean
function M.is_stopped(client)
  if has_011 then
    return client:is_stopped()
  end
  return client.is_stopped()
end

---Sends `workspace/executeCommand`; `callback(err, result)` runs on the main loop.
---@param client vim.lsp.Client
---@param command string
---@param arguments? any[]
---@param bufnr? integer
---@param callback fun(err: lsp.ResponseError?, result: any)
function M.exec(client, command, arguments, bufnr, callback)
  local params = { command = command, arguments = arguments }
  local handler = function(err, result)
    callback(err, result)
  end
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if has_011 then
    client:request("workspace/executeCommand", params, handler, bufnr)
  else
    client.request("workspace/executeCommand", params, handler, bufnr)
  end
end

---Blocking variant for `:checkhealth` and tests.
---@param client vim.lsp.Client
---@param command string
---@param arguments? any[]
---@param timeout_ms? integer
---@return any result, string? err
function M.exec_sync(client, command, arguments, timeout_ms)
  local params = { command = command, arguments = arguments }
  local resp, err
  if has_011 then
    resp, err = client:request_sync("workspace/executeCommand", params, timeout_ms or 5000, 0)
  else
    resp, err = client.request_sync("workspace/executeCommand", params, timeout_ms or 5000, 0)
  end
  if not resp then
    return nil, tostring(err or "no response")
  end
  if resp.err then
    return nil, resp.err.message or vim.inspect(resp.err)
  end
  return resp.result, nil
end

---Stops every Railguard client and starts it again on the buffers it was attached to, e.g.
---after `:Railguard login` wrote new credentials (the server reads them at start).
---@param on_done? fun()
function M.restart(on_done)
  local buffers = {} ---@type integer[]
  local clients = vim.lsp.get_clients({ name = "railguard" })
  for _, client in ipairs(clients) do
    for bufnr in pairs(client.attached_buffers or {}) do
      buffers[#buffers + 1] = bufnr
    end
    if has_011 then
      client:stop()
    else
      client.stop()
    end
  end
  if #buffers == 0 then
    buffers = { vim.api.nvim_get_current_buf() }
  end
  local started = vim.uv.now()
  local timer = assert(vim.uv.new_timer())
  timer:start(
    50,
    50,
    vim.schedule_wrap(function()
      local waiting = vim.iter(clients):any(function(c)
        return not M.is_stopped(c)
      end)
      if waiting and vim.uv.now() - started < 5000 then
        return
      end
      timer:stop()
      timer:close()
      for _, bufnr in ipairs(buffers) do
        if vim.api.nvim_buf_is_valid(bufnr) then
          M.start(bufnr)
        end
      end
      if on_done then
        on_done()
      end
    end)
  )
end

return M
