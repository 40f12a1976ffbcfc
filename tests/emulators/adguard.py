"""A stateful AdGuard Home API emulator on loopback, checked against the OpenAPI spec.

It behaves as AdGuard Home's Go sources do where the backend depends on it:
basic auth and cookie login (``agh_session``); 5 failed logins lock a remote
address out for 15 minutes (basic auth is then refused with 401 even with the
right password, ``/control/login`` answers 429); the query log is served newest
first, ``older_than`` is strict, ``limit`` defaults to 500 and ``oldest`` is the
time of the page's last entry ("" for an empty page); user rules and the access
list are replaced whole; access-list entries must be IPs, CIDRs or ClientIDs.

Every request (query parameters and JSON body) and every reply is checked
against the spec; mismatches are collected in ``violations`` (tests fail on any).
The spec documents 400 for a wrong password at ``/control/login``; the server
sends 403 (``authhttp.go``), and so does the emulator (``KNOWN_DEVIATIONS``).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from aiohttp import web

from custom_components.snoop_guard.backends.adguard_query import format_time_ns, parse_time_ns

from .openapi_adguard import AdGuardSpec

MAX_ATTEMPTS = 5
BLOCK_SECONDS = 15 * 60
KNOWN_DEVIATIONS = frozenset({("POST", "/login", 403)})
_CLIENT_ID = re.compile(r"[a-z0-9-]{1,63}")
_SPEC: AdGuardSpec | None = None


def spec() -> AdGuardSpec:
    """The spec, loaded once per test session."""
    global _SPEC  # noqa: PLW0603
    if _SPEC is None:
        _SPEC = AdGuardSpec()
    return _SPEC


@dataclass
class Lockout:
    attempts: int = 0
    until: float = 0.0


@dataclass
class AdGuardEmulator:
    """AdGuard Home's state and its HTTP API."""

    username: str = "admin"
    password: str = "s3cret"
    version: str = "v0.107.57"
    skew: float = 0.0
    """Seconds added to the emulator's clock (tests move time instead of sleeping)."""
    clients: list[dict[str, Any]] = field(default_factory=list)
    auto_clients: list[dict[str, Any]] = field(default_factory=list)
    protection_enabled: bool = True
    filtering_enabled: bool = True
    dhcp_enabled: bool = False
    leases: list[dict[str, Any]] = field(default_factory=list)
    user_rules: list[str] = field(default_factory=list)
    access: dict[str, list[str]] = field(
        default_factory=lambda: {
            "allowed_clients": [],
            "disallowed_clients": [],
            "blocked_hosts": [],
        }
    )
    log: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """The query log, oldest first: (time in ns, entry as served)."""
    violations: list[str] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    failed_logins: int = 0
    writes: list[tuple[str, Any]] = field(default_factory=list)
    after_reply: dict[str, Callable[[int], None]] = field(default_factory=dict)
    """Per path: called with the count of GETs so far, after each reply (concurrent edits)."""
    _reads: dict[str, int] = field(default_factory=dict)
    _lockouts: dict[str, Lockout] = field(default_factory=dict)
    _sessions: set[str] = field(default_factory=set)
    _last_ns: int = 0

    def now(self) -> float:
        return time.monotonic() + self.skew

    # State helpers used by tests -----------------------------------------

    def add_query(
        self,
        client: str,
        name: str,
        qtype: str = "A",
        *,
        client_id: str = "",
        client_name: str = "",
        ns: int | None = None,
    ) -> dict[str, Any]:
        """Log one query (at a strictly later nanosecond unless ``ns`` is given)."""
        if ns is None:
            ns = max(self._last_ns + 1, time.time_ns())
        self._last_ns = max(self._last_ns, ns)
        entry: dict[str, Any] = {
            "answer": [],
            "cached": False,
            "client": client,
            "client_info": {
                "disallowed": False,
                "disallowed_rule": "",
                "name": client_name,
                "whois": {},
            },
            "client_proto": "",
            "elapsedMs": "0.1",
            "question": {"class": "IN", "name": name, "type": qtype},
            "reason": "NotFilteredNotFound",
            "rules": [],
            "status": "NOERROR",
            "time": format_time_ns(ns),
            "upstream": "192.0.2.53:53",
        }
        if client_id:
            entry["client_id"] = client_id
        # AdGuard Home keeps its log in write order; goroutines can log equal or
        # slightly out-of-order times, so the log is not sorted by time.
        self.log.append((ns, entry))
        return entry

    def failed(self, remote: str) -> None:
        self.failed_logins += 1
        lock = self._lockouts.setdefault(remote, Lockout())
        lock.attempts += 1
        if lock.attempts >= MAX_ATTEMPTS:
            lock.until = self.now() + BLOCK_SECONDS

    def blocked_for(self, remote: str) -> float:
        lock = self._lockouts.get(remote)
        if lock is None or not lock.until:
            return 0.0
        left = lock.until - self.now()
        if left <= 0:
            del self._lockouts[remote]
            return 0.0
        return left

    # HTTP --------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        routes = [
            ("GET", "/status", self._status),
            ("GET", "/clients", self._clients),
            ("GET", "/dhcp/status", self._dhcp),
            ("GET", "/querylog", self._querylog),
            ("GET", "/filtering/status", self._filtering_status),
            ("POST", "/filtering/set_rules", self._set_rules),
            ("GET", "/access/list", self._access_list),
            ("POST", "/access/set", self._access_set),
            ("POST", "/login", self._login),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, "/control" + path, handler)
        return app

    def _authorised(self, request: web.Request, remote: str) -> bool:
        if request.cookies.get("agh_session") in self._sessions:
            return True
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        if self.blocked_for(remote) > 0:
            return False  # Refused before the password is even looked at.
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            user, password = "", ""
        if (user, password) == (self.username, self.password):
            self._lockouts.pop(remote, None)
            return True
        self.failed(remote)
        return False

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        path = request.path.removeprefix("/control")
        remote = request.remote or ""
        raw = await request.read()
        body: object = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self.violations.append(f"{request.method} {path}: body is not JSON")
        query = dict(request.query)
        self.requests.append((request.method, path, query))
        self.violations += spec().check_request(request.method, path, query, body, bool(raw))
        if path != "/login" and not self._authorised(request, remote):
            return web.Response(status=401)
        request["json"] = body
        response: web.StreamResponse = await handler(request)
        status = response.status
        has_body = isinstance(response, web.Response) and bool(response.body)
        content_type = response.content_type if has_body else ""
        reply: object = None
        if has_body and content_type == "application/json":
            assert isinstance(response, web.Response)
            reply = json.loads(response.text or "null")
        if (request.method, path, status) not in KNOWN_DEVIATIONS:
            self.violations += spec().check_reply(request.method, path, status, content_type, reply)
        if request.method == "GET" and status == 200:
            self._reads[path] = self._reads.get(path, 0) + 1
            if (hook := self.after_reply.get(path)) is not None:
                hook(self._reads[path])
        return response

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "dns_addresses": ["127.0.0.1"],
                "dns_port": 53,
                "http_port": 3000,
                "protection_enabled": self.protection_enabled,
                "protection_disabled_duration": 0,
                "dhcp_available": True,
                "running": True,
                "version": self.version,
                "language": "en",
                "start_time": 1.0,
            }
        )

    async def _clients(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"clients": self.clients, "auto_clients": self.auto_clients, "supported_tags": []}
        )

    async def _dhcp(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "enabled": self.dhcp_enabled,
                "interface_name": "eth0",
                "v4": {
                    "gateway_ip": "192.168.1.1",
                    "subnet_mask": "255.255.255.0",
                    "range_start": "192.168.1.100",
                    "range_end": "192.168.1.200",
                    "lease_duration": 86400,
                },
                "v6": {"range_start": "", "lease_duration": 86400},
                "leases": [lease for lease in self.leases if "expires" in lease],
                "static_leases": [
                    {k: v for k, v in lease.items() if k != "expires"}
                    for lease in self.leases
                    if "expires" not in lease
                ],
            }
        )

    async def _querylog(self, request: web.Request) -> web.Response:
        query = request.query
        older_ns: int | None = None
        if query.get("older_than"):
            older_ns = parse_time_ns(query["older_than"])
            if older_ns is None:
                return web.Response(status=400, text="parsing params: bad older_than")
        try:
            limit = int(query.get("limit", "500"))
        except ValueError:
            limit = 500
        try:
            offset = int(query.get("offset", "0"))
        except ValueError:
            offset = 0
        if limit == 0:
            return web.json_response({"data": [], "oldest": ""})
        # Newest written first, entries strictly older than ``older_than`` only.
        page = list(
            islice(
                (e for ns, e in reversed(self.log) if older_ns is None or ns < older_ns),
                offset,
                offset + limit,
            )
        )
        return web.json_response({"data": page, "oldest": page[-1]["time"] if page else ""})

    async def _filtering_status(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "enabled": self.filtering_enabled,
                "interval": 24,
                "filters": [],
                "whitelist_filters": [],
                "user_rules": self.user_rules,
            }
        )

    async def _set_rules(self, request: web.Request) -> web.Response:
        body = request["json"]
        if not isinstance(body, dict) or not isinstance(body.get("rules"), list):
            return web.Response(status=400, text="bad request")
        self.user_rules = list(body["rules"])
        self.writes.append(("set_rules", list(self.user_rules)))
        return web.Response(status=200)

    async def _access_list(self, request: web.Request) -> web.Response:
        return web.json_response(self.access)

    async def _access_set(self, request: web.Request) -> web.Response:
        body = request["json"]
        if not isinstance(body, dict):
            return web.Response(status=400, text="json decode")
        lists = {
            k: list(body.get(k) or [])
            for k in ("allowed_clients", "disallowed_clients", "blocked_hosts")
        }
        for key in ("allowed_clients", "disallowed_clients"):
            values = lists[key]
            if len(set(values)) != len(values):
                return web.Response(status=400, text=f"validating {key}: duplicates")
            for value in values:
                if not _access_entry(value):
                    return web.Response(status=400, text=f"validating {key}: bad entry {value!r}")
        self.access = lists
        self.writes.append(("access_set", {k: list(v) for k, v in lists.items()}))
        return web.Response(status=200)

    async def _login(self, request: web.Request) -> web.Response:
        remote = request.remote or ""
        body = request["json"]
        if not isinstance(body, dict):
            return web.Response(status=400, text="json decode")
        if (left := self.blocked_for(remote)) > 0:
            return web.Response(
                status=429,
                text=f"auth: blocked for {left:.0f}s",
                headers={"Retry-After": str(int(left))},
            )
        if (body.get("name"), body.get("password")) != (self.username, self.password):
            self.failed(remote)
            return web.Response(status=403, text="invalid username or password")
        self._lockouts.pop(remote, None)
        token = secrets.token_hex(16)
        self._sessions.add(token)
        response = web.Response(status=200, text="OK")
        response.set_cookie("agh_session", token, httponly=True, samesite="Lax")
        return response


def _access_entry(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return bool(_CLIENT_ID.fullmatch(value))
    return True


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[int]:
    """Run ``app`` on 127.0.0.1 and yield its port."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        server = site._server
        assert server is not None
        yield server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    finally:
        await runner.cleanup()
