"""Tests for the dnsmasq log parser and the log cursor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.snoop_guard.engine.dnslog import (
    DnsEvent,
    DnsEventKind,
    DnsmasqLogParser,
    LogCursor,
)
from tests.engine.hostile import HOSTILE

NOW = datetime(2026, 11, 24, 21, 0, 0)

GOLDEN = [
    "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 query[A] gz-data.com from 198.18.0.189",
    "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 forwarded gz-data.com to 203.0.113.2",
    "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 nftset add 4 inet snoop_guard "
    "trackers4 203.0.113.10 gz-data.com",
    "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 reply gz-data.com is 203.0.113.10",
    "Nov 24 20:40:05 dnsmasq[4195]: 2 198.18.0.189/40112 cached gz-data.com is 203.0.113.10",
    "Nov 24 20:40:05 dnsmasq[4195]: 3 198.18.0.189/40113 config localhost is 127.0.0.1",
    "Nov 24 20:40:06 dnsmasq-dhcp[4195]: 1234567 DHCPACK(br0) 198.18.0.150 58:b4:2d:11:22:33 "
    "Skyworth-TV",
]


def parser(now: datetime = NOW) -> DnsmasqLogParser:
    return DnsmasqLogParser(now=lambda: now)


def parse(line: str, now: datetime = NOW) -> DnsEvent:
    event = parser(now).parse_line(line)
    assert event is not None, line
    return event


def test_query_extra_format() -> None:
    event = parse(GOLDEN[0])
    assert event.kind is DnsEventKind.QUERY
    assert event.timestamp == datetime(2026, 11, 24, 20, 40, 1)
    assert event.pid == 4195
    assert event.serial == 1
    assert event.client_ip == "198.18.0.189"
    assert event.qtype == "A"
    assert event.name == "gz-data.com"
    assert event.answer is None
    assert len(event.line_key) == 16


def test_forwarded() -> None:
    event = parse(GOLDEN[1])
    assert event.kind is DnsEventKind.FORWARDED
    assert event.name == "gz-data.com"
    assert event.client_ip == "198.18.0.189"
    assert event.answer is None


def test_nftset() -> None:
    event = parse(GOLDEN[2])
    assert event.kind is DnsEventKind.NFTSET
    assert event.name == "gz-data.com"
    assert event.answer == "203.0.113.10"
    assert event.serial == 1


@pytest.mark.parametrize(
    ("line", "kind", "answer"),
    [
        (GOLDEN[3], DnsEventKind.REPLY, "203.0.113.10"),
        (GOLDEN[4], DnsEventKind.CACHED, "203.0.113.10"),
        (GOLDEN[5], DnsEventKind.CONFIG, "127.0.0.1"),
        (
            "Nov 24 20:40:01 dnsmasq[1]: 5 198.18.0.189/1 reply tv.example is <CNAME>",
            DnsEventKind.REPLY,
            "<CNAME>",
        ),
        (
            "Nov 24 20:40:01 dnsmasq[1]: 5 198.18.0.189/1 reply nx.example is NXDOMAIN",
            DnsEventKind.REPLY,
            "NXDOMAIN",
        ),
        (
            "Nov 24 20:40:01 dnsmasq[1]: 5 198.18.0.189/1 reply v6only.example is NODATA-IPv4",
            DnsEventKind.REPLY,
            "NODATA-IPv4",
        ),
        (
            "Nov 24 20:40:01 dnsmasq[1]: 5 198.18.0.189/1 cached-stale old.example is 192.0.2.1",
            DnsEventKind.CACHED,
            "192.0.2.1",
        ),
        (
            "Nov 24 20:40:01 dnsmasq[1]: 5 198.18.0.189/1 /etc/hosts router.lan is 198.18.0.1",
            DnsEventKind.CONFIG,
            "198.18.0.1",
        ),
        (
            "Nov 24 20:40:01 dnsmasq[1]: 5 198.18.0.189/1 DHCP tv.lan is 198.18.0.150",
            DnsEventKind.CONFIG,
            "198.18.0.150",
        ),
    ],
)
def test_answers(line: str, kind: DnsEventKind, answer: str) -> None:
    event = parse(line)
    assert event.kind is kind
    assert event.answer == answer
    assert event.client_ip == "198.18.0.189"


def test_dhcp_line() -> None:
    event = parse(GOLDEN[6])
    assert event.kind is DnsEventKind.DHCP
    assert event.serial == 1234567
    assert event.client_ip == "198.18.0.150"
    assert event.answer == "58:b4:2d:11:22:33"
    assert event.qtype == "DHCPACK"
    assert event.name == "skyworth-tv"


def test_dhcp_variants() -> None:
    discover = parse("Nov 24 20:40:06 dnsmasq-dhcp[7]: DHCPDISCOVER(br0) 58:B4:2D:11:22:33")
    assert discover.kind is DnsEventKind.DHCP
    assert discover.client_ip is None
    assert discover.answer == "58:b4:2d:11:22:33"
    assert discover.name == ""
    nak = parse("Nov 24 20:40:06 dnsmasq-dhcp[7]: DHCPNAK(br0) 198.18.0.9 58:b4:2d:11:22:33 wrong")
    assert nak.name == ""
    tags = parse("Nov 24 20:40:06 dnsmasq-dhcp[7]: 1234567 tags: br0, known")
    assert tags.kind is DnsEventKind.OTHER


def test_logread_format() -> None:
    event = parse(
        "Tue Nov 24 20:40:01 2026 daemon.info dnsmasq[4195]: 1 198.18.0.189/32884 "
        "query[A] gz-data.com from 198.18.0.189",
        now=datetime(2030, 1, 1),
    )
    assert event.kind is DnsEventKind.QUERY
    assert event.timestamp == datetime(2026, 11, 24, 20, 40, 1)


def test_ipv6_client_and_case() -> None:
    event = parse(
        "Nov 24 20:40:01 dnsmasq[4195]: 7 fd00::5/5353 query[AAAA] Api.GZ-Data.COM. from fd00::5"
    )
    assert event.client_ip == "fd00::5"
    assert event.qtype == "AAAA"
    assert event.name == "api.gz-data.com"


def test_https_query_and_syslog_hostname_and_padded_day() -> None:
    event = parse(
        "Nov  4 20:40:01 router dnsmasq[4195]: 8 198.18.0.7/1 query[HTTPS] x.example "
        "from 198.18.0.7"
    )
    assert event.qtype == "HTTPS"
    assert event.timestamp == datetime(2026, 11, 4, 20, 40, 1)


def test_plain_format_without_extra_prefix() -> None:
    event = parse("dnsmasq[1]: query[A] example.com from 198.18.0.5")
    assert event.kind is DnsEventKind.QUERY
    assert event.timestamp is None
    assert event.serial is None
    assert event.client_ip == "198.18.0.5"
    assert event.pid == 1
    reply = parse("Nov 24 20:40:01 dnsmasq[1]: reply example.com is 192.0.2.7")
    assert reply.client_ip is None
    assert reply.answer == "192.0.2.7"


def test_iso_prefix() -> None:
    event = parse("2026-11-24T20:40:01 router dnsmasq[4195]: query[A] example.com from 198.18.0.5")
    assert event.timestamp == datetime(2026, 11, 24, 20, 40, 1)


def test_other_dnsmasq_lines() -> None:
    event = parse("Nov 24 20:40:01 dnsmasq[4195]: started, version 2.90 cachesize 150")
    assert event.kind is DnsEventKind.OTHER
    assert event.name == ""


def test_counters_and_malformed_lines() -> None:
    p = parser()
    bad = [
        "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 query[A] gz-data.com",
        "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 reply gz-data.com",
        "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 forwarded gz-data.com",
        "Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 nftset add x",
        "Nov 24 20:40:01 dnsmasq[4195]: query[$(reboot)] x from 1.2.3.4",
        "Foo 24 20:40:01 dnsmasq[4195]: query[A] x from 1.2.3.4",
        "Nov 31 20:40:01 dnsmasq[4195]: query[A] x from 1.2.3.4",
        "Nov 24 25:40:01 dnsmasq[4195]: query[A] x from 1.2.3.4",
        "garbage prefix here dnsmasq[4195]: query[A] x from 1.2.3.4",
        "Nov 24 20:40:01 dnsmasq[4195]: " + "a" * 10_000,
    ]
    for line in bad:
        assert p.parse_line(line) is None, line
    for line in ["", "kernel: hello", "Nov 24 20:40:01 hostapd: wlan0: STA connected"]:
        assert p.parse_line(line) is None
    for line in GOLDEN:
        assert p.parse_line(line) is not None
    assert (p.parsed, p.malformed, p.ignored) == (len(GOLDEN), len(bad), 3)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_names_are_data(hostile: str) -> None:
    p = parser()
    line = f"Nov 24 20:40:01 dnsmasq[1]: 1 198.18.0.5/1 query[A] {hostile} from 198.18.0.5"
    event = p.parse_line(line)
    if event is not None:
        assert event.kind is DnsEventKind.QUERY
        assert event.client_ip == "198.18.0.5"
    assert p.parsed + p.malformed + p.ignored == 1


def test_invalid_client_address_falls_back_to_requestor() -> None:
    event = parse("Nov 24 20:40:01 dnsmasq[1]: 1 198.18.0.5/1 query[A] x.com from $(reboot)")
    assert event.client_ip == "198.18.0.5"
    event = parse("Nov 24 20:40:01 dnsmasq[1]: query[A] x.com from not-an-ip")
    assert event.client_ip is None


def test_line_key_is_stable_and_ignores_newline() -> None:
    a = parse(GOLDEN[0])
    b = parse(GOLDEN[0] + "\n")
    c = parse(GOLDEN[1])
    assert a.line_key == b.line_key
    assert a.line_key != c.line_key


def test_year_rollover() -> None:
    january = datetime(2027, 1, 1, 0, 0, 30)
    event = parse("Dec 31 23:59:59 dnsmasq[1]: query[A] a.com from 198.18.0.5", now=january)
    assert event.timestamp == datetime(2026, 12, 31, 23, 59, 59)
    # A router clock slightly ahead across New Year: stays in the next year.
    december = datetime(2026, 12, 31, 23, 59, 50)
    event = parse("Jan  1 00:00:05 dnsmasq[1]: query[A] a.com from 198.18.0.5", now=december)
    assert event.timestamp == datetime(2027, 1, 1, 0, 0, 5)
    # Old lines from earlier in the year are never put into the future.
    event = parse("Jun 10 12:00:00 dnsmasq[1]: query[A] a.com from 198.18.0.5", now=january)
    assert event.timestamp == datetime(2026, 6, 10, 12, 0, 0)


def test_leap_day_uses_a_leap_year() -> None:
    event = parse(
        "Feb 29 10:00:00 dnsmasq[1]: query[A] a.com from 198.18.0.5", now=datetime(2029, 3, 1)
    )
    assert event.timestamp == datetime(2028, 2, 29, 10, 0, 0)


def test_aware_clock_is_accepted() -> None:
    p = DnsmasqLogParser(now=lambda: datetime(2026, 11, 24, 21, 0, tzinfo=UTC))
    assert p.parse_line(GOLDEN[0]) is not None


def test_non_string_input_is_ignored() -> None:
    p = parser()
    assert p.parse_line(None) is None  # type: ignore[arg-type]
    assert p.ignored == 1


# -- cursor -----------------------------------------------------------------


def _tail(start: int, end: int) -> list[str]:
    """Log lines numbered start..end-1, two per second, in extra format."""
    lines = []
    for i in range(start, end):
        second = i // 2
        stamp = f"Nov 24 20:{second // 60:02d}:{second % 60:02d}"
        lines.append(
            f"{stamp} dnsmasq[1]: {i} 198.18.0.5/{1000 + i} query[A] t{i}.gz-data.com "
            "from 198.18.0.5"
        )
    return lines


def _process(p: DnsmasqLogParser, cursor: LogCursor, lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        event = p.parse_line(line)
        assert event is not None
        if cursor.should_process(event):
            out.append(event.name)
    return out


def test_cursor_reconnect_replay_has_no_duplicates() -> None:
    p, cursor = parser(), LogCursor()
    lines = _tail(0, 200)
    first = _process(p, cursor, lines[:121])  # connection drops mid-second (line 120 of 120/121)
    replay = _process(p, cursor, lines[60:])  # tail replays an overlapping window
    assert len(first) + len(replay) == 200
    assert set(first).isdisjoint(replay)
    assert first + replay == [f"t{i}.gz-data.com" for i in range(200)]


def test_cursor_restart_via_dict_round_trip() -> None:
    p, cursor = parser(), LogCursor()
    lines = _tail(0, 100)
    seen = _process(p, cursor, lines[:51])
    restored = LogCursor.from_dict(cursor.to_dict())
    assert restored.newest == cursor.newest
    more = _process(p, restored, lines)
    assert seen + more == [f"t{i}.gz-data.com" for i in range(100)]


def test_cursor_untimed_lines_use_recent_keys() -> None:
    p, cursor = parser(), LogCursor(max_recent=2)
    a = p.parse_line("dnsmasq[1]: query[A] a.com from 198.18.0.5")
    b = p.parse_line("dnsmasq[1]: query[A] b.com from 198.18.0.5")
    c = p.parse_line("dnsmasq[1]: query[A] c.com from 198.18.0.5")
    assert a is not None
    assert b is not None
    assert c is not None
    assert cursor.should_process(a)
    assert not cursor.should_process(a)
    assert cursor.should_process(b)
    assert cursor.should_process(c)  # evicts a (bounded)
    assert cursor.should_process(a)


def test_cursor_older_lines_are_dropped_and_reset() -> None:
    p, cursor = parser(), LogCursor()
    new = p.parse_line("Nov 24 20:40:05 dnsmasq[1]: query[A] a.com from 198.18.0.5")
    old = p.parse_line("Nov 24 20:40:01 dnsmasq[1]: query[A] b.com from 198.18.0.5")
    assert new is not None
    assert old is not None
    assert cursor.should_process(new)
    assert not cursor.should_process(old)
    cursor.reset()
    assert cursor.newest is None
    assert cursor.should_process(old)


def test_cursor_across_year_rollover() -> None:
    cursor = LogCursor()
    december = parser(datetime(2026, 12, 31, 23, 59, 59))
    january = parser(datetime(2027, 1, 1, 0, 0, 10))
    dec_line = "Dec 31 23:59:58 dnsmasq[1]: 1 198.18.0.5/1 query[A] a.com from 198.18.0.5"
    jan_line = "Jan  1 00:00:02 dnsmasq[1]: 2 198.18.0.5/2 query[A] b.com from 198.18.0.5"
    first = december.parse_line(dec_line)
    second = january.parse_line(jan_line)
    replayed = january.parse_line(dec_line)
    assert first is not None
    assert second is not None
    assert replayed is not None
    assert cursor.should_process(first)
    assert cursor.should_process(second)
    assert replayed.timestamp == first.timestamp
    assert not cursor.should_process(replayed)


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        "x",
        [],
        {"newest": 5},
        {"newest": "not a date", "recent": "abc"},
        {"newest": "2026-11-24T20:40:01", "at_newest": [1, None, "zz"], "recent": [{}]},
        {"newest": "2026-11-24T20:40:01+00:00"},
        {"recent": ["0123456789abcdef", "$(reboot)"]},
    ],
)
def test_cursor_from_garbage(garbage: object) -> None:
    cursor = LogCursor.from_dict(garbage)
    event = parse(GOLDEN[0])
    assert cursor.should_process(event)
    assert not cursor.should_process(event)
