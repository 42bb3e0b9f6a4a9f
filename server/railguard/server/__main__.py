"""`python -m railguard.server` runs the `railguard` command."""

from railguard.server.cli import main

main()
