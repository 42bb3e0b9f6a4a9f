"""LSP handlers, one module per concern; importing this package registers them on `server`."""

from railguard.lsp.features import actions, connection, documents, hover, live

__all__ = ["actions", "connection", "documents", "hover", "live"]
