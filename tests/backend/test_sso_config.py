"""Sign-in providers from the environment: several at once, and a half-configured one stops
every command with one line and exit 2 (never a traceback, never a dead button)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from railguard.server.settings import Settings
from railguard.server.sso.config import SsoConfigError, load_providers

GOOD = {
    "RAILGUARD_OIDC_KEYCLOAK_ISSUER": "https://id.example.com/realms/dev/",
    "RAILGUARD_OIDC_KEYCLOAK_CLIENT_ID": "railguard",
    "RAILGUARD_OIDC_KEYCLOAK_CLIENT_SECRET": "s1",
    "RAILGUARD_OIDC_GITLAB_ISSUER": "https://gitlab.example.com",
    "RAILGUARD_OIDC_GITLAB_CLIENT_ID": "abc",
    "RAILGUARD_OIDC_GITLAB_CLIENT_SECRET": "s2",
    "RAILGUARD_OIDC_GITLAB_LABEL": "GitLab",
    "RAILGUARD_GITHUB_CLIENT_ID": "Iv1.x",
    "RAILGUARD_GITHUB_CLIENT_SECRET": "s3",
    "RAILGUARD_OTHER": "ignored",
}


def test_several_providers_at_once() -> None:
    providers = {p.name: p for p in load_providers(GOOD)}
    assert set(providers) == {"keycloak", "gitlab", "github"}
    assert providers["keycloak"].issuer == "https://id.example.com/realms/dev"
    assert providers["keycloak"].label == "Keycloak" and providers["gitlab"].label == "GitLab"
    assert providers["github"].web_url == "https://github.com"
    assert providers["github"].api_url == "https://api.github.com"
    assert load_providers({}) == ()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RAILGUARD_OIDC_KC_ISSUER": "https://id.example.com"},
         "missing setting RAILGUARD_OIDC_KC_CLIENT_ID"),
        ({"RAILGUARD_OIDC_KC_ISSUER": "id.example.com", "RAILGUARD_OIDC_KC_CLIENT_ID": "a",
          "RAILGUARD_OIDC_KC_CLIENT_SECRET": "b"},
         "bad setting RAILGUARD_OIDC_KC_ISSUER='id.example.com': must be an http(s) URL"),
        ({"RAILGUARD_OIDC_KC_ISUER": "https://x"}, "unknown setting RAILGUARD_OIDC_KC_ISUER"),
        ({"RAILGUARD_GITHUB_CLIENT_ID": "a"}, "missing setting RAILGUARD_GITHUB_CLIENT_SECRET"),
    ],
)  # fmt: skip
def test_bad_configuration_is_one_line_and_exit_2(env: dict[str, str], message: str) -> None:
    with pytest.raises(SsoConfigError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        load_providers(env)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RAILGUARD_")}
    result = subprocess.run(
        [sys.executable, "-m", "railguard.server", "migrate", "status"],
        env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(f"railguard: {message}") and result.stderr.count("\n") == 1


def test_settings_read_the_signup_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILGUARD_SIGNUP", "domains")
    monkeypatch.setenv("RAILGUARD_SIGNUP_DOMAINS", "example.com, @example.org")
    settings = Settings()
    assert settings.signup == "domains"
    assert settings.signup_domains == ["example.com", "example.org"]
