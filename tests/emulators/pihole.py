"""A stateful Pi-hole v6 API on loopback, checked against Pi-hole's OpenAPI specs.

Every request is matched to an operation of ``tests/specs/pihole-v6`` and its
parameters and body are validated before it is served; every reply is
validated against the documented status and schema before it is sent. A
mismatch is recorded in ``spec_errors`` (the request gets a 400, a bad reply a
500), and the fixtures fail a test that leaves any behind.

The behaviour follows FTL (Pi-hole's API server): sessions in a fixed number of
seats that expire unless used, the session id taken from the ``sid`` or
``X-FTL-SID`` header, the ``sid`` cookie (with ``X-CSRF-TOKEN``), the ``sid``
query parameter or the JSON body; TOTP required on password logins (not on app
password logins) when 2FA is on; the query log's ``cursor``/``start``/``length``
/``from``/``until`` semantics; groups, clients and deny/allow domains with one
entry per (domain, type, kind), group references checked, and memberships
dropped with a deleted group.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from .openapi_pihole import OpenApiSpec, SpecError

type Json = dict[str, Any]
type Reply = tuple[int, object]

_SPEC: OpenApiSpec | None = None
_MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
_DOMAIN = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$")
_MAX_ROWS = 10000


def spec() -> OpenApiSpec:
    """The spec, loaded once per test session."""
    global _SPEC  # noqa: PLW0603
    if _SPEC is None:
        _SPEC = OpenApiSpec()
    return _SPEC


def _error(status: int, key: str, message: str, hint: str | None = None) -> Reply:
    return status, {"error": {"key": key, "message": message, "hint": hint}}


@dataclass
class Session:
    """One API seat in use."""

    sid: str
    csrf: str
    valid_until: float
    app: bool


@dataclass
class PiholeEmulator:
    """Pi-hole's state and its API."""

    password: str = "correct horse"
    app_password: str | None = None
    totp: bool = False
    totp_code: int = 123456
    hostname: str = "pihole"
    max_sessions: int = 16
    session_timeout: int = 1800
    clock: float = 1_764_547_200.0
    groups: list[Json] = field(default_factory=list)
    clients: list[Json] = field(default_factory=list)
    domains: list[Json] = field(default_factory=list)
    lists: list[Json] = field(default_factory=list)
    devices: list[Json] = field(default_factory=list)
    queries: list[Json] = field(default_factory=list)
    sessions: dict[str, Session] = field(default_factory=dict)
    logins: int = 0
    blocking: bool = True
    reply_bytes: int = 0
    """Bytes of JSON replies sent (tests compare the cost of read-backs)."""
    """DNS blocking as ``pihole disable`` / the dashboard switch sets it."""
    requests: list[tuple[str, str, object]] = field(default_factory=list)
    spec_errors: list[str] = field(default_factory=list)
    url: str = ""
    _ids: dict[str, int] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    def __post_init__(self) -> None:
        """Start with the Default group, as a fresh Pi-hole does."""
        if not self.groups:
            self.groups.append(self._row("group", name="Default", comment="The default group"))
            self.groups[0]["id"] = 0

    # -- helpers for tests -------------------------------------------------

    def _next(self, table: str) -> int:
        self._ids[table] = self._ids.get(table, 0) + 1
        return self._ids[table]

    def _row(self, table: str, **values: Any) -> Json:
        now = int(self.clock)
        row = {**values, "id": self._next(table), "date_added": now, "date_modified": now}
        if table in ("group", "domain"):
            row.setdefault("enabled", True)
        return row

    def add_query(
        self,
        domain: str,
        client_ip: str,
        client_name: str | None = None,
        qtype: str = "A",
        status: str = "FORWARDED",
    ) -> int:
        """Log one query now; return its id."""
        qid = self._next("query")
        self.queries.append(
            {
                "id": qid,
                "time": self.clock,
                "type": qtype,
                "domain": domain,
                "ip": client_ip,
                "name": client_name,
                "status": status,
            }
        )
        self.clock += 0.001
        return qid

    def flush_queries(self) -> None:
        """Flush the query log (``pihole flush``): ids start again."""
        self.queries.clear()
        self._ids["query"] = 0

    def add_device(self, hwaddr: str, ips: list[tuple[str, str | None]], interface: str) -> None:
        """Put a device in the network table."""
        now = int(self.clock)
        self.devices.append(
            {
                "id": self._next("device"),
                "hwaddr": hwaddr,
                "interface": interface,
                "firstSeen": now,
                "lastQuery": now,
                "numQueries": 1,
                "macVendor": None,
                "ips": [
                    {"ip": ip, "name": name, "lastSeen": now, "nameUpdated": now}
                    for ip, name in ips
                ],
            }
        )

    def add_group(self, name: str, comment: str | None = None, enabled: bool = True) -> int:
        """Add a group of the user's."""
        self.groups.append(self._row("group", name=name, comment=comment, enabled=enabled))
        return int(self.groups[-1]["id"])

    def add_client(self, client: str, groups: list[int], comment: str | None = None) -> None:
        """Add a client entry of the user's."""
        self.clients.append(
            self._row("client", client=client, name=None, comment=comment, groups=groups)
        )

    def add_domain(
        self, domain: str, type_: str, kind: str, groups: list[int], comment: str | None = None
    ) -> None:
        """Add a domain entry of the user's."""
        self.domains.append(
            self._row(
                "domain",
                domain=domain,
                unicode=domain,
                type=type_,
                kind=kind,
                comment=comment,
                groups=groups,
            )
        )

    def state(self) -> Json:
        """A deep copy of everything the user configures."""
        return copy.deepcopy(
            {
                "groups": self.groups,
                "clients": self.clients,
                "domains": self.domains,
                "lists": self.lists,
            }
        )

    def expire_sessions(self) -> None:
        """Let every session time out."""
        self.clock += self.session_timeout + 1

    def live_sessions(self) -> int:
        """Seats in use by unexpired sessions."""
        return sum(1 for s in self.sessions.values() if s.valid_until >= self.clock)

    # -- server ------------------------------------------------------------

    async def start(self) -> str:
        """Serve on 127.0.0.1; return the base URL."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def port(self) -> int:
        """The TCP port served."""
        return int(self.url.rsplit(":", 1)[1])

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.rel_url.raw_path
        if not raw_path.startswith("/api/"):
            return web.Response(status=404, text="<html>Not found</html>", content_type="text/html")
        path = raw_path[len("/api") :]
        query = dict(request.query)
        raw = await request.read() if request.can_read_body else b""
        body: object = None
        self.requests.append(
            (request.method, request.rel_url.raw_path_qs, raw.decode(errors="replace"))
        )
        try:
            op = spec().operation(request.method, path)
        except SpecError as err:
            return self._send(None, *self._reject(str(err), 404))
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return self._send(op, *_error(400, "bad_request", "No valid JSON payload found"))
        try:
            spec().validate_request(op, query, body, has_body=bool(raw))
        except SpecError as err:
            return self._send(op, *self._reject(str(err), 400))
        params = {k: unquote(v) for k, v in op.path_params.items()}
        status, reply = self._dispatch(op.template, request, params, query, body)
        return self._send(op, status, reply)

    def _reject(self, message: str, status: int) -> Reply:
        self.spec_errors.append(message)
        return _error(status, "bad_request", message)

    def _send(self, op: Any, status: int, reply: object) -> web.Response:
        if isinstance(reply, dict):
            reply = {**reply, "took": 0.001}
        if op is not None:
            try:
                spec().validate_response(op, status, reply)
            except SpecError as err:
                self.spec_errors.append(f"reply: {err}")
                status, reply = 500, {"error": {"key": "spec", "message": str(err)}}
        if reply is None:
            return web.Response(status=status)
        response = web.json_response(reply, status=status)
        self.reply_bytes += len(response.body or b"")  # type: ignore[arg-type]
        return response

    # -- auth --------------------------------------------------------------

    def _session(self, request: web.Request, query: Json, body: object) -> Session | None:
        sid = None
        if isinstance(body, dict) and isinstance(body.get("sid"), str):
            sid = body["sid"]
        sid = sid or request.headers.get("sid") or request.headers.get("X-FTL-SID")
        cookie = False
        if sid is None and "sid" in request.cookies:
            sid, cookie = request.cookies["sid"], True
        sid = sid or query.get("sid")
        session = self.sessions.get(sid) if sid else None
        if session is None or session.valid_until < self.clock:
            return None
        if cookie and request.headers.get("X-CSRF-TOKEN") != session.csrf:
            return None
        session.valid_until = self.clock + self.session_timeout
        return session

    def _session_reply(self, session: Session | None, message: str | None) -> Json:
        valid = session is not None
        return {
            "session": {
                "valid": valid,
                "totp": self.totp,
                "sid": session.sid if session else None,
                "csrf": session.csrf if session else None,
                "validity": int(session.valid_until - self.clock) if session else -1,
                "message": message,
            }
        }

    def _auth(self, request: web.Request, query: Json, body: object) -> Reply:
        current = self._session(request, query, body)
        if request.method == "DELETE":
            if current is None:
                return 401, self._session_reply(None, "no valid session")
            del self.sessions[current.sid]
            return 204, None
        if request.method == "GET":
            return (200 if current else 401), self._session_reply(current, None)
        assert isinstance(body, dict)
        password = body.get("password")
        if not isinstance(password, str):
            return _error(400, "bad_request", "No password found in JSON payload")
        self.logins += 1
        app = self.app_password is not None and password == self.app_password
        if not app and password != self.password:
            return 401, self._session_reply(None, "password incorrect")
        if self.totp and not app:
            if "totp" not in body:
                return _error(400, "bad_request", "No 2FA token found in JSON payload")
            if body["totp"] != self.totp_code:
                return _error(401, "unauthorized", "Invalid 2FA token")
        for sid, seat in list(self.sessions.items()):
            if seat.valid_until < self.clock:
                del self.sessions[sid]
        if len(self.sessions) >= self.max_sessions:
            return _error(
                429,
                "api_seats_exceeded",
                "API seats exceeded",
                "increase webserver.api.max_sessions",
            )
        session = Session(
            secrets.token_urlsafe(16),
            secrets.token_urlsafe(16),
            self.clock + self.session_timeout,
            app,
        )
        self.sessions[session.sid] = session
        return 200, self._session_reply(
            session, "app-password correct" if app else "correct password"
        )

    # -- dispatch ----------------------------------------------------------

    def _dispatch(
        self, template: str, request: web.Request, params: Json, query: Json, body: object
    ) -> Reply:
        if template == "/auth":
            return self._auth(request, query, body)
        if template == "/info/version":
            local = {"branch": "master", "version": "v6.3", "hash": "abcdef12"}
            return 200, {"version": {"core": {"local": local, "remote": local}}}
        if self._session(request, query, body) is None:
            return _error(401, "unauthorized", "Unauthorized")
        method = request.method
        if template == "/info/host":
            return 200, {"host": {"uname": {"nodename": self.hostname, "sysname": "Linux"}}}
        if template == "/queries":
            return self._queries(query)
        if template == "/dns/blocking" and method == "GET":
            return 200, {"blocking": "enabled" if self.blocking else "disabled", "timer": None}
        if template == "/info/ftl":
            return 200, {"ftl": {"database": self._database()}}
        if template == "/network/devices":
            limit = int(query.get("max_devices", 10))
            addresses = int(query.get("max_addresses", 3))
            shown = [{**d, "ips": d["ips"][:addresses]} for d in self.devices[:limit]]
            return 200, {"devices": copy.deepcopy(shown)}
        table, _, _rest = template.strip("/").partition("/")
        table = table.removesuffix(":batchDelete")
        if template.endswith(":batchDelete"):
            return self._batch_delete(table, body)
        rows = {"groups": self.groups, "clients": self.clients, "domains": self.domains}[table]
        if method == "GET":
            return 200, {table: copy.deepcopy([r for r in rows if self._selects(table, r, params)])}
        if method == "DELETE":
            return self._delete(table, [r for r in rows if self._selects(table, r, params)])
        assert isinstance(body, dict)
        if method == "POST":
            return self._post(table, params, body)
        return self._put(table, params, body)

    def _database(self) -> Json:
        """Counts of the gravity database (``/info/ftl``), as FTL computes them."""

        def count(type_: str, kind: str) -> Json:
            rows = [d for d in self.domains if d["type"] == type_ and d["kind"] == kind]
            return {"total": len(rows), "enabled": sum(1 for d in rows if d["enabled"])}

        return {
            "gravity": 0,
            "groups": len(self.groups),
            "lists": len(self.lists),
            "clients": len(self.clients),
            "domains": {"allowed": count("allow", "exact"), "denied": count("deny", "exact")},
            "regex": {"allowed": count("allow", "regex"), "denied": count("deny", "regex")},
        }

    def _selects(self, table: str, row: Json, params: Json) -> bool:
        if table == "groups":
            return "name" not in params or row["name"] == params["name"]
        if table == "clients":
            return "client" not in params or row["client"].lower() == params["client"].lower()
        return all(row[k] == params[k] for k in ("type", "kind", "domain") if k in params)

    def _delete(self, table: str, found: list[Json]) -> Reply:
        if not found:
            return 404, {}
        for row in found:
            self._drop(table, row)
        return 204, None

    def _drop(self, table: str, row: Json) -> None:
        if table == "groups":
            self.groups.remove(row)
            for other in (*self.clients, *self.domains, *self.lists):
                other["groups"] = [g for g in other["groups"] if g != row["id"]]
        else:
            {"clients": self.clients, "domains": self.domains}[table].remove(row)

    def _batch_delete(self, table: str, body: object) -> Reply:
        assert isinstance(body, list)
        found = []
        rows = {"groups": self.groups, "clients": self.clients, "domains": self.domains}[table]
        for item in body:
            key = {"groups": "name", "clients": "client", "domains": "domain"}[table]
            found += [
                r
                for r in rows
                if r[key] == item["item"]
                and all(r[k] == item[k] for k in ("type", "kind") if k in item)
            ]
        return self._delete(table, found)

    def _check_groups(self, groups: list[int]) -> str | None:
        known = {g["id"] for g in self.groups}
        return None if set(groups) <= known else "FOREIGN KEY constraint failed"

    def _post(self, table: str, params: Json, body: Json) -> Reply:
        key = {"groups": "name", "clients": "client", "domains": "domain"}[table]
        items = body.get(key)
        items = items if isinstance(items, list) else [items]
        created: list[Json] = []
        errors: list[Json] = []
        for item in items:
            problem = self._invalid(table, item, params) or self._check_groups(
                body.get("groups", [0])
            )
            if problem is None and self._find(table, item, params) is not None:
                problem = f"UNIQUE constraint failed: {table}"
            if problem:
                errors.append({"item": item, "error": problem})
                continue
            created.append(self._insert(table, self._stored(table, item), params, body))
        processed = {"success": [{"item": r[key]} for r in created], "errors": errors}
        if not created:
            return _error(
                400,
                "database_error",
                "Could not add to gravity database",
                errors[0]["error"] if errors else None,
            )
        return 201, {table: copy.deepcopy(created), "processed": processed}

    def _stored(self, table: str, item: str) -> str:
        if table == "clients" and _MAC.match(item):
            return item.upper()
        return item

    def _invalid(self, table: str, item: object, params: Json) -> str | None:
        if not isinstance(item, str) or not item:
            return "invalid item"
        if table == "domains" and params["kind"] == "exact" and not _DOMAIN.match(item):
            return "Invalid domain"
        if table == "domains" and params["kind"] == "regex":
            try:
                re.compile(item)
            except re.error as err:
                return f"Invalid regex: {err}"
        return None

    def _find(self, table: str, item: str, params: Json) -> Json | None:
        if table == "groups":
            return next((g for g in self.groups if g["name"] == item), None)
        if table == "clients":
            return next((c for c in self.clients if c["client"].lower() == item.lower()), None)
        return next(
            (
                d
                for d in self.domains
                if d["domain"] == item
                and d["type"] == params["type"]
                and d["kind"] == params["kind"]
            ),
            None,
        )

    def _insert(self, table: str, item: str, params: Json, body: Json) -> Json:
        if table == "groups":
            row = self._row(
                "group", name=item, comment=body.get("comment"), enabled=body.get("enabled", True)
            )
            self.groups.append(row)
        elif table == "clients":
            row = self._row(
                "client",
                client=item,
                name=None,
                comment=body.get("comment"),
                groups=list(body.get("groups", [0])),
            )
            self.clients.append(row)
        else:
            row = self._row(
                "domain",
                domain=item,
                unicode=item,
                type=params["type"],
                kind=params["kind"],
                comment=body.get("comment"),
                groups=list(body.get("groups", [0])),
                enabled=body.get("enabled", True),
            )
            self.domains.append(row)
        return row

    def _put(self, table: str, params: Json, body: Json) -> Reply:
        key = {"groups": "name", "clients": "client", "domains": "domain"}[table]
        item = params[key]
        if (problem := self._check_groups(body.get("groups", [0]))) is not None:
            return _error(400, "database_error", "Could not add to gravity database", problem)
        row = self._find(table, item, params)
        if row is None:
            row = self._insert(table, self._stored(table, item), params, body)
        for name in ("comment", "groups", "enabled"):
            if name in body and (name != "enabled" or table != "clients"):
                row[name] = copy.deepcopy(body[name])
        if table == "groups" and "name" in body:
            row["name"] = body["name"]
        if table == "domains":
            row["type"] = body.get("type", row["type"])
            row["kind"] = body.get("kind", row["kind"])
        row["date_modified"] = int(self.clock)
        processed = {"success": [{"item": item}], "errors": []}
        return 200, {table: [copy.deepcopy(row)], "processed": processed}

    # -- query log -----------------------------------------------------------

    def _queries(self, query: Json) -> Reply:
        largest = self.queries[-1]["id"] if self.queries else 0
        length = int(query.get("length", 100))
        if length <= 0 or length > _MAX_ROWS:
            length = _MAX_ROWS
        start = int(query.get("start", 0))
        rows = sorted(self.queries, key=lambda q: q["id"], reverse=True)
        cursor_set = "cursor" in query
        if cursor_set:
            cursor = int(query["cursor"])
            if cursor > largest:
                return _error(
                    400,
                    "bad_request",
                    "Requested cursor is invalid",
                    "Cursor larger than largest database index",
                )
            rows = [q for q in rows if q["id"] <= cursor]
        if "from" in query:
            rows = [q for q in rows if q["time"] >= float(query["from"])]
        if "until" in query:
            rows = [q for q in rows if q["time"] < float(query["until"])]
        for name, column in (("domain", "domain"), ("client_ip", "ip")):
            if name in query:
                rows = [q for q in rows if q[column] == query[name]]
        page = rows[start : start + length]
        return 200, {
            "queries": [
                {
                    "id": q["id"],
                    "time": q["time"],
                    "type": q["type"],
                    "domain": q["domain"],
                    "cname": None,
                    "status": q["status"],
                    "client": {"ip": q["ip"], "name": q["name"]},
                    "dnssec": "INSECURE",
                    "reply": {"type": "IP", "time": 1.5},
                    "list_id": None,
                    "upstream": "127.0.0.1#5335",
                    "ede": {"code": 0, "text": None},
                }
                for q in page
            ],
            "cursor": int(query["cursor"]) if cursor_set else largest,
            "recordsTotal": len(self.queries),
            "recordsFiltered": len(rows),
            "draw": int(query.get("draw", 0)),
        }
