---Last `railguard/status` notification per client, for statuslines and `:Railguard status`.
local M = {}

---@type table<integer, railguard.Status>
M.status = {}

---@param client_id integer
---@param status railguard.Status
function M.set_status(client_id, status)
  M.status[client_id] = status
  vim.schedule(function()
    vim.api.nvim_exec_autocmds("User", { pattern = "RailguardStatus", modeline = false })
  end)
end

return M
