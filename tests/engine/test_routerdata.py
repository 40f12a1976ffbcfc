"""Tests for the router output parsers."""

from __future__ import annotations

import json

import pytest

from custom_components.snoop_guard.engine.routerdata import (
    Lease,
    Neighbour,
    display_name,
    normalize_ip,
    normalize_mac,
    parse_dnsmasq_leases,
    parse_ip_neigh_json,
)
from tests.engine.hostile import HOSTILE

LEASES = """\
1732480000 58:b4:2d:11:22:33 198.18.0.150 Skyworth-TV 01:58:b4:2d:11:22:33
1732480100 00:0E:58:AA:BB:CC 198.18.0.151 * *
0 b8-e9-37-01-02-03 198.18.0.152 Sonos-Kitchen
not a lease line
1732480000 zz:zz:zz:zz:zz:zz 198.18.0.153 bad-mac 01:aa
1732480000 58:b4:2d:11:22:34 999.1.1.1 bad-ip *
-5 58:b4:2d:11:22:35 198.18.0.154 negative *
duid 00:01:00:01:2a:2b:2c:2d:58:b4:2d:11:22:33
1732480000 1234567 fd00::150 Skyworth-TV 00:01:00:01:2a:2b:2c:2d:58:b4:2d:11:22:33
"""


def test_parse_leases_golden() -> None:
    leases = parse_dnsmasq_leases(LEASES)
    assert leases == [
        Lease(
            1732480000, "58:b4:2d:11:22:33", "198.18.0.150", "Skyworth-TV", "01:58:b4:2d:11:22:33"
        ),
        Lease(1732480100, "00:0e:58:aa:bb:cc", "198.18.0.151", None, None),
        Lease(0, "b8:e9:37:01:02:03", "198.18.0.152", "Sonos-Kitchen", None),
    ]


def test_parse_leases_crlf_and_blank() -> None:
    text = "\r\n\r\n1732480000 58:b4:2d:11:22:33 198.18.0.150 tv *\r\n"
    assert [lease.hostname for lease in parse_dnsmasq_leases(text)] == ["tv"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_parse_leases_hostile_hostnames(hostile: str) -> None:
    text = f"1732480000 58:b4:2d:11:22:33 198.18.0.150 {hostile} *\n"
    leases = parse_dnsmasq_leases(text)
    for lease in leases:
        assert lease.mac == "58:b4:2d:11:22:33"
        assert lease.ip == "198.18.0.150"
        assert isinstance(display_name(lease.hostname, "fallback"), str)


def test_parse_leases_hostile_specifics() -> None:
    text = (
        "1 58:b4:2d:11:22:33 198.18.0.150 $(reboot) *\n"
        "2 58:b4:2d:11:22:34 198.18.0.151 a;nft flush ruleset *\n"
        "3 58:b4:2d:11:22:35 198.18.0.152 " + "x" * 1000 + " *\n"
        "4 58:b4:2d:11:22:36 198.18.0.153 телевизор *\n"
        "5 58:b4:2d:11:22:37 198.18.0.154 evil\nnext 58:b4:2d:11:22:38 198.18.0.155 *\n"
    )
    leases = parse_dnsmasq_leases(text)
    # "a;nft flush ruleset" has too many fields; the embedded newline ends lease 5.
    assert [lease.hostname for lease in leases] == ["$(reboot)", "x" * 1000, "телевизор", "evil"]


def test_parse_leases_not_text() -> None:
    assert parse_dnsmasq_leases(None) == []  # type: ignore[arg-type]
    assert parse_dnsmasq_leases("") == []


NEIGH = json.dumps(
    [
        {
            "dst": "198.18.0.150",
            "dev": "br0",
            "lladdr": "58:b4:2d:11:22:33",
            "state": ["REACHABLE"],
        },
        {"dst": "198.18.0.151", "dev": "br0", "state": ["FAILED"]},
        {
            "dst": "fe80::1%br0",
            "dev": "br0",
            "lladdr": "00:0E:58:AA:BB:CC",
            "router": None,
            "state": ["STALE", "PROBE"],
        },
        {"dst": "fd00::5", "lladdr": "b8:e9:37:01:02:03", "state": "DELAY"},
        {"dst": "$(reboot)", "dev": "br0", "lladdr": "58:b4:2d:11:22:33", "state": []},
        {"dst": "198.18.0.160", "dev": "x" * 100, "lladdr": "bogus", "state": []},
        "not a dict",
        {"dst": 5, "lladdr": []},
    ]
)


def test_parse_neigh_golden() -> None:
    assert parse_ip_neigh_json(NEIGH) == [
        Neighbour("198.18.0.150", "58:b4:2d:11:22:33", "br0", ("REACHABLE",)),
        Neighbour("fe80::1", "00:0e:58:aa:bb:cc", "br0", ("STALE", "PROBE")),
        Neighbour("fd00::5", "b8:e9:37:01:02:03", None, ("DELAY",)),
    ]


@pytest.mark.parametrize(
    "garbage",
    ["", "not json", "{}", "null", "[1, 2, 3]", '{"dst": "1.2.3.4"}', "[" * 100_000, *HOSTILE],
)
def test_parse_neigh_garbage(garbage: str) -> None:
    assert parse_ip_neigh_json(garbage) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("58:b4:2d:11:22:33", "58:b4:2d:11:22:33"),
        ("58-B4-2D-11-22-33", "58:b4:2d:11:22:33"),
        ("58b42d112233", "58:b4:2d:11:22:33"),
        ("58B4.2D11.2233", "58:b4:2d:11:22:33"),
        (" 58:B4:2D:11:22:33 ", "58:b4:2d:11:22:33"),
        ("0:e:58:1:2:3", "00:0e:58:01:02:03"),
    ],
)
def test_normalize_mac_valid(raw: str, expected: str) -> None:
    assert normalize_mac(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "58:b4:2d:11:22",
        "58:b4:2d:11:22:33:44",
        "58:b4-2d:11:22:33",
        "58b42d11223",
        "58b42d1122334",
        "zz:b4:2d:11:22:33",
        "58:b4:2d:11:22:333",
        "58b4.2d112233",
        "$(reboot)",
        "\uff15\uff18:b4:2d:11:22:33",  # full-width digits
        "1234567",
        *HOSTILE,
    ],
)
def test_normalize_mac_invalid(raw: str) -> None:
    assert normalize_mac(raw) is None


def test_normalize_ip() -> None:
    assert normalize_ip("198.18.0.1") == "198.18.0.1"
    assert normalize_ip("FD00:0::5") == "fd00::5"
    assert normalize_ip("fe80::1%eth0") == "fe80::1"
    assert normalize_ip("1.2.3") is None
    assert normalize_ip("$(reboot)") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Skyworth-TV", "Skyworth-TV"),
        ("  Living   room\tTV  ", "Living room TV"),
        ("evil\nname", "evil name"),
        ("a\x00b\x7fc\x9bd", "abcd"),
        ("\u202eVT-gnuswaS\u202c", "VT-gnuswaS"),
        ("zero\u200bwidth", "zerowidth"),
        ("\x1b[31mred", "[31mred"),
        ("телевизор", "телевизор"),
        ("e\u0301", "é"),
        ("a" + "\u0301" * 20, "\u00e1\u0301\u0301"),
        ("x" * 1000, "x" * 64),
        ("$(reboot)", "$(reboot)"),
        ("line\u2028sep", "line sep"),
    ],
)
def test_display_name(raw: str, expected: str) -> None:
    assert display_name(raw, "fallback") == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\n\t", "\x00\x01", "\u202e", "\udcff"])
def test_display_name_fallback(raw: str | None) -> None:
    assert display_name(raw, "Device 58:b4") == "Device 58:b4"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_display_name_hostile(hostile: str) -> None:
    label = display_name(hostile, "fallback")
    assert 0 < len(label) <= 64
    assert label == label.strip()
    assert "\n" not in label
    assert "\x00" not in label
    assert "  " not in label
