"""The "set up your SDK" snippets a project's settings page shows, with its DSN filled in.

Each uses the unmodified Sentry SDK of its platform; Railguard needs nothing but the DSN, plus
the release set to the deployed commit so incidents land on the right line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Snippet:
    key: str
    label: str
    install: str
    code: str


def sdk_snippets(dsn: str) -> list[Snippet]:
    return [
        Snippet("python", "Python", "pip install sentry-sdk",
                "import os\n\nimport sentry_sdk\n\n"
                "sentry_sdk.init(\n"
                f'    dsn="{dsn}",\n'
                '    release=os.environ.get("GIT_COMMIT"),  # the deployed commit SHA\n'
                '    environment="production",\n'
                ")\n"),
        Snippet("node", "Node.js", "npm install @sentry/node",
                'const Sentry = require("@sentry/node");\n\n'
                "Sentry.init({\n"
                f'  dsn: "{dsn}",\n'
                "  release: process.env.GIT_COMMIT, // the deployed commit SHA\n"
                '  environment: "production",\n'
                "});\n"),
        Snippet("browser", "Browser JavaScript", "npm install @sentry/browser",
                'import * as Sentry from "@sentry/browser";\n\n'
                "Sentry.init({\n"
                f'  dsn: "{dsn}",\n'
                "  release: __GIT_COMMIT__, // injected by your bundler at build time\n"
                "});\n"),
        Snippet("ruby", "Ruby", 'bundle add sentry-ruby',
                'require "sentry-ruby"\n\n'
                "Sentry.init do |config|\n"
                f'  config.dsn = "{dsn}"\n'
                '  config.release = ENV["GIT_COMMIT"] # the deployed commit SHA\n'
                '  config.environment = "production"\n'
                "end\n"),
    ]  # fmt: skip
