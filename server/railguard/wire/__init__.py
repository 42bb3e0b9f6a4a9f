"""The HTTP wire contract shared by the backend and the language server.

Imports only pydantic and the standard library, so that the language server can parse what the
backend sends without importing any of the backend's web or database code.
"""
