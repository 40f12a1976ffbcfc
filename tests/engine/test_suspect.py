"""The suspected tier: structure-based evidence, never enforced, the allow-list always wins."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.compiled import ListSource, build_matcher
from custom_components.snoop_guard.engine.suspect import STRONG_TOKENS, suspect_name
from custom_components.snoop_guard.engine.trackers import TrackerMatcher


@pytest.fixture(scope="module")
def bundled() -> TrackerMatcher:
    return build_matcher()


@pytest.mark.parametrize(
    ("name", "category", "evidence"),
    [
        ("giga.logs.roku-like.com", "telemetry", "label token 'logs'"),
        ("device-metrics-eu.tvmaker.com", "telemetry", "label token 'metrics' in"),
        ("acr-eu3.tvmaker.tv", "acr", "label token 'acr' in 'acr-eu3'"),
        ("ads.streamer.example", "ads", "label token 'ads'"),
        ("smetrics.tvmaker.com", "telemetry", "Adobe-style metrics host 'smetrics'"),
        ("prderrordumphsm.tvcloud.com", "telemetry", "error/device log host"),
        ("edge.tvanalytics.net", "analytics", "domain label 'tvanalytics' contains 'analytics'"),
        ("beacon.player.co.uk", "analytics", "label token 'beacon'"),
    ],
)
def test_suspected_by_structure(name: str, category: str, evidence: str) -> None:
    suspicion = suspect_name(name)
    assert suspicion is not None
    assert suspicion.category == category
    assert suspicion.evidence[0].startswith(evidence)
    assert suspicion.to_json() == {"category": category, "evidence": list(suspicion.evidence)}


@pytest.mark.parametrize(
    "name",
    [
        "www.netflix.com",
        "login.live.com",  # "login" is not "log"
        "downloads.example.org",  # "downloads" is not "ads"
        "status.example.com",  # "status" is not "stat"
        "biometrics.example.com",  # "biometrics" is not "metrics"
        "logs.com",  # the registrable domain's own short words are not evidence
        "ads.co.uk",  # a name under a public suffix only
        "cdn.statically.io",
    ],
)
def test_ordinary_names_not_suspected(name: str) -> None:
    assert suspect_name(name) is None


def test_classify_marks_suspected_and_cli_keys(bundled: TrackerMatcher) -> None:
    verdict = bundled.classify("telemetry.tvmaker.example")
    assert not verdict.tracker
    assert verdict.suspected
    assert verdict.suspected_category == "telemetry"
    row = verdict.to_json()
    assert row["tracker"] is False
    assert row["suspected"] is True
    assert row["evidence"] == ["label token 'telemetry'"]
    plain = bundled.classify("www.tvmaker.example").to_json()
    assert "suspected" not in plain
    assert "evidence" not in plain


def test_known_tracker_is_not_suspected(bundled: TrackerMatcher) -> None:
    verdict = bundled.classify("giga.logs.roku.com")
    assert verdict.tracker
    assert not verdict.suspected
    assert bundled.suspect("giga.logs.roku.com") is None


def test_allow_list_beats_suspicion(bundled: TrackerMatcher) -> None:
    # time.samsungcloudsolution.com is allowed; a telemetry-looking name under an
    # allowed suffix (googlevideo.com is allowed as a playback CDN) is not suspected.
    assert suspect_name("stats.googlevideo.com") is not None
    assert bundled.suspect("stats.googlevideo.com") is None
    verdict = bundled.classify("stats.googlevideo.com")
    assert not verdict.suspected
    assert not verdict.tracker
    # Overriding the allow rule does not make it a suspicion either.
    overridden = bundled.with_overrides(["googlevideo.com"])
    assert overridden.suspect("stats.googlevideo.com") is None


def test_suspected_names_are_never_enforced() -> None:
    matcher = build_matcher([ListSource("t", "known.example\n")], bundled=False)
    assert matcher.suspect("metrics.unknown.example") is not None
    assert matcher.domains() == ["known.example"]
    assert "metrics.unknown.example" not in matcher
    assert matcher.match("metrics.unknown.example") is None


def test_invalid_names_are_not_suspected(bundled: TrackerMatcher) -> None:
    for name in ("", "a..b", None, 42, "x" * 300):
        assert bundled.suspect(name) is None


LABEL = st.sampled_from(["a", "www", "api", *sorted(STRONG_TOKENS)[:12], "x-logs", "ads1"])
SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(
    st.lists(LABEL, min_size=1, max_size=3),
    st.sampled_from(["allowed.example", "other.example"]),
    st.sampled_from(["suffix", "exact"]),
)
def test_property_allow_rule_always_wins(labels: list[str], base: str, kind: str) -> None:
    """Any name an allow rule covers is never suspected (nor a tracker)."""
    allow = "@@||allowed.example^" if kind == "suffix" else "@@|allowed.example^"
    rules = f"||tracker.example^\n{allow}\n"
    matcher = build_matcher([ListSource("p", rules)], bundled=False)
    name = base if kind == "exact" else ".".join([*labels, base])
    verdict = matcher.classify(name)
    covered = base == "allowed.example"
    if covered:
        assert not verdict.suspected
        assert matcher.suspect(name) is None
        assert not verdict.tracker
    assert verdict.suspected == (matcher.suspect(name) is not None)
    assert not (verdict.suspected and verdict.tracker)
