"""Pure code of the language server: no pygls, no aiohttp, no repository access (ruff enforces
it with `core/ruff.toml`). Line mapping, path matching, incident records, diagnostic and hover
rendering, options parsing: everything here is a function of its arguments, tested alone."""
