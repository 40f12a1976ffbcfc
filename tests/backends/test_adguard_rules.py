"""Our marked block in AdGuard Home's user rules: pure functions, property-tested."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.snoop_guard.backends.adguard_rules import (
    BEGIN,
    END,
    client_identity,
    merge_rules,
    parse_block,
    render_block,
    split_rules,
    tracker_domain,
)

DIGEST = "cd" * 32
# User rules: any text, including our marker lines, comments, blanks, unicode, \r.
user_line = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\r", "! comment", "# x", "||a.example^", BEGIN + " ", "\t" + END]),
)
hostile = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["a'b", 'a"b', "a,b", "a|b", "a\nb", "x^$important", "1.2.3.4|5.6.7.8", "tv name"]
    ),
)


def _block(clients: list[str], domains: list[str] | None = None) -> list[str]:
    return render_block(domains or ["t.example"], clients, trackers_digest=DIGEST)


@given(st.lists(user_line, max_size=12), st.lists(user_line, max_size=12))
def test_user_rules_outside_the_block_survive_byte_for_byte(
    before: list[str], after: list[str]
) -> None:
    # Only whole lines equal to the markers are ours; drop them from the user's text.
    before = [line for line in before if line not in (BEGIN, END)]
    after = [line for line in after if line not in (BEGIN, END)]
    rules = [*before, *_block(["192.168.1.5"]), *after]
    split = split_rules(rules)
    assert split.found
    assert split.before == before
    assert split.after == after
    updated = merge_rules(split, _block(["192.168.1.6"]))
    assert updated[: len(before)] == before
    assert updated[len(updated) - len(after) :] == after
    assert merge_rules(split_rules(updated), None) == [*before, *after]


@given(st.lists(user_line, max_size=12))
def test_no_block_appends_and_removal_is_identity(rules: list[str]) -> None:
    rules = [line for line in rules if line != BEGIN]
    split = split_rules(rules)
    assert not split.found
    assert merge_rules(split, None) == rules
    merged = merge_rules(split, _block(["10.0.0.1"]))
    assert merged[: len(rules)] == rules
    assert merge_rules(split_rules(merged), None) == rules


def test_begin_without_end_is_left_to_the_user() -> None:
    rules = ["a", BEGIN, "b"]
    split = split_rules(rules)
    assert not split.found
    assert merge_rules(split, None) == rules


def test_a_second_copy_of_the_block_is_dropped() -> None:
    block = _block(["10.0.0.1"])
    split = split_rules(["a", *block, "b", *block, "c"])
    assert split.before == ["a"]
    assert split.ours == block
    assert split.after == ["b", "c"]


@given(st.lists(hostile, max_size=8), st.lists(hostile, max_size=8))
def test_hostile_values_never_make_extra_rules_or_lines(
    clients: list[str], domains: list[str]
) -> None:
    block = render_block(domains, clients, trackers_digest=DIGEST, access=clients)
    assert all("\n" not in line and "\r" not in line for line in block)
    state = parse_block(block)
    assert state.intact
    good_clients = {c for v in clients if (c := client_identity(v))}
    good_domains = {d for v in domains if (d := tracker_domain(v))}
    rule_lines = [line for line in block if not line.startswith("!")]
    assert len(rule_lines) == (len(good_domains) if good_clients else 0)
    assert state.clients == (good_clients if good_domains else frozenset())
    assert state.domains == (good_domains if good_clients else frozenset())
    assert state.access == good_clients
    for line in rule_lines:
        assert line.count("$") == 1
        assert line.startswith("||")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.168.1.5", "192.168.1.5"),
        ("FE80:0:0::1", "fe80::1"),
        ("tv-livingroom", "tv-livingroom"),
        ("TV", None),
        ("aa:bb:cc:dd:ee:ff", None),
        ("192.168.1.0/24", None),
        ("a'b", None),
        ("a|b", None),
        ("", None),
        ("x" * 64, None),
        # A zone id may hold any text; it must never reach a rule line.
        ("fe80::1%eth0", None),
        ("fe80::1%x\n@@||bank.example^$important", None),
    ],
)
def test_client_identity(value: str, expected: str | None) -> None:
    assert client_identity(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Samsungads.COM.", "samsungads.com"),
        ("_dmarc.example", "_dmarc.example"),
        ("a^$client=1.2.3.4", None),
        ("-bad.example", None),
        ("||x.example^", None),
        ("президент.рф", None),
    ],
)
def test_tracker_domain(value: str, expected: str | None) -> None:
    assert tracker_domain(value) == expected


def test_edited_block_is_not_intact() -> None:
    block = _block(["10.0.0.1"], ["a.example", "b.example"])
    assert parse_block(block).intact
    edited = [line for line in block if "a.example" not in line]
    state = parse_block(edited)
    assert state.present
    assert not state.intact
    injected = [*block[:-1], "||c.example^", block[-1]]
    assert not parse_block(injected).intact
    assert not parse_block([]).present
