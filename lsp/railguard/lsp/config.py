"""`write_credentials` for `railguard login` (the backend's command line imports it from here);
the language server itself reads the credentials file through `io/credentials.py`."""

from railguard.lsp.io.credentials import write_credentials

__all__ = ["write_credentials"]
