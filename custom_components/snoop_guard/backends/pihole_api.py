"""Typed calls to the Pi-hole v6 REST API (``/api``), on an injected aiohttp session.

One login per connection (``POST /api/auth``): the session id travels in the
``X-FTL-SID`` header, never in a URL (URLs end up in logs). Pi-hole keeps a
fixed number of API seats (``webserver.api.max_sessions``), so the session is
released with ``DELETE /api/auth`` on close.

A 401 on a request made with a session means the session expired or was
revoked (a new app password revokes every session): we log in again once and
retry once. A login Pi-hole refuses ends in ``BackendAuthError`` at once, never
in a loop. An account with two-factor authentication needs a TOTP code on every
login, which an unattended integration cannot give: that is reported as
``PiholeTwoFactorError`` so the UI can ask for an app password instead.

Pi-hole 6 also ships in the PyPI ``hole`` client (0.9.2, Home Assistant's pin),
but that client only reads statistics and toggles blocking; it has no calls for
groups, domains, clients or the query log, and reports a missing TOTP code as a
generic error. These few calls are therefore our own.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import aiohttp
from yarl import URL

from .base import (
    BackendAuthError,
    BackendConnectionError,
    BackendResponseError,
    WrongServerError,
)

_LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT: Final = 30.0
# Replies larger than this are parsed in an executor (a long deny list is megabytes of JSON).
_EXECUTOR_PARSE_BYTES: Final = 256 * 1024

type Json = dict[str, Any]


class PiholeTwoFactorError(BackendAuthError):
    """The account has two-factor authentication: an app password is needed."""


class PiholeSeatsExceededError(BackendConnectionError):
    """Pi-hole has no free API session (``webserver.api.max_sessions`` reached)."""


class PiholeApiError(BackendResponseError):
    """Pi-hole answered a request with an error object."""

    def __init__(self, status: int, key: str, message: str, hint: str | None = None) -> None:
        """Keep Pi-hole's machine-readable key and its message."""
        text = f"Pi-hole error {status} {key}: {message}"
        super().__init__(f"{text} ({hint})" if hint else text)
        self.status = status
        self.key = key
        self.hint = hint


@dataclass(frozen=True, slots=True, kw_only=True)
class PiholeSettings:
    """How to reach Pi-hole's API."""

    host: str
    port: int = 80
    tls: bool = False
    verify_ssl: bool = True
    password: str = ""


def _error_of(data: object) -> tuple[str, str, str | None]:
    if isinstance(data, dict) and isinstance(err := data.get("error"), dict):
        hint = err.get("hint")
        return (
            str(err.get("key", "")),
            str(err.get("message", "")),
            str(hint) if hint is not None else None,
        )
    return ("", "", None)


class PiholeApi:
    """A logged-in connection to Pi-hole's API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: PiholeSettings,
        *,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        """Use ``session`` (Home Assistant's shared one); nothing is sent yet."""
        self._session = session
        self._settings = settings
        self._timeout = timeout
        self._base = URL.build(
            scheme="https" if settings.tls else "http",
            host=settings.host,
            port=settings.port,
            path="/api",
        )
        self._sid: str | None = None
        self._logged_in = False
        self._login_lock = asyncio.Lock()
        self.logins = 0
        self._refused: BackendAuthError | None = None
        """How many login requests this connection sent (one per (re)login)."""

    @property
    def logged_in(self) -> bool:
        """Whether a login succeeded and was not released since."""
        return self._logged_in

    def _url(self, path: str) -> URL:
        # ``path`` is made of constants and of URL-quoted items (see ``quote_item``).
        return URL(f"{self._base}{path}", encoded=True)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: object = None,
        sid: str | None = None,
    ) -> tuple[int, bytes, str]:
        headers = {"Accept": "application/json"}
        if sid is not None:
            headers["X-FTL-SID"] = sid
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, separators=(",", ":")).encode()
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._session.request(
                    method,
                    self._url(path),
                    params=params,
                    data=data,
                    headers=headers,
                    ssl=self._settings.verify_ssl,
                    allow_redirects=False,
                ) as resp,
            ):
                return resp.status, await resp.read(), resp.content_type
        except TimeoutError as err:
            raise BackendConnectionError(f"Pi-hole did not answer {method} {path}") from err
        except aiohttp.ClientError as err:
            raise BackendConnectionError(f"cannot reach Pi-hole: {err}") from err

    @staticmethod
    async def _decode(raw: bytes) -> object:
        if not raw:
            return None
        try:
            if len(raw) > _EXECUTOR_PARSE_BYTES:
                return await asyncio.get_running_loop().run_in_executor(None, json.loads, raw)
            return json.loads(raw)
        except ValueError as err:
            raise BackendResponseError("Pi-hole answered something that is not JSON") from err

    async def login(self) -> None:
        """Log in with the password (or app password), unless logged in already.

        Concurrent first requests share one login: each login takes an API seat.
        """
        async with self._login_lock:
            if not self._logged_in:
                await self._login()

    async def _login(self) -> None:
        if self._refused is not None:
            # One refused login per connection: Pi-hole rate-limits, never a loop.
            raise type(self._refused)(str(self._refused))
        self.logins += 1
        status, raw, ctype = await self._send(
            "POST", "/auth", body={"password": self._settings.password}
        )
        if ctype != "application/json" or status == 404:
            raise WrongServerError(f"no Pi-hole v6 API here (HTTP {status} on /api/auth)")
        try:
            data = await self._decode(raw)
        except BackendResponseError as err:
            raise WrongServerError("no Pi-hole v6 API here (no JSON on /api/auth)") from err
        key, message, hint = _error_of(data)
        if status == 400 and "2FA" in message:
            self._refused = PiholeTwoFactorError("Pi-hole asks for a 2FA code: use an app password")
            raise PiholeTwoFactorError(str(self._refused))
        if status == 401:
            self._refused = BackendAuthError("Pi-hole refused the password")
            raise BackendAuthError(str(self._refused))
        if status == 429:
            if key == "api_seats_exceeded":
                raise PiholeSeatsExceededError(
                    "Pi-hole has no free API session (webserver.api.max_sessions)"
                )
            raise BackendConnectionError(f"Pi-hole rate-limits logins: {message}")
        if status != 200:
            raise PiholeApiError(status, key or "unknown", message or "login failed", hint)
        session = data.get("session") if isinstance(data, dict) else None
        if not isinstance(session, dict) or not isinstance(session.get("valid"), bool):
            raise WrongServerError("no Pi-hole v6 session object in the login reply")
        if session.get("valid") is not True:
            raise BackendResponseError("Pi-hole's login reply holds no valid session")
        sid = session.get("sid")
        # A Pi-hole without a password answers with a valid session and no sid.
        self._sid = sid if isinstance(sid, str) and sid else None
        self._logged_in = True

    async def logout(self) -> None:
        """Release our API session (a seat on Pi-hole); errors are only logged."""
        sid, self._sid, self._logged_in = self._sid, None, False
        if sid is None:
            return
        try:
            status, _, _ = await self._send("DELETE", "/auth", sid=sid)
        except BackendConnectionError as err:
            _LOGGER.debug("Could not release the Pi-hole session: %s", err)
            return
        if status not in (204, 404, 401):
            _LOGGER.debug("Releasing the Pi-hole session answered HTTP %s", status)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: object = None,
        missing_ok: bool = False,
    ) -> Any:
        """Send one request; log in first if needed, and once more on a 401.

        Returns the decoded JSON reply (None for an empty one, or for a 404 when
        ``missing_ok``). Pi-hole's error objects raise ``PiholeApiError``.
        """
        if not self._logged_in:
            await self.login()
        sid = self._sid
        status, raw, _ = await self._send(method, path, params=params, body=body, sid=sid)
        if status == 401:
            async with self._login_lock:
                if self._sid == sid:
                    _LOGGER.debug("Pi-hole session expired, logging in again")
                    self._logged_in = False
                    await self._login()
            status, raw, _ = await self._send(method, path, params=params, body=body, sid=self._sid)
            if status == 401:
                raise BackendAuthError("Pi-hole refused our new session")
        if status == 404 and missing_ok:
            return None
        data = await self._decode(raw)
        if status >= 400:
            key, message, hint = _error_of(data)
            raise PiholeApiError(status, key or "http_error", message or f"HTTP {status}", hint)
        return data


def quote_item(item: str) -> str:
    """Quote one path item (a client, group name or domain, even a regex) for a URL."""
    return quote(item, safe="")
