"""`python -m railguard.lsp.mcpserver`: the MCP server on stdio."""

from railguard.lsp.mcpserver.server import main

if __name__ == "__main__":
    main()
