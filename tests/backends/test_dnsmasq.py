"""The dnsmasq snippet: golden output, hostile names, and which sets an answer fills.

Tracker and allow-list names come from lists anyone can publish; none of them may
add a line, a directive or a set target to dnsmasq's configuration.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.backends.dnsmasq import (
    ALLOWED_TARGETS,
    TRACKER_TARGETS,
    allowed_domains,
    build_snippet,
    safe_domains,
)
from custom_components.snoop_guard.engine.compiled import ListSource, build_matcher
from custom_components.snoop_guard.engine.trackers import TrackerMatcher
from tests.engine.hostile import HOSTILE
from tests.fakes import snippet_sets_for

from . import golden

SETTINGS = settings(max_examples=200, deadline=None)
_LABEL = r"[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?"
_LINE = re.compile(
    rf"^nftset=/((?:{_LABEL})(?:\.{_LABEL})+)/"
    rf"({re.escape(TRACKER_TARGETS)}|{re.escape(ALLOWED_TARGETS)})$"
)
_TRACKER_SETS = ["trackers4", "trackers6"]
_ALLOWED_SETS = ["allowed4", "allowed6"]

_names = (
    st.sampled_from(HOSTILE)
    | st.text(max_size=80)
    | st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,70}(\.[a-z0-9][a-z0-9_-]{0,70}){1,4}\Z")
    | st.sampled_from(
        [
            "gz-data.com",
            "a" * 63 + ".com",
            "a" * 64 + ".com",  # a label longer than 63
            ".".join(["a" * 63] * 3) + "." + "b" * 61,  # 253 characters
            ".".join(["a" * 63] * 3) + "." + "b" * 62,  # 254 characters
            "evil.com/4#inet#fw4#input",
            "evil.com#x",
            "evil .com",
            "evil.com\nserver=/#/6.6.6.6",
            "evil.com\x00.x",
            "\u202eevil.com",
            "EVIL.COM",
            "evil.com.",
            "-evil.com",
            "xn--tv-0ja.example",
        ]
    )
)


def _lines(snippet: str) -> list[str]:
    assert snippet.endswith("\n")
    head, second, *body = snippet.split("\n")[:-1]
    assert head.startswith("# snoop-guard ")
    assert second.startswith("# ")
    return body


def test_snippet_is_the_golden_one() -> None:
    assert golden.snippet() == (golden.DATA / "snippet.conf").read_text()


@pytest.mark.skipif(shutil.which("dnsmasq") is None, reason="dnsmasq is not installed")
def test_dnsmasq_accepts_the_snippet(tmp_path: Path) -> None:
    """dnsmasq's own syntax check (no root needed, nothing is started)."""
    conf = tmp_path / "snoop-guard.conf"
    conf.write_text(build_snippet([*HOSTILE, *golden.TRACKERS], [*HOSTILE, *golden.ALLOWED]))
    done = subprocess.run(
        ["dnsmasq", "--test", f"--conf-file={conf}"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "syntax check OK" in done.stderr


@given(st.lists(_names, max_size=12), st.lists(_names, max_size=6))
@SETTINGS
def test_hostile_names_never_make_a_directive(trackers: list[str], allowed: list[str]) -> None:
    snippet = build_snippet(trackers, allowed)
    body = _lines(snippet)
    written: dict[str, str] = {}
    for line in body:
        found = _LINE.fullmatch(line)
        assert found is not None, line
        domain, targets = found.groups()
        assert domain not in written  # one line per domain
        assert len(domain) <= 253
        written[domain] = targets
    # Only input names, verbatim; nothing else, nothing split off them.
    assert set(written) <= set(trackers) | set(allowed)
    assert {d for d, t in written.items() if t == ALLOWED_TARGETS} == set(safe_domains(allowed))
    assert {d for d, t in written.items() if t == TRACKER_TARGETS} == set(
        safe_domains(trackers)
    ) - set(safe_domains(allowed))
    # Invalid names are skipped, never repaired.
    for name in {*trackers, *allowed} - set(written):
        assert name not in safe_domains([name])
    digest = hashlib.sha256("".join(f"{line}\n" for line in body).encode()).hexdigest()
    assert snippet.startswith(f"# snoop-guard {digest[:16]}\n")


@given(st.lists(_names, max_size=12), st.lists(_names, max_size=6), st.randoms())
@SETTINGS
def test_snippet_is_a_pure_function_of_the_names(
    trackers: list[str], allowed: list[str], random: Random
) -> None:
    shuffled_t, shuffled_a = list(trackers), list(allowed)
    random.shuffle(shuffled_t)
    random.shuffle(shuffled_a)
    assert build_snippet(shuffled_t + trackers, shuffled_a) == build_snippet(trackers, allowed)


def test_no_allowed_names_gives_the_tracker_only_snippet() -> None:
    body = _lines(build_snippet(["gz-data.com"]))
    assert body == [f"nftset=/gz-data.com/{TRACKER_TARGETS}"]


@pytest.mark.parametrize(
    ("name", "sets"),
    [
        ("time.samsungcloudsolution.com", _ALLOWED_SETS),
        ("ntp.time.samsungcloudsolution.com", _ALLOWED_SETS),
        ("acr0.samsungcloudsolution.com", _TRACKER_SETS),
        ("x.acr0.samsungcloudsolution.com", _TRACKER_SETS),
        ("samsungcloudsolution.com", []),
        ("gz-data.com", _TRACKER_SETS),
        ("q1.GZ-DATA.com.", _TRACKER_SETS),
        ("notgz-data.com", []),
        ("shared.example", _ALLOWED_SETS),  # listed both ways: allowed only
    ],
)
def test_which_sets_dnsmasq_fills(name: str, sets: list[str]) -> None:
    assert snippet_sets_for(golden.snippet(), name) == sets


def test_a_more_specific_tracker_under_an_allowed_name_stays_a_tracker() -> None:
    snippet = build_snippet(["ads.cdn.example"], ["cdn.example"])
    assert snippet_sets_for(snippet, "ads.cdn.example") == _TRACKER_SETS
    assert snippet_sets_for(snippet, "video.cdn.example") == _ALLOWED_SETS


@pytest.fixture(scope="module")
def matcher() -> TrackerMatcher:
    return build_matcher(
        [
            ListSource(
                name="https://lists.example/l.txt", text="||tracker.example^\n@@||ok.example^\n"
            )
        ]
    )


def test_allowed_domains_are_the_honoured_functional_rules(matcher: TrackerMatcher) -> None:
    names = allowed_domains(matcher)
    assert "time.samsungcloudsolution.com" in names
    assert "connectivitycheck.gstatic.com" in names
    assert "ok.example" not in names  # a list's @@ exception is not a needed name
    assert names == safe_domains(names)
    overridden = allowed_domains(matcher.with_overrides(["time.samsungcloudsolution.com"]))
    assert "time.samsungcloudsolution.com" not in overridden
    assert len(overridden) == len(names) - 1


def test_needed_names_never_land_in_the_tracker_sets(matcher: TrackerMatcher) -> None:
    needed = allowed_domains(matcher)
    snippet = build_snippet(matcher.domains(), needed)
    for name in needed:
        assert snippet_sets_for(snippet, name) == _ALLOWED_SETS, name
        assert snippet_sets_for(snippet, f"x.{name}") in (_ALLOWED_SETS, _TRACKER_SETS)
    assert snippet_sets_for(snippet, "acr0.samsungcloudsolution.com") == _TRACKER_SETS
