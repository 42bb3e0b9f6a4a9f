"""`python -m railguard.lsp` and the `railguard-lsp` console script.

stdio by default (`--tcp`/`--ws` from pygls's `start_server` for debugging); `-v` logs at
debug level to stderr; `--version` prints the version and exits. stdout is the protocol, so
nothing else here may print.
"""

from __future__ import annotations

import argparse
import logging
import sys


def _help() -> str:
    parser = argparse.ArgumentParser(
        prog="railguard-lsp",
        description="The Railguard language server: production incidents on the right line. "
        "Speaks LSP on stdio unless --tcp or --ws is given.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log at debug level to stderr, never stdout"
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--tcp", action="store_true", help="serve over TCP (debugging)")
    parser.add_argument("--ws", action="store_true", help="serve over WebSocket (debugging)")
    parser.add_argument("--host", default="127.0.0.1", help="address for --tcp/--ws")
    parser.add_argument("--port", type=int, default=8888, help="port for --tcp/--ws")
    return parser.format_help()


def main(argv: list[str] | None = None) -> None:
    """Start the language server (stdio unless `--tcp`/`--ws`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "-h" in args or "--help" in args:  # not serving, so stdout is free
        sys.stdout.write(_help())
        return
    if "--version" in args:  # for :checkhealth and bug reports; not serving, so stdout is free
        from importlib.metadata import version

        sys.stdout.write(f"railguard-lsp {version('railguard')}\n")
        return
    verbose = "-v" in args or "--verbose" in args
    args = [a for a in args if a not in ("-v", "--verbose")]
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        logging.getLogger("pygls").setLevel(logging.WARNING)

    from pygls.cli import start_server

    from railguard.lsp.factory import create_server

    start_server(create_server(), args)


if __name__ == "__main__":
    main()
