local config = require("railguard.config")

describe("merge", function()
  it("returns the defaults for no options", function()
    assert.same(config.defaults, config.merge(nil))
    assert.same(config.defaults, config.merge({}))
  end)

  it("merges nested tables and replaces list options whole", function()
    local merged = config.merge({
      server_url = "http://rg.local:8000",
      cmd = { "python3", "-m", "railguard.lsp" },
      severity = { warning = "Information" },
      list = { open = false },
    })
    assert.same({
      server_url = "http://rg.local:8000",
      cmd = { "python3", "-m", "railguard.lsp" },
      cli = { "railguard" },
      severity = { warning = "Information" },
      show_related_frames = true,
      list = { open = false },
    }, merged)
  end)

  it("lets a shorter cmd replace a longer base cmd", function()
    local base = config.merge({ cmd = { "python3", "-m", "railguard.lsp" } })
    assert.same({ "railguard-lsp" }, config.merge({ cmd = { "railguard-lsp" } }, base).cmd)
  end)

  it("does not modify the defaults", function()
    config.merge({ list = { open = false }, severity = { error = "Hint" } })
    assert.same(true, config.defaults.list.open)
    assert.same({}, config.defaults.severity)
  end)
end)

describe("validate", function()
  local bad = {
    { { server_url = 8000 }, "server_url" },
    { { token = true }, "token" },
    { { project = "7" }, "project" },
    { { project = 1.5 }, "project" },
    { { cmd = {} }, "cmd" },
    { { cmd = "railguard-lsp" }, "cmd" },
    { { cmd = { "railguard-lsp", 3 } }, "cmd" },
    { { severity = { warning = "Info" } }, "severity" },
    { { show_related_frames = "yes" }, "show_related_frames" },
    { { list = { open = 1 } }, "list.open" },
    { { serverUrl = "http://x" }, "unknown option" },
  }
  for _, case in ipairs(bad) do
    it("rejects " .. vim.inspect(case[1], { newline = " ", indent = "" }), function()
      assert.has_error(function()
        config.merge(case[1])
      end, case[2])
    end)
  end

  it("accepts every documented option", function()
    config.validate({
      server_url = "http://127.0.0.1:8000",
      token = "rgp_x",
      credentials_file = "~/creds.json",
      project = 3,
      cmd = { "railguard", "lsp" },
      cli = { "railguard" },
      severity = { error = "Error", warning = "Warning", info = "Information", debug = "Hint" },
      show_related_frames = false,
      list = { open = true },
    })
  end)
end)

describe("init_options", function()
  it("maps to the camelCase contract and leaves unset fields out", function()
    local cfg =
      config.merge({ server_url = "http://h:1", project = 4, show_related_frames = false })
    assert.same(
      { serverUrl = "http://h:1", project = 4, showRelatedFrames = false },
      config.init_options(cfg)
    )
  end)

  it("includes severity and a normalised credentials path", function()
    local cfg = config.merge({ severity = { warning = "Hint" }, credentials_file = "/tmp//c.json" })
    assert.same({
      credentialsFile = "/tmp/c.json",
      showRelatedFrames = true,
      severity = { warning = "Hint" },
    }, config.init_options(cfg))
  end)
end)

describe("lsp_config", function()
  before_each(function()
    config.set({})
  end)

  it("has the contract's command, root marker and no filetype restriction", function()
    local c = config.lsp_config()
    assert.equals("railguard", c.name)
    assert.same({ "railguard-lsp" }, c.cmd)
    assert.same({ ".git" }, c.root_markers)
    assert.is_nil(c.filetypes)
    assert.is_nil(c.init_options)
  end)

  it("builds initializationOptions at start time, explicit init_options winning", function()
    local c = config.lsp_config()
    config.set({ server_url = "http://late:8000", project = 2 })
    local params = {}
    c.before_init(params, { init_options = { project = 9 } })
    assert.same(
      { serverUrl = "http://late:8000", project = 9, showRelatedFrames = true },
      params.initializationOptions
    )
  end)

  it("stores railguard/status notifications per client", function()
    local c = config.lsp_config()
    c.handlers["railguard/status"](nil, { connected = true, projects = {} }, { client_id = 42 })
    assert.same({ connected = true, projects = {} }, require("railguard.state").status[42])
  end)
end)

describe("root_dir", function()
  it("attaches only to named file buffers inside a git repository", function()
    local repo = vim.fn.tempname()
    vim.fn.mkdir(vim.fs.joinpath(repo, ".git"), "p")
    vim.fn.mkdir(vim.fs.joinpath(repo, "src"), "p")
    local root_dir = config.lsp_config().root_dir
    local function root_of(name, buftype)
      local buf = vim.api.nvim_create_buf(true, false)
      if name then
        vim.api.nvim_buf_set_name(buf, name)
      end
      vim.bo[buf].buftype = buftype or ""
      local got
      root_dir(buf, function(dir)
        got = dir
      end)
      vim.api.nvim_buf_delete(buf, { force = true })
      return got
    end
    assert.equals(vim.uv.fs_realpath(repo), vim.uv.fs_realpath(root_of(repo .. "/src/app.py")))
    assert.is_nil(root_of(nil))
    assert.is_nil(root_of(repo .. "/src/x", "nofile"))
    assert.is_nil(root_of(vim.fn.tempname() .. "/outside.py"))
  end)
end)
