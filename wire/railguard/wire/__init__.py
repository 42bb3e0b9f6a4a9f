"""The HTTP wire contract shared by the backend and the language server.

Imports only pydantic, platformdirs and the standard library, so that the language server can
parse what the backend sends (and find what `railguard login` stored) without importing any of
the backend's web or database code.
"""
