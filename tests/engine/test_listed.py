"""List entries held back as device functions: shown as suspected with the list's word, never rules.

A default or bundled list may name a device maker's store, update or push host
as a tracker. Blocking it could break the TV, so the entry is not loaded as a
rule (:mod:`.withheld`); the matcher still says which list names it, as a
suspected verdict that is never enforced and that every allow rule beats.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine import matchercache
from custom_components.snoop_guard.engine.allowlist import FUNCTIONAL_ALLOW
from custom_components.snoop_guard.engine.compiled import ListSource, build_matcher, compile_rules
from custom_components.snoop_guard.engine.matchercache import CacheError, deserialize, serialize
from custom_components.snoop_guard.engine.perflyst import parse_blocklist
from custom_components.snoop_guard.engine.ruletables import Attribution, CompiledRules, Listed
from custom_components.snoop_guard.engine.trackers import TrackerMatcher
from custom_components.snoop_guard.engine.vendorlists import CATALOGUE_BY_ID
from custom_components.snoop_guard.engine.withheld import WITHHELD, function_words, held_back

XIAOMI = CATALOGUE_BY_ID["hagezi-native-xiaomi"]
TEXT = (
    "ota.cdn.pandora.xiaomi.com\nt1.a.market.xiaomi.com\ntracking.rus.miui.com\n"
    "gld.push.samsungosp.com\ni.xiaomi.com\n"
)


@pytest.fixture(scope="module")
def default() -> TrackerMatcher:
    return build_matcher([XIAOMI.source(TEXT)], bundled=False)


def test_a_default_lists_function_name_is_suspected_with_the_lists_word(
    default: TrackerMatcher,
) -> None:
    verdict = default.classify("ota.cdn.pandora.xiaomi.com")
    assert (verdict.tracker, verdict.suspected) == (False, True)
    assert verdict.suspected_category == "telemetry"
    assert verdict.evidence == (
        "subscribed list hagezi-native-xiaomi lists ota.cdn.pandora.xiaomi.com as telemetry "
        "(Xiaomi); not blocked: 'cdn', 'ota' name a device function the device may need, and "
        "marking it as a tracker may break that function",
    )
    assert default.match("ota.cdn.pandora.xiaomi.com") is None
    assert default.suspect("ota.cdn.pandora.xiaomi.com") is not None
    # The list's entries cover their subdomains, so the evidence names the entry.
    below = default.classify("t9.t1.a.market.xiaomi.com")
    assert below.suspected
    assert below.evidence[0].startswith("subscribed list hagezi-native-xiaomi lists t1.a.market")
    assert "'market' names a device function the device may need" in below.evidence[0]
    # Never enforced: only the telemetry entry is a rule.
    assert default.domains() == ["tracking.rus.miui.com"]
    assert default.classify("tracking.rus.miui.com").tracker


def test_names_a_tv_needs_are_not_suspected(default: TrackerMatcher) -> None:
    """WITHHELD names (push channel, account centre) are needed, not suspicious."""
    for name in ("gld.push.samsungosp.com", "i.xiaomi.com", "x.i.xiaomi.com"):
        assert name.removeprefix("x.") in WITHHELD
        verdict = default.classify(name)
        assert (verdict.tracker, verdict.suspected) == (False, False), name
    assert default.tables.listed.keys() == {"ota.cdn.pandora.xiaomi.com", "t1.a.market.xiaomi.com"}


@pytest.mark.parametrize("bundled", [False, True])
def test_a_listed_parent_never_makes_a_needed_name_suspected(bundled: bool) -> None:
    """A list naming push.samsungosp.com still leaves the push channel below it alone."""
    matcher = build_matcher([XIAOMI.source("push.samsungosp.com\n")], bundled=bundled)
    assert "gld.push.samsungosp.com" in WITHHELD
    for name in ("gld.push.samsungosp.com", "eu.gld.push.samsungosp.com"):
        verdict = matcher.classify(name)
        assert (verdict.tracker, verdict.suspected) == (False, False), name
    assert not bundled or "push.samsungosp.com" in matcher.tables.listed


def test_a_list_the_user_chose_loads_function_names_as_rules() -> None:
    chosen = build_matcher([ListSource(name="mine", text=TEXT)], bundled=False)
    assert chosen.classify("ota.cdn.pandora.xiaomi.com").tracker
    assert not chosen.tables.listed


def test_an_allow_rule_beats_a_listed_name() -> None:
    """Allow-listed function names stay allowed: never suspected, whoever lists them."""
    allowed = [row.domain for row in FUNCTIONAL_ALLOW if function_words(row.domain)]
    assert "global.market.xiaomi.com" in allowed
    matcher = build_matcher([XIAOMI.source("\n".join(allowed) + "\n")])
    for name in allowed:
        verdict = matcher.classify(name)
        assert (verdict.tracker, verdict.suspected) == (False, False), name
        assert matcher.suspect(name) is None, name


HELD_ALLOWED = sorted(row.domain for row in FUNCTIONAL_ALLOW if function_words(row.domain))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from(HELD_ALLOWED), min_size=1),
    st.sampled_from(["", "a.", "t1.cdn."]),
    st.booleans(),
)
def test_property_allow_rules_win_over_listed_entries(
    names: list[str], prefix: str, parents: bool
) -> None:
    """Allow-listed function names a default list carries (or their parents) are never suspected.

    Every name here is held back by the list (a device function); the allow rule covers
    the name itself, and the subdomains too when it is a suffix rule.
    """
    assert all(held_back(name) for name in names)  # the list holds them back, not loads them
    entries = [name.split(".", 1)[1] if parents else name for name in names]
    matcher = build_matcher([XIAOMI.source("\n".join(entries) + "\n")])
    for name in names:
        verdict = matcher.classify(f"{prefix}{name}")
        if prefix and not verdict.allow_matches:
            continue  # an exact allow rule covers the name only
        assert verdict.allow_matches, name
        assert (verdict.tracker, verdict.suspected) == (False, False), name
        assert matcher.suspect(f"{prefix}{name}") is None, name


def test_bundled_lists_function_names_are_suspected() -> None:
    """A bundled list's store entry (v2fly's a.market.xiaomi.com) is shown, not blocked."""
    bundled = build_matcher()
    verdict = bundled.classify("t6.a.market.xiaomi.com")
    assert (verdict.tracker, verdict.suspected) == (False, True)
    assert " lists a.market.xiaomi.com as " in verdict.evidence[0]
    assert "'market' names a device function the device may need" in verdict.evidence[0]
    assert "a.market.xiaomi.com" not in bundled.domains()
    assert not any(domain.endswith("market.xiaomi.com") for domain in bundled.domains())


def test_parser_returns_function_names_with_their_rule() -> None:
    text = "0.0.0.0 t1.a.market.xiaomi.com\n0.0.0.0 tracking.intl.miui.com\n"
    result = parse_blocklist(text, "goodbyeads-xiaomi.txt")
    assert [domain for domain, _ in result.rules] == ["tracking.intl.miui.com"]
    assert [(domain, words) for domain, _, words in result.listed] == [
        ("t1.a.market.xiaomi.com", ("market",))
    ]
    assert result.listed[0][1].company == "Xiaomi"


def test_listed_entries_survive_the_cache(default: TrackerMatcher) -> None:
    tables = compile_rules([XIAOMI.source(TEXT)], bundled=False, digest="ab" * 32)
    again = deserialize(serialize(tables), "ab" * 32)
    assert again.listed == tables.listed
    restored = TrackerMatcher(again)
    for name in ("ota.cdn.pandora.xiaomi.com", "t9.t1.a.market.xiaomi.com", "i.xiaomi.com"):
        assert restored.classify(name) == default.classify(name)


@pytest.mark.parametrize(
    ("name", "kind", "functions"),
    [
        *(
            (name, "suffix", ("cdn",))
            for name in ("Bad Name", "x", "a..b", "-a.example", "a.b\nc.example", "a.example.")
        ),
        ("a.example", "prefix", ("cdn",)),
        ("a.example", "suffix", ()),
        ("a.example", "suffix", ("<b>cdn</b>",)),
        ("a.example", "suffix", ("x" * 5000,)),
    ],
)
def test_a_cache_with_a_bad_listed_row_is_refused(
    name: str, kind: str, functions: tuple[str, ...]
) -> None:
    attr = Attribution("Xiaomi", "telemetry", "list:x")
    tables = CompiledRules({}, {}, listed={name: Listed(kind, attr, functions)})
    with pytest.raises(CacheError, match="bad metadata"):
        deserialize(serialize(tables))


@pytest.mark.parametrize("row", ['"cdn"', "[]", "true", "1"])
def test_a_cache_with_malformed_listed_json_is_refused(row: str) -> None:
    """Rows rewritten in the file itself (the payload checksum recomputed), not via serialize."""
    attr = Attribution("Xiaomi", "telemetry", "list:x")
    good = serialize(CompiledRules({}, {}, listed={"a.example": Listed("suffix", attr, ("cdn",))}))
    assert b'["cdn"]' in good
    forged = _rehash(good.replace(b'["cdn"]', row.encode().ljust(7)[:7]))
    with pytest.raises(CacheError, match="bad metadata"):
        deserialize(forged)
    index = _rehash(good.replace(b'"suffix",0,', b'"suffix",true,'), grow=3)
    with pytest.raises(CacheError, match="bad metadata"):
        deserialize(index)


def test_a_cache_with_deeply_nested_metadata_is_refused() -> None:
    attr = Attribution("Xiaomi", "telemetry", "list:x")
    good = serialize(CompiledRules({}, {}, listed={"a.example": Listed("suffix", attr, ("cdn",))}))
    deep = b"[" * 100_000 + b"]" * 100_000
    forged = _rehash(good.replace(b'["cdn"]', deep), grow=len(deep) - 7)
    with pytest.raises(CacheError, match="bad metadata"):
        deserialize(forged)


def _rehash(data: bytes, grow: int = 0) -> bytes:
    """Fix the header of a hand-edited cache file: payload checksum and meta length."""
    header = matchercache._HEADER
    magic, version, flags, digest, _payload, *lengths = header.unpack_from(data)
    lengths[0] += grow
    payload = data[header.size :]
    packed = header.pack(magic, version, flags, digest, hashlib.sha256(payload).digest(), *lengths)
    return packed + payload


def test_explain_says_suspected_and_never_blocked(default: TrackerMatcher) -> None:
    text = default.explain("ota.cdn.pandora.xiaomi.com")
    assert "no tracker rule matches: not a known tracker." in text
    assert "suspected (telemetry), by:\n    - subscribed list hagezi-native-xiaomi lists" in text
    assert "DECISION: suspected tracker" in text
    assert "never blocked" in text
