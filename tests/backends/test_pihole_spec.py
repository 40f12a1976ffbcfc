"""The Pi-hole spec checker and the emulator's session handling, on their own."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.emulators.openapi_pihole import OpenApiSpec, SpecError
from tests.emulators.pihole import PiholeEmulator, spec
from tests.emulators.pihole_fixtures import (  # noqa: F401
    PASSWORD,
    fixture_http,
    fixture_pihole,
)


def _examples(api: OpenApiSpec) -> list[tuple[str, int, Any]]:
    """Every documented reply example of the operations the backend uses."""
    found = []
    for method, path in (
        ("POST", "/auth"),
        ("GET", "/groups"),
        ("GET", "/domains/deny/exact"),
        ("GET", "/clients"),
    ):
        op = api.operation(method, path)
        for status, documented in op.node["responses"].items():
            reply, file = api.resolve(documented, op.file)
            content = reply.get("content", {}).get("application/json", {})
            for example in content.get("examples", {}).values():
                value, _ = api.resolve(example, file)
                found.append((f"{method} {path}", int(status), value["value"]))
    return found


def test_documented_examples_pass_and_broken_ones_fail() -> None:
    api = spec()
    examples = _examples(api)
    assert len(examples) >= 8
    for where, status, value in examples:
        method, path = where.split(" ")
        api.validate_response(api.operation(method, path), status, value)

    groups = api.operation("GET", "/groups")
    with pytest.raises(SpecError, match="is no boolean"):
        api.validate_response(groups, 200, {"groups": [{"name": "a", "enabled": "yes"}]})
    with pytest.raises(SpecError, match="undocumented"):
        api.validate_response(groups, 418, {})
    auth = api.operation("POST", "/auth")
    with pytest.raises(SpecError, match="missing sid"):
        api.validate_response(auth, 200, {"session": {"valid": True}})


def test_requests_are_checked() -> None:
    api = spec()
    post = api.operation("POST", "/groups")
    api.validate_request(post, {}, {"name": ["a", "b"], "enabled": True}, has_body=True)
    with pytest.raises(SpecError, match="undeclared field"):
        api.validate_request(post, {}, {"name": "a", "id": 3}, has_body=True)
    with pytest.raises(SpecError, match="read-only"):
        api.validate(
            api.operation("GET", "/groups").node["responses"]["200"]["content"]["application/json"][
                "schema"
            ],
            {"groups": [{"name": "a", "id": 3}]},
            "groups.yaml",
            writing=True,
        )
    with pytest.raises(SpecError, match="unknown query parameter"):
        api.validate_request(post, {"color": "red"}, {"name": "a"}, has_body=True)
    queries = api.operation("GET", "/queries")
    api.validate_request(queries, {"cursor": "10", "length": "5", "sid": "x"}, None, has_body=False)
    with pytest.raises(SpecError, match="is no integer"):
        api.validate_request(queries, {"cursor": "ten"}, None, has_body=False)
    with pytest.raises(SpecError, match="takes no body"):
        api.validate_request(queries, {}, {}, has_body=True)
    domains = api.operation("POST", "/domains/deny/exact")
    assert domains.path_params == {"type": "deny", "kind": "exact"}
    with pytest.raises(SpecError, match="parameter type"):
        api.validate_request(
            api.operation("POST", "/domains/block/exact"), {}, {"domain": "a"}, has_body=True
        )
    # Pi-hole documents the trailing items of GET /domains/{type}/{kind}/{domain} as optional.
    assert api.operation("GET", "/domains").template == "/domains/{type}/{kind}/{domain}"
    with pytest.raises(SpecError, match="no operation"):
        api.operation("PATCH", "/groups")


async def test_session_id_in_header_cookie_or_query(
    pihole: PiholeEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{pihole.url}/api/auth", json={"password": PASSWORD}) as resp:
        session = (await resp.json())["session"]
    sid, csrf = session["sid"], session["csrf"]
    url = f"{pihole.url}/api/groups"
    async with aiohttp.ClientSession() as fresh:
        for kwargs, status in (
            ({}, 401),
            ({"headers": {"sid": sid}}, 200),
            ({"headers": {"X-FTL-SID": sid}}, 200),
            ({"params": {"sid": sid}}, 200),
            ({"cookies": {"sid": sid}}, 401),  # a cookie needs the CSRF token too
            ({"cookies": {"sid": sid}, "headers": {"X-CSRF-TOKEN": csrf}}, 200),
        ):
            async with fresh.get(url, **kwargs) as resp:
                assert resp.status == status, kwargs
    pihole.totp = True
    for body, status in (
        ({"password": PASSWORD}, 400),
        ({"password": PASSWORD, "totp": 654321}, 401),
        ({"password": PASSWORD, "totp": pihole.totp_code}, 200),
    ):
        async with http.post(f"{pihole.url}/api/auth", json=body) as resp:
            assert resp.status == status, body
            if status == 200:
                second = (await resp.json())["session"]["sid"]
    async with http.delete(f"{pihole.url}/api/auth", headers={"X-FTL-SID": second}) as resp:
        assert resp.status == 204
    async with http.delete(f"{pihole.url}/api/auth", headers={"sid": sid}) as resp:
        assert resp.status == 204
    async with http.get(url, headers={"sid": sid}) as resp:
        assert resp.status == 401
    assert pihole.sessions == {}
