"""Golden and property tests for the subscription list parsers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.backends.dnsmasq import safe_domains
from custom_components.snoop_guard.engine.lists import ParseReport, ParseResult, parse_list
from custom_components.snoop_guard.engine.names import SAFE_DOMAIN_RE, is_safe_rule_domain
from tests.engine.hostile import HOSTILE

FIXTURES = Path(__file__).with_name("fixtures")
LIST_FIXTURES = ["domains.txt", "hosts.txt", "adblock.txt", "wildcard.txt"]
REJECTED_FIXTURES = ["page.html", "mostly_garbage.txt"]
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=400)
LINE_PARTS = st.sampled_from(
    ["||", "@@", "^", "$", "important", "third-party", "*.", "0.0.0.0 ", "#", "##", "/", "|",
     "a.example.com", "EXAMPLE.org.", "b\u00fccher.de", "co.uk", "\n", " ", ",", "domain=x"]
)  # fmt: skip


def as_golden(result: ParseResult) -> dict[str, Any]:
    return {
        "block": list(result.block),
        "block_exact": list(result.block_exact),
        "allow": list(result.allow),
        "allow_exact": list(result.allow_exact),
        "important": sorted(result.important),
        "important_allow": sorted(result.important_allow),
        "report": result.report.to_dict(),
    }


@pytest.mark.parametrize("name", LIST_FIXTURES + REJECTED_FIXTURES)
def test_golden(name: str) -> None:
    result = parse_list((FIXTURES / name).read_text(encoding="utf-8"), name)
    golden = FIXTURES / f"{name}.expected.json"
    actual = as_golden(result)
    if os.environ.get("SNOOP_GUARD_REGEN_GOLDEN"):
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", LIST_FIXTURES)
def test_fixture_lists_are_accepted_and_safe(name: str) -> None:
    result = parse_list((FIXTURES / name).read_text(encoding="utf-8"), name)
    assert result.report.accepted, result.report.reason
    rules = [*result.block, *result.block_exact, *result.allow, *result.allow_exact]
    assert rules
    assert safe_domains(rules) == sorted(set(rules))
    assert ParseReport.from_dict(json.loads(json.dumps(result.report.to_dict()))) == result.report


@pytest.mark.parametrize("name", REJECTED_FIXTURES)
def test_rejected_lists_have_no_rules(name: str) -> None:
    result = parse_list((FIXTURES / name).read_text(encoding="utf-8"), name)
    assert not result.report.accepted
    assert result.report.reason
    assert not result.block
    assert not result.block_exact
    assert not result.allow
    assert not result.allow_exact
    assert "rejected" in result.report.summary()


def test_every_unhonoured_line_is_counted() -> None:
    result = parse_list((FIXTURES / "adblock.txt").read_text(encoding="utf-8"), "adblock.txt")
    report = result.report
    skipped = sum(report.unsupported.values()) + sum(report.invalid.values())
    rules = report.block_rules + report.allow_rules
    non_comment = sum(
        1
        for line in (FIXTURES / "adblock.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("!", "["))
    )
    assert rules + skipped + report.duplicates == non_comment
    for kind in ("regex", "cosmetic", "path", "third-party", "wildcard-pattern", "url"):
        assert report.unsupported[kind] >= 1, kind
        assert report.examples[kind]


@pytest.mark.parametrize(
    ("line", "block", "exact", "allow", "kind"),
    [
        ("||a.example.com^", ["a.example.com"], [], [], None),
        ("||a.example.com^|", ["a.example.com"], [], [], None),
        ("||a.example.com^$important,match-case", ["a.example.com"], [], [], None),
        ("||A.Example.COM^", ["a.example.com"], [], [], None),
        ("|a.example.com^", [], ["a.example.com"], [], None),
        ("@@||a.example.com^", [], [], ["a.example.com"], None),
        ("*.a.example.com", ["a.example.com"], [], [], None),
        ("0.0.0.0 a.example.com", ["a.example.com"], [], [], None),
        ("127.0.0.1 a.example.com # comment", ["a.example.com"], [], [], None),
        (":: a.example.com", ["a.example.com"], [], [], None),
        ("a.example.com", ["a.example.com"], [], [], None),
        ("||a.example.com^$third-party", [], [], [], "third-party"),
        ("||a.example.com^$~third-party", [], [], [], "third-party"),
        ("||a.example.com^$1p", [], [], [], "third-party"),
        ("@@||a.example.com^$third-party", [], [], [], "third-party"),
        ("||a.example.com^$image", [], [], [], "type-option"),
        ("||a.example.com^$dnstype=AAAA", [], [], [], "dns-option"),
        ("||a.example.com^$badfilter", [], [], [], "dns-option"),
        ("||a.example.com^$frobnicate", [], [], [], "other-option"),
        ("||a.example.com/x", [], [], [], "path"),
        ("||a.example.com:8080^", [], [], [], "path"),
        ("/^ads?\\./", [], [], [], "regex"),
        ("@@/ads/", [], [], [], "regex"),
        ("a.example.com###banner", [], [], [], "cosmetic"),
        ("#?#div:has(> a)", [], [], [], "cosmetic"),
        ("a*.example.com", [], [], [], "wildcard-pattern"),
        ("|http://a.example.com/", [], [], [], "url"),
        ("10.0.0.1 a.example.com", [], [], [], "hosts-redirect"),
    ],
)
def test_single_lines(
    line: str, block: list[str], exact: list[str], allow: list[str], kind: str | None
) -> None:
    result = parse_list(f"{line}\nfiller.example.net\n", "t")
    assert list(result.block) == [*block, "filler.example.net"]
    assert list(result.block_exact) == exact
    assert list(result.allow) == allow
    if kind is not None:
        assert result.report.unsupported.get(kind) == 1, result.report


def test_important_flags() -> None:
    result = parse_list("||a.example.com^$important\n@@||b.example.com^$important\n", "t")
    assert result.important == frozenset({"a.example.com"})
    assert result.important_allow == frozenset({"b.example.com"})


def test_comments_and_cosmetic_hash_lines() -> None:
    result = parse_list("# comment\n## Section\n##.ad\n!x\n[Adblock Plus]\nok.example.com\n", "t")
    assert result.report.comment_lines == 4
    assert result.report.unsupported == {"cosmetic": 1}
    assert result.block == ("ok.example.com",)


def test_size_caps() -> None:
    text = "\n".join(f"host{i}.example.com" for i in range(100))
    assert parse_list(text, "t", max_rules=100).report.accepted
    capped = parse_list(text, "t", max_rules=99)
    assert not capped.report.accepted
    assert "99" in (capped.report.reason or "")
    assert not capped.block
    too_big = parse_list(text, "t", max_bytes=100)
    assert not too_big.report.accepted
    assert "size cap" in (too_big.report.reason or "")


def test_binary_and_empty_lists_are_rejected() -> None:
    assert (
        parse_list("a.example.com\n\x00\x01", "t").report.reason == "binary data, not a text list"
    )
    empty = parse_list("# only comments\n\n", "t").report
    assert not empty.accepted
    assert empty.reason == "no rules"
    cosmetic_only = parse_list("##.ad\nexample.com##.x\n", "t").report
    assert not cosmetic_only.accepted
    assert "no rule usable for DNS" in (cosmetic_only.reason or "")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_lines(hostile: str) -> None:
    for template in ("{}", "||{}^", "0.0.0.0 {}", "*.{}", "@@||{}^", "{}.example.com"):
        result = parse_list(template.format(hostile) + "\nok.example.com\n", "t")
        for domain in (*result.block, *result.block_exact, *result.allow, *result.allow_exact):
            assert is_safe_rule_domain(domain), domain
        for samples in result.report.examples.values():
            for sample in samples:
                assert sample.isprintable()
                assert len(sample) <= 130


@settings(max_examples=300, deadline=None)
@given(text=ANY_TEXT, source=ANY_TEXT)
def test_parse_never_raises_and_rules_are_safe(text: str, source: str) -> None:
    result = parse_list(text, source)
    report = result.report
    json.dumps(report.to_dict())
    rules = (*result.block, *result.block_exact, *result.allow, *result.allow_exact)
    for domain in rules:
        assert SAFE_DOMAIN_RE.fullmatch(domain)
        assert is_safe_rule_domain(domain)
    if report.accepted:
        assert rules
        assert report.reason is None
    else:
        assert report.reason
        assert not rules


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(LINE_PARTS, max_size=40))
def test_parse_syntax_soup(parts: list[str]) -> None:
    result = parse_list("".join(parts), "soup")
    for domain in (*result.block, *result.block_exact, *result.allow, *result.allow_exact):
        assert is_safe_rule_domain(domain)
