"""The device authorization grant's bodies (RFC 8628 §3.2, §3.5; RFC 6749 §5.1-5.2).

`POST /oauth/device/code` and `POST /oauth/token` take form-encoded parameters, as the RFCs
say, and answer these JSON bodies; `railguard login` parses them with the same models.
"""

from __future__ import annotations

from pydantic import Field

from railguard.wire.models import Response

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


class DeviceCode(Response):
    device_code: str = Field(description="The secret the device polls with.")
    user_code: str = Field(description="What the person types, shown as `BCDF-GHJK`.")
    verification_uri: str
    verification_uri_complete: str
    expires_in: int = Field(description="Seconds until both codes expire.")
    interval: int = Field(description="Seconds to wait between polls.")


class DeviceToken(Response):
    access_token: str
    token_type: str = "Bearer"
    scope: str = Field(description="Space-separated scopes of the token.")
    token_id: int = Field(description="The token's id in `GET /api/v1/tokens`.")


class OAuthError(Response):
    error: str = Field(description="`authorization_pending`, `slow_down`, `expired_token`, ...")
    error_description: str = ""
    interval: int | None = Field(
        default=None, description="With `slow_down` and `authorization_pending`: the interval now."
    )
