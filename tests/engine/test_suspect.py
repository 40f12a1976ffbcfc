"""The suspected tier: structure-based evidence, never enforced, the allow-list always wins."""

from __future__ import annotations

import time

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


@pytest.mark.parametrize(
    ("name", "category", "evidence"),
    [
        # New telemetry tokens (issue 14): feedback, report, trace, error SDKs, bigdata.
        ("customer-feedbacks.web.tvmaker.com", "telemetry", "label token 'feedbacks' in"),
        ("report.n.phonemaker.com", "telemetry", "label token 'report'"),
        ("traces-us-east-1.dev.tvmaker.com", "telemetry", "label token 'traces' in"),
        ("sentry.pay.phonemaker.com", "telemetry", "label token 'sentry'"),
        ("bigdata-lbs-c3.alb.phonemaker.com", "telemetry", "label token 'bigdata' in"),
        ("matomo.tvmaker.at", "analytics", "label token 'matomo'"),
        ("adv.sec.phonemaker.com", "ads", "label token 'adv'"),
        ("unagi.shopmaker.co.uk", "telemetry", "label token 'unagi'"),
        # Shapes: words inside a label (also after digits), prefixed stat, *log, log*, *report.
        ("b2banalytics.tvmaker.com", "telemetry", "telemetry word inside host label"),
        ("x1.miui-l7-feedback.elb.phonemaker.com", "telemetry", "label token 'feedback' in"),
        ("mshopbugsnag.irm.shopmaker.dev", "telemetry", "telemetry word inside host label"),
        ("mistat.intl.phonemaker.com", "analytics", "prefixed stat host 'mistat'"),
        ("gstat.pandora.phonemaker.com", "analytics", "prefixed stat host 'gstat'"),
        ("mlog.search.phonemaker.net", "telemetry", "log host 'mlog'"),
        ("in-miuilog.sms.phonemaker.com", "telemetry", "log host 'miuilog' in 'in-miuilog'"),
        ("logupdate.av.phonemaker.com", "telemetry", "log compound host 'logupdate'"),
        ("migcreport.g.phonemaker.com", "telemetry", "report host 'migcreport'"),
        ("fls-eu.shopmaker.de", "telemetry", "vendor logging host 'fls-eu'"),
        ("fls-fe-opf.shopmaker.com", "telemetry", "vendor logging host 'fls-fe-opf'"),
    ],
)
def test_issue14_rules(name: str, category: str, evidence: str) -> None:
    suspicion = suspect_name(name)
    assert suspicion is not None, name
    assert suspicion.category == category
    assert suspicion.evidence[0].startswith(evidence), suspicion.evidence


@pytest.mark.parametrize(
    "name",
    [
        # Ordinary and needed names next to the new rules.
        "blog.tvmaker.com",  # *log: English words ending in "log" are excepted
        "techblog.tvmaker.com",
        "catalog.streamer.com",
        "appcatalogs.streamer.com",
        "dialog.example.org",
        "changelog.example.org",
        "backlog.example.org",
        "login.phonemaker.com",  # log*: only telemetry compounds
        "logo.example.com",
        "logistics.example.com",
        "status.phonemaker.com",  # stat: one-to-three letter prefix, whole label
        "thermostat.example.com",
        "estate.example.com",
        "support.tvmaker.com",  # report: not "port"
        "airport.example.com",
        "reporter.news.example",
        "advice.example.com",  # adv: a whole token only
        "advanced.example.com",
        "fls.example.com",  # fls: only with a region
        "fls-xx.example.com",
        "feed.example.com",
        "tracer.example.com",
        "bugs.python.org",
        "sports.example.com",
    ],
)
def test_issue14_negatives(name: str) -> None:
    assert suspect_name(name) is None


def test_needed_names_are_not_suspected(bundled: TrackerMatcher) -> None:
    """Names a TV needs (play, sign in, update, time, connectivity) stay unsuspected."""
    for name in (
        "time.samsungcloudsolution.com",
        "api.netflix.com",
        "occ-0-1-2.1.nflxso.net",
        "image.roku.com",
        "firmware.roku.com",
        "connectivitycheck.gstatic.com",
        "android.clients.google.com",
        "api.amazonvideo.com",
        "ntp.ubuntu.com",
        "account.xiaomi.com",
        "update.miui.com",
        "login.microsoftonline.com",
    ):
        assert bundled.suspect(name) is None, name


@pytest.mark.parametrize(
    ("label", "suspected"),
    [
        ("log" * 21, True),  # one 63-character label: "*log"
        ("-".join(["a"] * 32), False),
        ("0-0-0-0-0", False),
        ("xn--lg-1ga", False),
        ("stat" * 15, False),  # "stat" shapes take a short prefix only
        ("fls-eu-" + "a" * 56, False),  # the vendor shape is short
        ("b" + "analytics" * 6 + "1", True),
        ("a" * 62 + "x", False),
    ],
)
def test_hostile_labels_are_fast_and_safe(label: str, suspected: bool) -> None:
    """Long and odd labels neither raise nor take long (linear shapes)."""
    name = ".".join([label, label, "example.com"])
    start = time.perf_counter()
    for _ in range(100):
        result = suspect_name(name)
    assert time.perf_counter() - start < 1.0
    assert (result is not None) == suspected


def test_hostile_invalid_names_via_matcher(bundled: TrackerMatcher) -> None:
    """Invalid names are never suspected; case and a trailing dot are normalised."""
    for name in (
        "mistat..example.com",
        "a" * 64 + ".example.com",
        "\x00log.x.com",
        "mi stat.x.com",
    ):
        assert bundled.suspect(name) is None
        assert not bundled.classify(name).suspected
    suspicion = bundled.suspect("MISTAT.Example.COM.")
    assert suspicion is not None
    assert suspicion.name == "mistat.example.com"
    assert suspect_name("mistat.example") is None  # the registrable domain itself


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


@pytest.mark.parametrize(
    ("name", "suspected"),
    [
        ("alexa-hybrid-interaction-log-config-prod-na.s3.amazonaws.com", True),
        ("client.rum.us-east-1.amazonaws.com", True),
        ("analytics-sellup.herokuapp.com", True),
        ("my-photos.s3.amazonaws.com", False),
        ("myapp.herokuapp.com", False),
        ("d2tnx644ijgq6i.cloudfront.net", False),
    ],
)
def test_shared_hosting_customer_label_is_read_as_a_host_label(name: str, suspected: bool) -> None:
    assert (suspect_name(name) is not None) is suspected


@pytest.mark.parametrize(
    "name", ["monitor.tvmaker.example", "apm.vendor.example", "abtest.tvmaker.example"]
)
def test_monitoring_and_experiment_tokens(name: str) -> None:
    found = suspect_name(name)
    assert found is not None
    assert found.evidence[0].startswith("label token")


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("staging-analyze.pt.tvmaker.example", "analytics"),
        ("pingback.player.example", "analytics"),
        ("diagnostics.tvmaker.example", "telemetry"),
        ("bugly.tvapp.example", "telemetry"),
    ],
)
def test_analysis_pingback_and_diagnostic_tokens(name: str, category: str) -> None:
    found = suspect_name(name)
    assert found is not None
    assert found.category == category


@pytest.mark.parametrize(
    ("name", "suspected"),
    [
        ("mon.be.xiaomi.com", True),
        ("mon2.n.xiaomi.com", True),
        ("pb.bi.roku.com", True),
        # Elsewhere they are language codes (Bislama Wikipedia) or ordinary labels.
        ("bi.wikipedia.org", False),
        ("mon.wikipedia.org", False),
        ("bi.nv.gov", False),
        ("mon.be.tvmaker.example", False),
        # Only a whole label counts: a sign-in page and ordinary words do not.
        ("mon-compte.orange.fr", False),
        ("monday.example.com", False),
        ("bi-weekly.example.com", False),
        ("bike.example.com", False),
        ("www.bing.com", False),
    ],
)
def test_whole_label_abbreviations(name: str, suspected: bool) -> None:
    assert (suspect_name(name) is not None) is suspected


@pytest.mark.parametrize(
    ("name", "suspected"),
    [
        ("securemetrics.tvmaker.example", True),
        ("datacollector-dre.dt.tvmaker.example", True),
        ("biometrics.hospital.example", False),
        ("psychometrics.university.example", False),
    ],
)
def test_metrics_and_data_collector_inside_a_label(name: str, suspected: bool) -> None:
    assert (suspect_name(name) is not None) is suspected


@pytest.mark.parametrize(
    ("name", "category"),
    [
        # Hosts of ad and data companies seen in Roku / Fire TV channel traffic
        # (citp/ott-tracking, CCS 2019) that no bundled list names.
        ("sync.springserve.com", "ads"),
        ("tms.truoptik.com", "analytics"),
        ("node-p2e-aiv8i1.sitescout.com", "ads"),
        ("telariaeventsbidder-east.extend.tv", "ads"),
        ("device7.samba.tv", "acr"),
        ("o123.ingest.us.sentry.io", "telemetry"),
    ],
)
def test_host_under_an_ad_company_domain(name: str, category: str) -> None:
    found = suspect_name(name)
    assert found is not None
    assert found.category == category
    assert any(f"({category} company)" in item for item in found.evidence)


@pytest.mark.parametrize(
    "name",
    [
        # The company's own site, documentation and sign-in stay unsuspected.
        "springserve.com",
        "www.springserve.com",
        "docs.sentry.io",
        "login.newrelic.com",
        "one.newrelic.com",
        "download.newrelic.com",
        # A device maker's domain carries its store and updates: not an ad company.
        "ota.cdn.pandora.xiaomi.com",
        "appstore.samsung.com",
    ],
)
def test_ad_company_rule_spares_sites_and_device_makers(name: str) -> None:
    assert suspect_name(name) is None


def test_allow_rule_beats_the_ad_company_suspicion(bundled: TrackerMatcher) -> None:
    """A name an allow rule covers is never suspected, whoever owns its domain."""
    matcher = build_matcher(
        [ListSource("mine", "@@||cfg.springserve.com^\n", company="SpringServe")]
    )
    assert bundled.suspect("cfg.springserve.com") is not None
    assert matcher.suspect("cfg.springserve.com") is None
