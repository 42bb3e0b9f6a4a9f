local locate = require("railguard.locate")

local function executable(dir, mode)
  vim.fn.mkdir(dir, "p")
  local file = dir .. "/railguard-lsp"
  vim.fn.writefile({ "#!/bin/sh" }, file)
  vim.uv.fs_chmod(file, mode or tonumber("755", 8))
  return file
end

describe("locate", function()
  local root = vim.fn.tempname()
  local ctx = {
    path = root .. "/usr-bin:/nowhere",
    workspace = root .. "/shop",
    home = root .. "/home",
  }

  it("searches PATH, then the project's .venv, then pipx's bin folder", function()
    assert.same({
      root .. "/usr-bin",
      "/nowhere",
      root .. "/shop/.venv/bin",
      root .. "/home/.local/bin",
    }, locate.search_dirs(ctx))
    local pipx = vim.tbl_extend("force", ctx, { pipx_bin = "/opt/pipx/bin" })
    assert.equals("/opt/pipx/bin", locate.search_dirs(pipx)[4])
  end)

  it("finds nothing and keeps the bare command", function()
    local found, searched = locate.find(ctx)
    assert.is_nil(found)
    assert.equals(4, #searched)
    assert.same({ "railguard-lsp" }, locate.server_cmd({ "railguard-lsp" }, { "railguard-lsp" }, ctx))
  end)

  it("prefers PATH, then the project venv, then pipx", function()
    local pipx = executable(root .. "/home/.local/bin")
    assert.equals(pipx, (locate.find(ctx)))
    local venv = executable(root .. "/shop/.venv/bin")
    assert.equals(venv, (locate.find(ctx)))
    local global = executable(root .. "/usr-bin")
    assert.equals(global, (locate.find(ctx)))
    assert.same({ global }, locate.server_cmd({ "railguard-lsp" }, { "railguard-lsp" }, ctx))
  end)

  it("never overrides a command the user chose", function()
    local chosen = { "python3", "-m", "railguard.lsp" }
    assert.same(chosen, locate.server_cmd(chosen, { "railguard-lsp" }, ctx))
  end)

  it("skips files that are not executable", function()
    local other = vim.fn.tempname()
    executable(other .. "/bin", tonumber("644", 8))
    local found = locate.find({ path = other .. "/bin", workspace = other, home = other })
    assert.is_nil(found)
  end)
end)
