"""Where the language server connects when an option is missing: `RAILGUARD_URL` /
`RAILGUARD_TOKEN`, then the credentials file `railguard login` writes (its path and format
live in `railguard.wire.credentials`, shared with the backend's command line).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from railguard.lsp.core.options import NO_SERVER, NO_TOKEN, Options, Settings
from railguard.wire.credentials import default_credentials_path, read_credentials


def resolve_settings(options: Options, environ: Mapping[str, str] | None = None) -> Settings:
    """Options first, then the environment, then the credentials file (per field)."""
    env = os.environ if environ is None else environ
    url, token, source = options.server_url, options.token, "initializationOptions"
    if url is None or token is None:
        env_url, env_token = env.get("RAILGUARD_URL") or None, env.get("RAILGUARD_TOKEN") or None
        if env_url or env_token:
            source = "environment"
        url, token = url or env_url, token or env_token
    if url is None or token is None:
        creds = read_credentials(options.credentials_file)
        if creds is not None:
            url, token = url or creds[0], token or creds[1]
            source = "credentials file"
    if url is None:
        return Settings(None, token, source, NO_SERVER)
    if token is None:
        return Settings(url, None, source, NO_TOKEN)
    return Settings(url.rstrip("/"), token, source)


def credentials_stamp(options: Options) -> float | None:
    """mtime of the credentials file in use, to retry when `railguard login` rewrites it."""
    path = options.credentials_file or default_credentials_path()
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None
