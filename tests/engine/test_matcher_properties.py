"""Property tests for name normalisation and matching against a brute-force model."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.compiled import ListSource, build_matcher
from custom_components.snoop_guard.engine.model import TrackerInfo
from custom_components.snoop_guard.engine.names import (
    TOO_BROAD,
    check_domain,
    normalize_domain,
    rule_domain_problem,
)
from custom_components.snoop_guard.engine.trackers import TrackerMatcher

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# A small alphabet so that generated names and rules overlap often.
LABEL = st.sampled_from(["a", "b", "ab", "x-y", "c1", "ads", "t", "zz"])
TOP = st.sampled_from(["com", "net", "tv"])


@st.composite
def domains(draw: st.DrawFn, min_labels: int = 1, max_labels: int = 4) -> str:
    labels = draw(st.lists(LABEL, min_size=min_labels, max_size=max_labels))
    return ".".join([*labels, draw(TOP)])


def info(rule: str) -> TrackerInfo:
    return TrackerInfo(rule=rule, company=f"C-{rule}", category="ads", source="test")


def covers(rule: str, name: str) -> bool:
    return name == rule or name.endswith("." + rule)


# -- normalisation --------------------------------------------------------------


@SETTINGS
@given(name=ANY_TEXT)
def test_check_domain_agrees_with_normalize(name: str) -> None:
    normalized, reason = check_domain(name)
    assert normalized == normalize_domain(name)
    assert (normalized is None) == (reason is not None)
    if normalized is not None:
        assert check_domain(normalized) == (normalized, None)  # idempotent
        assert normalized == normalized.lower()
        assert normalized.isascii()
        assert len(normalized) <= 253
        assert all(1 <= len(label) <= 63 for label in normalized.split("."))
    else:
        assert reason
        assert reason.isprintable()


@SETTINGS
@given(name=domains(), upper=st.booleans(), dot=st.booleans())
def test_case_and_trailing_dot_do_not_matter(name: str, upper: bool, dot: bool) -> None:
    variant = (name.upper() if upper else name) + ("." if dot else "")
    assert normalize_domain(variant) == name


def test_check_domain_reasons() -> None:
    assert check_domain("")[1] == "empty name"
    assert check_domain(".")[1] == "empty name"
    assert check_domain("a..b")[1] == "empty label (leading, trailing or double dot)"
    assert check_domain("a" * 64 + ".com")[1] == "label longer than 63 characters"
    assert check_domain(".".join(["a" * 60] * 5))[1] == "name longer than 253 characters"
    assert check_domain("a b.com")[1] == "character ' ' is not allowed in a DNS name"
    assert check_domain("\udcff.com")[1] == (
        "not a valid internationalised name (IDNA conversion failed)"
    )
    assert check_domain(None)[1] == "not a string"
    assert check_domain("x" * 2000)[1] == "input longer than 1024 characters"


def test_rule_domain_problems() -> None:
    assert rule_domain_problem("example.com") is None
    assert rule_domain_problem("localhost") == "single-label"
    assert rule_domain_problem("1.2.3.4") == "ip-address"
    assert rule_domain_problem("-x.com") == "invalid-domain"
    assert rule_domain_problem("_srv.example.com") == "invalid-domain"
    for broad in TOO_BROAD:
        assert rule_domain_problem(broad) == "too-broad"


# -- matching ---------------------------------------------------------------------


@SETTINGS
@given(rules=st.lists(domains(), max_size=12), name=domains(), upper=st.booleans())
def test_suffix_match_iff_equal_or_dot_suffix(rules: list[str], name: str, upper: bool) -> None:
    """A name matches iff it equals a rule or ends with '.' + rule; the longest rule wins."""
    for memo in (0, 2):
        matcher = TrackerMatcher.from_rules([(rule, info(rule)) for rule in rules])
        matcher = TrackerMatcher(matcher.tables, memo_size=memo)
        query = name.upper() if upper else name
        hit = matcher.match(query)
        expected = [rule for rule in rules if covers(rule, name)]
        if not expected:
            assert hit is None
        else:
            assert hit is not None
            most_specific = max(expected, key=len)
            assert hit.rule == most_specific
            assert hit.company == f"C-{most_specific}"  # first rule for a domain wins
        assert matcher.match(query) == hit  # memoised answer is the same


@SETTINGS
@given(
    blocks=st.lists(domains(), max_size=10),
    allows=st.lists(domains(), max_size=6),
    exact_allows=st.lists(domains(), max_size=4),
    name=domains(),
    override=st.sets(st.integers(min_value=0, max_value=12), max_size=4),
)
def test_allow_beats_block_unless_overridden(
    blocks: list[str], allows: list[str], exact_allows: list[str], name: str, override: set[int]
) -> None:
    text = "\n".join(
        [*(f"||{b}^" for b in blocks), *(f"@@||{a}^" for a in allows),
         *(f"@@|{a}^" for a in exact_allows)]
    )  # fmt: skip
    assume(blocks)
    matcher = build_matcher([ListSource("p", text)], bundled=False)
    allow_rules = matcher.allow_rules
    chosen = [allow_rules[i].id for i in override if i < len(allow_rules)]
    matcher = matcher.with_overrides(chosen)
    honoured_suffix = {a.rule for a in allow_rules if a.kind == "suffix" and a.id not in chosen}
    honoured_exact = {a.rule for a in allow_rules if a.kind == "exact" and a.id not in chosen}
    blocked = [rule for rule in blocks if covers(rule, name)]
    allowed = name in honoured_exact or any(covers(a, name) for a in honoured_suffix)
    hit = matcher.match(name)
    verdict = matcher.classify(name)
    if blocked and not allowed:
        assert hit is not None
        assert hit.rule == max(blocked, key=len)
        assert verdict.tracker
    else:
        assert hit is None
        assert not verdict.tracker
    if blocked and allowed:
        assert verdict.allowed_by is not None
        assert verdict.info is not None
        assert verdict.info.rule == max(blocked, key=len)
    # dnsmasq rules never cover an honoured allowed name.
    for domain in matcher.domains():
        for allowed_name in honoured_suffix | honoured_exact:
            assert not covers(domain, allowed_name)
        for allowed_suffix in honoured_suffix:
            assert not covers(allowed_suffix, domain)


@SETTINGS
@given(name=ANY_TEXT)
def test_never_raises_and_match_agrees_with_classify(name: str) -> None:
    matcher = _BUNDLED
    for candidate in (name, name + ".gz-data.com", "x." + name, name.upper()):
        hit = matcher.match(candidate)
        verdict = matcher.classify(candidate)
        assert (hit is not None) == verdict.tracker
        if hit is not None:
            assert verdict.info == hit
        assert isinstance(matcher.explain(candidate), str)
        verdict.to_json()


def test_non_string_inputs() -> None:
    for value in (None, 42, 3.5, b"gz-data.com", ("gz-data.com",), frozenset()):
        assert _BUNDLED.match(value) is None
        assert not _BUNDLED.classify(value).tracker
        assert value not in _BUNDLED


def test_memo_eviction_keeps_answers() -> None:
    small = TrackerMatcher(_BUNDLED.tables, memo_size=4)
    names = [f"n{i}.gz-data.com" for i in range(50)] + [f"n{i}.example.org" for i in range(50)]
    for _ in range(3):
        for name in names:
            hit = small.match(name)
            assert (hit is not None) == name.endswith("gz-data.com")


_BUNDLED = build_matcher()
