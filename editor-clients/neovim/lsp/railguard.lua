-- Config for `vim.lsp.enable("railguard")` (Neovim 0.11+). Override any field with
-- `vim.lsp.config("railguard", { ... })`, or set options with `require("railguard").setup()`.
-- `init_options` are built from those options when the server starts (see `before_init`).
return require("railguard.config").lsp_config()
