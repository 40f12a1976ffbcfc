"""Tests for building the knowledge base, the on-disk cache and allow-list overrides."""

from __future__ import annotations

import ast
import hashlib
import json
import struct
from pathlib import Path

import pytest

from custom_components.snoop_guard.backends.dnsmasq import safe_domains
from custom_components.snoop_guard.engine import compiled, matchercache
from custom_components.snoop_guard.engine import compiled as compiled_module
from custom_components.snoop_guard.engine.allowlist import FUNCTIONAL_ALLOW
from custom_components.snoop_guard.engine.compiled import (
    CACHE_FILE,
    CACHE_FORMAT_VERSION,
    CacheError,
    ListSource,
    build_matcher,
    compile_rules,
    read_cache,
    source_hash,
)
from custom_components.snoop_guard.engine.curated import CURATED
from custom_components.snoop_guard.engine.matchercache import deserialize, serialize
from custom_components.snoop_guard.engine.names import is_safe_rule_domain, normalize_domain
from custom_components.snoop_guard.engine.perflyst import BUNDLED_LISTS
from custom_components.snoop_guard.engine.ruletables import CompiledRules
from custom_components.snoop_guard.engine.trackers import TrackerMatcher
from tests.engine.hostile import HOSTILE

FIXTURES = Path(__file__).with_name("fixtures")
DATA = Path(compiled.__file__).with_name("data")
SAMPLE = [
    "gz-data.com",
    "api.gz-data.com",
    "samsungcloudsolution.com",
    "time.samsungcloudsolution.com",
    "connectivitycheck.gstatic.com",
    "rr1---sn-x.googlevideo.com",
    "ads.adblock-example.com",
    "x.cdn.ads.adblock-example.com",
    "pixel.adblock-example.com",
    "exact.adblock-example.com",
    "sub.exact.adblock-example.com",
    "ads.hosts-example.com",
    "example.org",
]


def sources() -> list[ListSource]:
    return [ListSource.from_file(FIXTURES / name) for name in ("adblock.txt", "hosts.txt")]


def snapshot(matcher: TrackerMatcher) -> object:
    return (
        matcher.rule_count,
        matcher.skipped_lines,
        matcher.excluded_rules,
        matcher.domains(),
        matcher.allow_rules,
        matcher.reports,
        matcher.notes,
        [matcher.classify(name) for name in SAMPLE],
    )


# -- the functional allow-list and the bundled knowledge --------------------------


def test_functional_allow_list_is_well_formed() -> None:
    ids = [row.id for row in FUNCTIONAL_ALLOW]
    assert len(ids) == len(set(ids))
    for row in FUNCTIONAL_ALLOW:
        assert normalize_domain(row.domain) == row.domain
        assert is_safe_rule_domain(row.domain), row.domain
        assert row.kind in {"exact", "suffix"}
        assert len(row.reason) > 10
        assert len(row.citation) > 10
    for needed in [
        "clients1.google.com",
        "connectivitycheck.gstatic.com",
        "us.lgtvsdp.com",
        "time.samsungcloudsolution.com",
        "ipv4-c001-fra001-ix.1.oca.nflxvideo.net",
        "rr3---sn-4g5e6nzz.googlevideo.com",
    ]:
        verdict = build_matcher().classify(needed)
        assert verdict.allow_matches, needed


def test_curated_rules_are_not_defeated_by_the_allow_list() -> None:
    matcher = build_matcher()
    for row in CURATED:
        verdict = matcher.classify(row.domain)
        assert verdict.tracker, row.domain
        assert verdict.info is not None
        assert verdict.info.source == "curated"
        assert verdict.info.confidence == "high"
        assert verdict.info.vendors == row.vendors


def test_bundled_dnsmasq_domains_spare_allowed_names() -> None:
    matcher = build_matcher()
    domains = matcher.domains()
    assert safe_domains(domains) == domains
    for allow in matcher.allow_rules:
        for domain in domains:
            assert allow.rule != domain
            assert not allow.rule.endswith("." + domain), allow
            if allow.kind == "suffix":
                assert not domain.endswith("." + allow.rule)


def test_sources_json_matches_the_data() -> None:
    sources_json = json.loads((DATA / "SOURCES.json").read_text(encoding="utf-8"))
    perflyst = sources_json["perflyst"]
    assert perflyst["upstream"] == "https://github.com/Perflyst/PiHoleBlocklist"
    assert perflyst["copied"] == "2026-11-24"
    assert (DATA / perflyst["license_file"]).is_file()
    others = {
        name
        for key in ("blocklistproject", "nextdns_native_tracking", "tv_lists")
        for name in sources_json[key]["lists"]
    }
    assert set(perflyst["lists"]) | others == set(BUNDLED_LISTS)
    for name, entry in perflyst["lists"].items():
        data = (DATA / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        version_lines = [
            line for line in data.decode().splitlines() if line.startswith("# Version:")
        ]
        assert version_lines == ([entry["version_line"]] if entry["version_line"] else [])


# -- precedence, subscriptions and overrides ---------------------------------------


def test_subscription_precedence_and_attribution() -> None:
    text = "||samsungads.com^\n||ads.samsungads.com^\n||new-tracker.example.com^\n"
    matcher = build_matcher([ListSource("mine", text, category="ads", company="Acme")])
    # Curated covers samsungads.com and its subtree: its attribution wins.
    hit = matcher.match("ads.samsungads.com")
    assert hit is not None
    assert (hit.source, hit.rule, hit.company) == ("curated", "samsungads.com", "Samsung Ads")
    new = matcher.match("x.new-tracker.example.com")
    assert new is not None
    assert (new.source, new.company, new.confidence) == ("list:mine", "Acme", "low")
    assert matcher.reports[0].accepted


def test_list_exceptions_and_important() -> None:
    matcher = build_matcher([ListSource.from_file(FIXTURES / "adblock.txt")], bundled=False)
    assert matcher.match("ads.adblock-example.com") is not None
    allowed = matcher.classify("x.cdn.ads.adblock-example.com")
    assert not allowed.tracker
    assert allowed.allowed_by is not None
    assert allowed.allowed_by.id == "list:adblock.txt:@@cdn.ads.adblock-example.com"
    assert matcher.match("exact.adblock-example.com") is not None
    assert matcher.match("sub.exact.adblock-example.com") is None  # exact rule
    important = build_matcher(
        [ListSource("i", "||a.example.com^$important\n@@||b.a.example.com^\n@@||c.example.com^\n"
                    "||c.example.com^\n")],
        bundled=False,
    )  # fmt: skip
    assert important.match("b.a.example.com") is not None  # $important beats the exception
    assert important.match("c.example.com") is None
    assert "$important" in important.explain("b.a.example.com")


def test_functional_allow_beats_important_list_rules() -> None:
    matcher = build_matcher([ListSource("i", "||samsungcloudsolution.com^$important\n")])
    assert matcher.match("time.samsungcloudsolution.com") is None
    assert matcher.match("other.samsungcloudsolution.com") is not None


def test_overrides_by_id_and_domain() -> None:
    text = "||googlevideo-ads.example.com^\n||nflxvideo.example^\n"
    base = build_matcher([ListSource("l", "||time.samsungcloudsolution.com^\n" + text)])
    assert base.match("time.samsungcloudsolution.com") is None
    assert "time.samsungcloudsolution.com" not in base.domains()
    by_id = base.with_overrides(["samsung-time", "no-such-rule"])
    hit = by_id.match("time.samsungcloudsolution.com")
    assert hit is not None
    assert hit.source == "list:l"
    assert "time.samsungcloudsolution.com" in by_id.domains()
    assert by_id.unknown_overrides == ("no-such-rule",)
    assert [allow.id for allow in by_id.overridden] == ["samsung-time"]
    verdict = by_id.classify("time.samsungcloudsolution.com")
    assert [allow.id for allow in verdict.overridden] == ["samsung-time"]
    assert verdict.to_json()["overridden"] == ["samsung-time"]
    assert "chose not to honour" in by_id.explain("time.samsungcloudsolution.com")
    by_domain = base.with_overrides(["TIME.samsungcloudsolution.com."])
    assert by_domain.match("time.samsungcloudsolution.com") is not None
    assert base.match("time.samsungcloudsolution.com") is None  # the original is unchanged
    assert by_id.tables is base.tables


def test_total_rule_cap_is_reported() -> None:
    text = "\n".join(f"h{i}.example.com" for i in range(20))
    matcher = build_matcher([ListSource("big", text)], bundled=False, max_rules=15)
    assert matcher.rule_count == 15
    assert matcher.notes == ("total rule cap of 15 reached: 5 rule(s) of big were not loaded",)


def test_rejected_subscription_is_reported_not_loaded() -> None:
    page = ListSource.from_file(FIXTURES / "page.html")
    matcher = build_matcher([page])
    assert not matcher.reports[0].accepted
    assert matcher.rule_count == build_matcher().rule_count


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_subscription_domains_stay_safe(hostile: str) -> None:
    text = "\n".join(t.format(hostile) for t in ("{}", "||{}^", "0.0.0.0 {}", "{}.example.com"))
    matcher = build_matcher([ListSource("h", text + "\nok.example.com\n")], bundled=False)
    domains = matcher.domains()
    assert safe_domains(domains) == domains


# -- the cache ------------------------------------------------------------------------


def test_cache_round_trip(tmp_path: Path) -> None:
    fresh = build_matcher(sources(), cache_dir=tmp_path)
    assert fresh.cache_status == "built (no cache file yet); cache written"
    cached = build_matcher(sources(), cache_dir=tmp_path)
    assert cached.cache_status == "loaded from cache"
    assert snapshot(cached) == snapshot(fresh)
    assert cached.source_hash == fresh.source_hash == source_hash(sources())
    tables = compile_rules(sources(), digest=fresh.source_hash)
    again = deserialize(serialize(tables), fresh.source_hash)
    assert snapshot(TrackerMatcher(again)) == snapshot(TrackerMatcher(tables))
    assert [p.name for p in tmp_path.iterdir()] == [CACHE_FILE]  # no temporary files left


def test_cache_is_rebuilt_when_a_source_changes(tmp_path: Path) -> None:
    build_matcher(sources(), cache_dir=tmp_path)
    changed = [*sources(), ListSource("extra", "new.example.com\n")]
    matcher = build_matcher(changed, cache_dir=tmp_path)
    assert matcher.cache_status == "rebuilt (cache unusable: sources changed); cache written"
    assert matcher.match("new.example.com") is not None
    assert build_matcher(changed, cache_dir=tmp_path).cache_status == "loaded from cache"
    # Same text under another name, or other options, is another source too.
    renamed = [*sources(), ListSource("other", "new.example.com\n")]
    assert build_matcher(renamed, cache_dir=tmp_path).cache_status.startswith("rebuilt")
    assert build_matcher(renamed, cache_dir=tmp_path, bundled=False).cache_status.startswith(
        "rebuilt"
    )


def test_overrides_do_not_invalidate_the_cache(tmp_path: Path) -> None:
    build_matcher(cache_dir=tmp_path)
    matcher = build_matcher(cache_dir=tmp_path, overrides=["samsung-time"])
    assert matcher.cache_status == "loaded from cache"
    assert [allow.id for allow in matcher.overridden] == ["samsung-time"]


def _rewrite(data: bytes, payload: bytes) -> bytes:
    """Return cache bytes with a new payload and a consistent header."""
    header = matchercache._HEADER
    magic, version, flags, digest, _, *lengths = header.unpack_from(data)
    lengths[1] += len(payload) - (len(data) - header.size)
    return (
        header.pack(magic, version, flags, digest, hashlib.sha256(payload).digest(), *lengths)
        + payload
    )


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda d: d[:10], "file too short"),
        (lambda d: b"XXXX" + d[4:], "not a Snoop Guard matcher cache"),
        (
            lambda d: d[:4] + struct.pack("<H", 99) + d[6:],
            f"format version 99, expected {CACHE_FORMAT_VERSION}",
        ),
        (lambda d: d[:-1], "section sizes do not add up"),
        (lambda d: d[:-1] + bytes([d[-1] ^ 1]), "payload checksum mismatch"),
    ],
)
def test_corrupt_cache_is_rebuilt(tmp_path: Path, mangle: object, reason: str) -> None:
    build_matcher(sources(), cache_dir=tmp_path)
    path = tmp_path / CACHE_FILE
    path.write_bytes(mangle(path.read_bytes()))  # type: ignore[operator]
    with pytest.raises(CacheError, match=reason):
        read_cache(path, source_hash(sources()))
    matcher = build_matcher(sources(), cache_dir=tmp_path)
    assert matcher.cache_status == f"rebuilt (cache unusable: {reason}); cache written"
    assert build_matcher(sources(), cache_dir=tmp_path).cache_status == "loaded from cache"


def test_forged_cache_with_unsafe_names_is_refused(tmp_path: Path) -> None:
    tables = compile_rules([ListSource("l", "evil.example.com\n")], bundled=False)
    data = serialize(tables)
    header = matchercache._HEADER
    payload = data[header.size :].replace(b"evil.example", b"evil/example")
    forged = (
        header.pack(
            *header.unpack_from(data)[:4],
            hashlib.sha256(payload).digest(),
            *header.unpack_from(data)[5:],
        )
        + payload
    )
    with pytest.raises(CacheError, match="unexpected characters"):
        deserialize(forged)


def test_cache_write_failure_is_not_fatal(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    matcher = build_matcher(cache_dir=blocker / "cache")
    assert matcher.cache_status.endswith("; cache not written: Not a directory")
    assert matcher.match("gz-data.com") is not None


def test_compiled_rules_counts() -> None:
    tables = compile_rules()
    assert isinstance(tables, CompiledRules)
    assert tables.rule_count == sum(map(len, tables.suffix.values())) + len(tables.exact)
    assert tables.allows


def test_every_engine_module_the_build_reads_is_hashed_for_the_cache() -> None:
    """A change to any module compiled.py imports (directly or not) must invalidate the cache."""
    engine = Path(compiled_module.__file__).parent
    seen: set[str] = set()
    todo = ["compiled.py"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse((engine / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    todo.append(f"{node.module.split('.')[0]}.py")
                else:
                    todo.extend(f"{alias.name}.py" for alias in node.names)
    assert seen <= set(compiled_module._CODE_FILES)
