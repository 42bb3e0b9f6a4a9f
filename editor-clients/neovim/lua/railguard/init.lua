---Railguard for Neovim: production incidents as diagnostics, through the `railguard-lsp`
---language server. `setup()` is optional and only merges options; on Neovim 0.11+
---`vim.lsp.enable("railguard")` is all that is needed (the config is `lsp/railguard.lua`).
local M = {}

---Merges validated options into the defaults (see `:help railguard-config`). Call it before
---`vim.lsp.enable("railguard")` if you change `cmd`; every other option is read when the
---server starts.
---@param opts? railguard.UserConfig
function M.setup(opts)
  require("railguard.config").set(opts)
end

---Starts (or reuses) the client for a buffer. Neovim 0.10 has no `vim.lsp.enable`; use
---`M.enable()` there, or call this from your own autocmd.
---@param bufnr? integer
---@return integer? client_id
function M.start(bufnr)
  return require("railguard.client").start(bufnr)
end

---Attaches Railguard to every file buffer inside a git repository: `vim.lsp.enable` on 0.11+,
---an autocmd around `M.start()` on 0.10.
function M.enable()
  if vim.lsp.enable then
    vim.lsp.enable("railguard")
    return
  end
  local group = vim.api.nvim_create_augroup("railguard.enable", { clear = true })
  vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
    group = group,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      M.start(bufnr)
    end
  end
end

---Short status for a statusline, e.g. "RG 3", "RG 3 ↓1" (a monitor down) or "RG offline";
---"" when not attached.
---@param bufnr? integer
---@return string
function M.statusline(bufnr)
  local client = require("railguard.client").get(bufnr)
  local status = client and require("railguard.state").status[client.id]
  if not status then
    return ""
  end
  if not status.connected then
    return "RG offline"
  end
  local count, down = 0, 0
  for _, p in ipairs(status.projects or {}) do
    count = count + (p.openIncidents or 0)
    if type(p.monitorsDown) == "number" then
      down = down + p.monitorsDown
    end
  end
  if down > 0 then
    return ("RG %d ↓%d"):format(count, down)
  end
  return ("RG %d"):format(count)
end

return M
