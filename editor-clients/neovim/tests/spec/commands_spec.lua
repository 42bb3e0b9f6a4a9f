local commands = require("railguard.commands")

describe("complete", function()
  it("completes subcommands", function()
    assert.same(
      { "goto", "ignore", "list", "login", "open", "pick", "refresh", "resolve", "restart", "status" },
      commands.complete("", "Railguard ", 10)
    )
    assert.same({ "refresh", "resolve", "restart" }, commands.complete("re", "Railguard re", 12))
    assert.same({ "list", "login" }, commands.complete("l", "Rail l", 6))
  end)

  it("completes the list target", function()
    assert.same({ "loc", "qf" }, commands.complete("", "Railguard list ", 15))
    assert.same({ "loc" }, commands.complete("l", "Railguard list l", 16))
  end)

  it("offers nothing after a subcommand without arguments or past the last argument", function()
    assert.same({}, commands.complete("", "Railguard status ", 17))
    assert.same({}, commands.complete("", "Railguard list qf ", 18))
    assert.same({}, commands.complete("", "Railguard nope ", 15))
  end)
end)

describe("parse_goto", function()
  it("reads the command the web app shows", function()
    assert.same({ 7, "shop/billing.py", 2 }, { commands.parse_goto({ "7", "shop/billing.py:2" }) })
    assert.same({ 7, "shop/billing.py" }, { commands.parse_goto({ "7", "/shop/billing.py" }) })
    assert.same({ 7 }, { commands.parse_goto({ "7" }) })
  end)

  it("refuses a bad id and paths that climb out of the repository", function()
    assert.is_nil(commands.parse_goto({ "x" }))
    assert.is_nil(commands.parse_goto({ "1.5" }))
    assert.is_nil(commands.parse_goto({}))
    assert.same({ 7 }, { commands.parse_goto({ "7", "../../etc/passwd:1" }) })
  end)
end)

describe("format_status", function()
  it("describes a connected workspace", function()
    assert.equals(
      "connected to http://rg:8000 as ana@example.com\n"
        .. "/repo: github.com/acme/shop -> project 3, 2 open incidents, 1 monitor down\n"
        .. "/other: github.com/acme/lib -> no matching project",
      commands.format_status({
        connected = true,
        serverUrl = "http://rg:8000",
        user = "ana@example.com",
        problem = vim.NIL,
        projects = {
          {
            folder = "file:///repo",
            repository = "github.com/acme/shop",
            projectId = 3,
            openIncidents = 2,
            monitorsDown = 1,
          },
          {
            folder = "file:///other",
            repository = "github.com/acme/lib",
            projectId = vim.NIL,
            openIncidents = 0,
            monitorsDown = vim.NIL,
          },
        },
      })
    )
  end)

  it("shows the problem when disconnected", function()
    assert.equals(
      "not connected (401 invalid token)",
      commands.format_status({ connected = false, problem = "401 invalid token", projects = {} })
    )
  end)
end)

describe("login argv", function()
  it("passes the password on stdin, never in argv", function()
    assert.same(
      {
        "railguard",
        "login",
        "--server",
        "http://rg:8000",
        "--email",
        "a@b.c",
        "--password-stdin",
      },
      require("railguard.login").argv({ "railguard" }, "http://rg:8000", "a@b.c")
    )
  end)
end)
