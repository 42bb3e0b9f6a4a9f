"""Railguard language server: production incidents as diagnostics on the code you have open."""
