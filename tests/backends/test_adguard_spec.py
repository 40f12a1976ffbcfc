"""The spec checker the AdGuard Home emulator relies on: it must catch mismatches."""

from __future__ import annotations

import pytest

from tests.emulators.adguard import spec


def _item(**changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "client": "192.168.1.5",
        "question": {"class": "IN", "name": "a.example", "type": "A"},
        "reason": "NotFilteredNotFound",
        "time": "2026-12-01T02:03:04.5Z",
    }
    item.update(changes)
    return item


def test_a_good_reply_passes() -> None:
    body = {"data": [_item()], "oldest": "2026-12-01T02:03:04.5Z"}
    assert spec().check_reply("GET", "/querylog", 200, "application/json", body) == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"data": [_item(reason="Nope")], "oldest": ""}, "not in enum"),
        ({"data": [_item(client=7)], "oldest": ""}, "int is not string"),
        ({"data": "x", "oldest": ""}, "str is not array"),
        ({"data": [_item(client_info={"name": "x"})]}, "missing 'disallowed'"),
        ({"data": [_item(rules=[{"filter_list_id": True}])]}, "bool is not integer"),
        ({"data": None}, "null is not allowed"),
    ],
)
def test_bad_replies_are_caught(body: object, error: str) -> None:
    errors = spec().check_reply("GET", "/querylog", 200, "application/json", body)
    assert any(error in e for e in errors), errors


def test_requests_are_checked() -> None:
    checker = spec()
    assert checker.check_request("GET", "/querylog", {"limit": "20"}, None, False) == []
    assert checker.check_request("GET", "/querylog", {"limit": "x"}, None, False)
    assert checker.check_request("GET", "/querylog", {"newer_than": "x"}, None, False)
    assert checker.check_request("GET", "/status", {}, {"a": 1}, True)
    assert checker.check_request("POST", "/filtering/set_rules", {}, {"rules": ["a"]}, True) == []
    assert checker.check_request("POST", "/filtering/set_rules", {}, {"rules": "a"}, True)
    assert checker.check_request("POST", "/access/set", {}, None, False)
    assert checker.check_request("GET", "/nothing", {}, None, False)


def test_undocumented_status_and_content_type() -> None:
    checker = spec()
    assert checker.check_reply("GET", "/status", 401, "", None) == []
    assert checker.check_reply("GET", "/status", 418, "", None)
    assert checker.check_reply("GET", "/status", 200, "text/html", None)
    assert checker.check_reply("POST", "/filtering/set_rules", 200, "", None) == []


def test_unknown_schema_keywords_never_pass_silently() -> None:
    assert spec().validate({"type": "string", "pattern": "^a$"}, "b")
