"""The command line, run as users and support would: a subprocess of the venv Python."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).with_name("fixtures")
ROOT = Path(__file__).resolve().parents[2]
KEYS = ["domain", "tracker", "company", "category", "rule", "source", "allowed_by"]


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "custom_components.snoop_guard.engine", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_classify() -> None:
    names = [
        "gz-data.com",
        "API.GZ-DATA.COM.",
        "example.org",
        "time.samsungcloudsolution.com",
        "",
        "a..b",
        "x" * 70 + ".com",
        "b\u00fccher.de",
    ]
    stdin = "\n".join(names).encode() + b"\n\xff\xfe.com\n"
    done = run("classify", "--list", str(FIXTURES / "hosts.txt"), stdin=stdin)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.decode("ascii").splitlines()]
    assert len(rows) == len(names) + 1
    for row in rows:
        assert list(row)[: len(KEYS)] == KEYS
    gz, upper, plain, samsung, empty, dots, long_label, idn, binary = rows
    assert gz == {
        "domain": "gz-data.com",
        "tracker": True,
        "company": "Gozen Data",
        "category": "network-scanning",
        "rule": "gz-data.com",
        "source": "curated",
        "allowed_by": None,
    }
    assert upper["tracker"]
    assert upper["normalized"] == "api.gz-data.com"
    assert plain["tracker"] is False
    assert plain["rule"] is None
    assert "error" not in plain
    assert samsung["tracker"] is False
    assert samsung["allowed_by"] is None  # no tracker rule matched, nothing to win against
    assert empty["error"] == "empty name"
    assert dots["error"] == "empty label (leading, trailing or double dot)"
    assert long_label["error"] == "label longer than 63 characters"
    assert idn["normalized"] == "xn--bcher-kva.de"
    assert binary["tracker"] is False
    assert binary["error"]


def test_classify_with_lists_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "mine.txt"
    extra.write_text("||time.samsungcloudsolution.com^\n@@||ok.gz-data.com^\n")
    stdin = b"time.samsungcloudsolution.com\nok.gz-data.com\nads.adblock-example.com\n"
    done = run(
        "classify", "--list", str(extra), "--list", str(FIXTURES / "adblock.txt"), stdin=stdin
    )
    assert done.returncode == 0, done.stderr
    samsung, gz, adblock = (json.loads(line) for line in done.stdout.splitlines())
    assert samsung["tracker"] is False
    assert samsung["allowed_by"] == "samsung-time"
    assert samsung["source"] == "list:mine.txt"
    assert gz["tracker"] is False
    assert gz["allowed_by"] == "list:mine.txt:@@ok.gz-data.com"
    assert adblock["tracker"] is True
    overridden = run(
        "classify", "--list", str(extra), "--override", "samsung-time", "--no-bundled",
        stdin=b"time.samsungcloudsolution.com\ngz-data.com\n",
    )  # fmt: skip
    assert overridden.returncode == 0, overridden.stderr
    samsung, gz = (json.loads(line) for line in overridden.stdout.splitlines())
    # --no-bundled: neither the curated rules nor the functional allow-list apply.
    assert samsung["tracker"] is True
    assert gz["tracker"] is False
    assert b"no allow rule 'samsung-time'" in overridden.stderr


def test_explain() -> None:
    done = run("explain", "API.gz-data.com")
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert "normalised to api.gz-data.com" in text
    assert "tracker rule gz-data.com" in text
    assert "citation: V2EX thread" in text
    assert "DECISION: tracker (Gozen Data, network-scanning)" in text
    allowed = run(
        "explain", "time.samsungcloudsolution.com", "--list", str(FIXTURES / "adblock.txt")
    )
    assert b"allow rule samsung-time" in allowed.stdout
    invalid = run("explain", "a b.com")
    assert invalid.returncode == 0
    assert b"not a valid DNS name" in invalid.stdout


def test_rejected_list_and_check_list() -> None:
    rejected = run("explain", "x.com", "--list", str(FIXTURES / "page.html"))
    assert rejected.returncode == 2
    assert b"rejected: an HTML/XML page, not a list" in rejected.stderr
    missing = run("classify", "--list", str(FIXTURES / "no-such-file.txt"))
    assert missing.returncode == 2
    checked = run("check-list", str(FIXTURES / "adblock.txt"), str(FIXTURES / "mostly_garbage.txt"))
    assert checked.returncode == 2
    reports = json.loads("[" + checked.stdout.decode().replace("}\n{", "},\n{") + "]")
    assert [r["accepted"] for r in reports] == [True, False]
    assert reports[0]["unsupported"]["cosmetic"] == 3
    usage = run("frobnicate")
    assert usage.returncode == 2


def test_classify_suspected_keys() -> None:
    stdin = b"device-metrics-eu.tvmaker.example\nwww.tvmaker.example\nstats.googlevideo.com\n"
    done = run("classify", stdin=stdin)
    assert done.returncode == 0, done.stderr
    suspected, plain, allowed = (json.loads(line) for line in done.stdout.splitlines())
    assert list(suspected)[: len(KEYS)] == KEYS
    assert suspected["tracker"] is False
    assert suspected["rule"] is None
    assert suspected["suspected"] is True
    assert suspected["suspected_category"] == "telemetry"
    assert suspected["evidence"] == ["label token 'metrics' in 'device-metrics-eu'"]
    assert "suspected" not in plain
    assert "suspected" not in allowed  # under the functional allow-list (playback CDN)


def test_classify_with_lists_dir(tmp_path: Path) -> None:
    (tmp_path / "hagezi-native-roku.txt").write_text(
        "# Title: fixture\nnew-host.roku-example.com\n", encoding="utf-8"
    )
    stdin = b"a.new-host.roku-example.com\ngz-data.com\n"
    done = run("classify", "--lists-dir", str(tmp_path), stdin=stdin)
    assert done.returncode == 0, done.stderr
    listed, curated = (json.loads(line) for line in done.stdout.splitlines())
    assert listed["tracker"] is True
    assert listed["source"] == "list:hagezi-native-roku"
    assert listed["company"] == "Roku"
    assert listed["category"] == "telemetry"
    assert curated["source"] == "curated"
    assert b"note: no copy of default list hagezi-native-samsung" in done.stderr
    without = run("classify", stdin=b"a.new-host.roku-example.com\n")
    assert json.loads(without.stdout)["tracker"] is False


def test_explain_suspected() -> None:
    done = run("explain", "telemetry.tvmaker.example")
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert "  suspected (telemetry), by:\n    - label token 'telemetry'\n" in text
    assert "DECISION: suspected tracker" in text
    assert "never blocked" in text
    known = run("explain", "gz-data.com")
    assert b"suspected" not in known.stdout
