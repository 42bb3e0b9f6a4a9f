local login = require("railguard.login")

describe("login through the browser", function()
  it("runs the CLI's device flow without its own browser, for machine-readable output", function()
    assert.same({
      "railguard", "login", "--server", "http://rg:8000", "--no-browser", "--json",
      "--device-name", "Neovim on box",
    }, login.device_argv({ "railguard" }, "http://rg:8000", "Neovim on box"))
  end)

  it("reads the code and the pages the CLI prints while it waits", function()
    local text = "To sign in, open http://rg:8000/device and enter the code BCDF-GHJK\n"
    assert.same(
      { code = "BCDF-GHJK", url = "http://rg:8000/device" },
      login.parse_instructions(text)
    )
    text = text .. "(or open http://rg:8000/device?user_code=BCDF-GHJK)\n"
    assert.same({
      code = "BCDF-GHJK",
      url = "http://rg:8000/device",
      complete = "http://rg:8000/device?user_code=BCDF-GHJK",
    }, login.parse_instructions(text))
    assert.is_nil(login.parse_instructions("railguard: cannot reach http://rg:8000"))
  end)

  it("reads the CLI's answer, and nothing from a failure", function()
    local result = login.parse_result(
      '{"server_url": "http://rg", "device_name": "Neovim on box", "scope": "read triage",'
        .. ' "token_id": 3, "credentials_file": "/tmp/c.json"}'
    )
    assert.equals("read triage", result.scope)
    assert.is_nil(login.parse_result(""))
    assert.is_nil(login.parse_result("[]"))
  end)
end)

describe("login with a password", function()
  it("keeps the password off the command line", function()
    assert.same(
      { "railguard", "login", "--server", "http://rg", "--email", "a@b.c", "--password-stdin" },
      login.argv({ "railguard" }, "http://rg", "a@b.c")
    )
  end)
end)
