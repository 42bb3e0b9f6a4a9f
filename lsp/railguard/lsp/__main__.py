"""`python -m railguard.lsp` and the `railguard-lsp` console script."""

from __future__ import annotations


def main() -> None:
    """Start the language server on stdio."""
    raise SystemExit("the language server is not built yet")


if __name__ == "__main__":
    main()
