if vim.g.loaded_railguard then
  return
end
vim.g.loaded_railguard = true

vim.api.nvim_create_user_command("Railguard", function(args)
  require("railguard.commands").run(args)
end, {
  nargs = "*",
  desc = "Railguard: status, login, list, resolve, ignore, open, refresh, restart",
  complete = function(arglead, cmdline, cursorpos)
    return require("railguard.commands").complete(arglead, cmdline, cursorpos)
  end,
})
