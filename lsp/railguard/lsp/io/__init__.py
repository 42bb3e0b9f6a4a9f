"""The language server's I/O: the backend's HTTP client and access to the user's git
repositories. Nothing here knows about LSP."""
