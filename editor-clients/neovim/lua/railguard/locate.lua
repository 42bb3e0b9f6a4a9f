---Finds the `railguard-lsp` executable without being told: on PATH, in the `.venv` of the
---working directory (the project), then in pipx's bin folder ($PIPX_BIN_DIR, default
---~/.local/bin): where `make install-lsp`, `pipx install <wheel>` or a project venv put it.
local M = {}

M.EXECUTABLE = "railguard-lsp"

---@class railguard.LocateContext
---@field path string $PATH
---@field workspace string the project folder (its .venv is searched)
---@field home string
---@field pipx_bin? string $PIPX_BIN_DIR

---@return railguard.LocateContext
function M.context()
  return {
    path = vim.env.PATH or "",
    workspace = vim.fn.getcwd(),
    home = vim.env.HOME or vim.fn.expand("~"),
    pipx_bin = vim.env.PIPX_BIN_DIR,
  }
end

---The folders searched, in order, without duplicates.
---@param ctx railguard.LocateContext
---@return string[]
function M.search_dirs(ctx)
  local dirs, seen = {}, {}
  local function add(dir)
    if dir ~= "" and not seen[dir] then
      seen[dir] = true
      dirs[#dirs + 1] = dir
    end
  end
  for dir in vim.gsplit(ctx.path, ":", { plain = true }) do
    add(dir)
  end
  add(ctx.workspace .. "/.venv/bin")
  add(ctx.pipx_bin or (ctx.home .. "/.local/bin"))
  return dirs
end

---The first executable `railguard-lsp` found (nil if none), and the folders searched.
---@param ctx? railguard.LocateContext
---@return string?, string[]
function M.find(ctx)
  local dirs = M.search_dirs(ctx or M.context())
  for _, dir in ipairs(dirs) do
    local file = dir .. "/" .. M.EXECUTABLE
    if vim.fn.isdirectory(file) == 0 and vim.fn.executable(file) == 1 then
      return file, dirs
    end
  end
  return nil, dirs
end

---How to install the server, for errors and :checkhealth.
M.INSTALL = {
  "in a Railguard clone: make install-lsp   (pipx install of the built wheel)",
  "or: pipx install railguard-<version>-py3-none-any.whl",
  'or set require("railguard").setup({ cmd = { "/path/to/python", "-m", "railguard.lsp" } })',
}

---The command to start: the user's `cmd` if they set one, else the located executable (the
---bare name when nothing was found, so the error names what is missing).
---@param cmd string[]
---@param default string[]
---@param ctx? railguard.LocateContext
---@return string[]
function M.server_cmd(cmd, default, ctx)
  if not vim.deep_equal(cmd, default) then
    return vim.deepcopy(cmd)
  end
  local found = M.find(ctx)
  if found then
    return { found, unpack(cmd, 2) }
  end
  return vim.deepcopy(cmd)
end

return M
