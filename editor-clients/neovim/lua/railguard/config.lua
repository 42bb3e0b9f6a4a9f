---Railguard configuration: the defaults, validation of user options, and the two things built
---from them (the LSP `initializationOptions` and the `vim.lsp` client config).
---Pure module: no side effects beyond holding the merged options.
local M = {}

---@type railguard.Config
M.defaults = {
  server_url = nil, -- backend URL, e.g. "http://127.0.0.1:8000" (nil: $RAILGUARD_URL, creds file)
  token = nil, -- API token "rgp_…" (nil: $RAILGUARD_TOKEN, then the credentials file)
  credentials_file = nil, -- instead of $XDG_CONFIG_HOME/railguard/credentials.json
  project = nil, -- force a project id instead of matching the repository's origin remote
  cmd = { "railguard-lsp" }, -- command that starts the language server on stdio
  cli = { "railguard" }, -- backend CLI, used by `:Railguard login`
  severity = {}, -- incident level -> LSP severity name, e.g. { warning = "Information" }
  show_related_frames = true, -- also mark the calling frames of a stack trace
  list = {
    open = true, -- open the quickfix/location window after `:Railguard list`
  },
}

---The options in effect (defaults until `setup()` is called).
---@type railguard.Config
M.options = vim.deepcopy(M.defaults)

local KNOWN = {
  server_url = true,
  token = true,
  credentials_file = true,
  project = true,
  cmd = true,
  cli = true,
  severity = true,
  show_related_frames = true,
  list = true,
}

local SEVERITIES = { Error = true, Warning = true, Information = true, Hint = true }

---`vim.validate` changed signature in 0.11 and the table form is deprecated there.
---@param name string
---@param value any
---@param validator string|string[]|fun(v: any): boolean, string?
---@param optional? boolean
---@param message? string
local function check(name, value, validator, optional, message)
  local ok, err = pcall(function()
    if vim.fn.has("nvim-0.11") == 1 then
      vim.validate(name, value, validator, optional, message)
    elseif type(validator) == "function" then
      vim.validate({ [name] = { value, validator, message or optional } })
    else
      vim.validate({ [name] = { value, validator, optional } })
    end
  end)
  if not ok then
    -- Point at the option, not at this file: "railguard: cmd: expected …, got x".
    error("railguard: " .. tostring(err):gsub("^[^\n]-:%d+: ", ""), 0)
  end
end

---@param v any
---@return boolean
local function is_string_list(v)
  if type(v) ~= "table" or #v == 0 or not vim.islist(v) then
    return false
  end
  for _, s in ipairs(v) do
    if type(s) ~= "string" or s == "" then
      return false
    end
  end
  return true
end

---Validates user options; raises an error naming the first bad field.
---@param opts railguard.UserConfig
function M.validate(opts)
  check("opts", opts, "table")
  check("server_url", opts.server_url, "string", true)
  check("token", opts.token, "string", true)
  check("credentials_file", opts.credentials_file, "string", true)
  check("project", opts.project, function(v)
    return v == nil or (type(v) == "number" and v == math.floor(v) and v > 0)
  end, false, "positive integer")
  check("cmd", opts.cmd, function(v)
    return v == nil or is_string_list(v)
  end, false, "non-empty list of strings")
  check("cli", opts.cli, function(v)
    return v == nil or is_string_list(v)
  end, false, "non-empty list of strings")
  check("severity", opts.severity, function(v)
    if v == nil then
      return true
    end
    if type(v) ~= "table" then
      return false
    end
    for level, sev in pairs(v) do
      if type(level) ~= "string" or not SEVERITIES[sev] then
        return false
      end
    end
    return true
  end, false, 'table of level = "Error"|"Warning"|"Information"|"Hint"')
  check("show_related_frames", opts.show_related_frames, "boolean", true)
  check("list", opts.list, "table", true)
  if opts.list then
    check("list.open", opts.list.open, "boolean", true)
  end
  for key in pairs(opts) do
    if not KNOWN[key] then
      error(("railguard: unknown option %q"):format(tostring(key)), 2)
    end
  end
end

---Returns defaults merged with `opts` (validated). Lists such as `cmd` are replaced, not merged.
---@param opts? railguard.UserConfig
---@param base? railguard.Config
---@return railguard.Config
function M.merge(opts, base)
  opts = opts or {}
  M.validate(opts)
  local merged = vim.tbl_deep_extend("force", vim.deepcopy(base or M.defaults), opts)
  -- tbl_deep_extend merges list-like tables index by index; a shorter user cmd must win whole.
  if opts.cmd then
    merged.cmd = vim.deepcopy(opts.cmd)
  end
  if opts.cli then
    merged.cli = vim.deepcopy(opts.cli)
  end
  return merged
end

---Sets the options in effect.
---@param opts? railguard.UserConfig
function M.set(opts)
  M.options = M.merge(opts)
end

---@return railguard.Config
function M.get()
  return M.options
end

---The server's `initializationOptions` (camelCase, only the fields that are set).
---@param cfg? railguard.Config
---@return table<string, any>
function M.init_options(cfg)
  cfg = cfg or M.options
  local o = {}
  o.serverUrl = cfg.server_url
  o.token = cfg.token
  o.credentialsFile = cfg.credentials_file and vim.fs.normalize(cfg.credentials_file) or nil
  o.project = cfg.project
  o.showRelatedFrames = cfg.show_related_frames
  if cfg.severity and next(cfg.severity) then
    o.severity = vim.deepcopy(cfg.severity)
  end
  return o
end

---The `vim.lsp.config`/`vim.lsp.start` table. `init_options` stays empty on purpose:
---`before_init` builds them from the options in effect when the server starts, so `setup()`
---works even when called after `lsp/railguard.lua` was loaded, and any `init_options` given
---to `vim.lsp.config("railguard", …)` are merged over them.
---@param cfg? railguard.Config
---@return vim.lsp.Config
function M.lsp_config(cfg)
  cfg = cfg or M.options
  return {
    name = "railguard",
    cmd = require("railguard.locate").server_cmd(cfg.cmd, M.defaults.cmd),
    -- nil: every buffer with a file behind it; incidents can point at any language.
    filetypes = nil,
    root_markers = { ".git" },
    -- 0.11 uses this instead of root_markers: never attach to unnamed or special buffers
    -- (`vim.lsp.enable` fires FileType on every loaded buffer), only to files inside a repo.
    root_dir = function(bufnr, on_dir)
      if vim.bo[bufnr].buftype ~= "" or vim.api.nvim_buf_get_name(bufnr) == "" then
        return
      end
      local root = vim.fs.root(bufnr, ".git")
      if root then
        on_dir(root)
      end
    end,
    before_init = function(params, client_config)
      local current = M.init_options()
      params.initializationOptions =
        vim.tbl_deep_extend("force", current, client_config.init_options or {})
    end,
    handlers = {
      ["railguard/status"] = function(_, result, ctx)
        require("railguard.state").set_status(ctx.client_id, result)
      end,
    },
  }
end

return M
