"""`railguard mcp`: a Model Context Protocol server (stdio) for coding assistants, a client of the
backend like the language server, placing incidents in the caller's working copy."""
