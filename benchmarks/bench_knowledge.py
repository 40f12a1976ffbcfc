"""Tracker knowledge against a held-in evaluation set: recall per vendor, false blocks.

Run: ``python benchmarks/bench_knowledge.py [--lists-dir DIR] [--measure-dir DIR]``
(from the repository root).

The evaluation set is ``benchmarks/data/tv_eval.csv`` (self-written, a source per row).
It is held-in, not independent: some rows are also curated or Perflyst entries, the
curated rows added for issue 14 were written with this set's misses in view, and
rows marked ``HZ`` were chosen with the default lists in view ("ALL w/o HZ" leaves
them out). Read the figures as a regression check, not as an independent measurement.
For the bundled knowledge alone and, with ``--lists-dir``, for the default
subscriptions (:mod:`engine.vendorlists`, copies named ``<id>.txt``) on top, it prints:

* recall per vendor: trackers known (a rule matches and no allow rule wins),
  suspected (no rule, telemetry-like structure) and both together;
* the false-block rate on the needed names (classified as trackers) and the share
  of needed names flagged as suspected; the needed names are tv_eval.csv's plus
  ``needed_vendor.csv`` (vendor functions such as firmware, app store, sign-in,
  channel guide, each with the source that says blocking it breaks something);
* the suspected tier's precision over ordinary names: the needed names plus a few
  thousand ordinary host names generated here from common words (deterministic,
  self-written generator: service label x company-like name x TLD), i.e. the share
  of them *not* flagged;
* the same on real host names: every ``http(s)://`` host written in the source of
  the installed Python packages (Home Assistant core and its libraries: cloud APIs,
  device vendors, documentation), so the figure does not rest on generated names
  alone; it also counts how many of them the rules classify as trackers;
* with ``--measure-dir``, known / suspected / both recall of the bundled knowledge
  on the entries of list copies in DIR (e.g. vendor native-tracking lists the
  project does not bundle). Measurement only: nothing of them is bundled or copied,
  and the figures are recall only (such lists hold trackers, no needed names).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from custom_components.snoop_guard.engine.compiled import (  # noqa: E402
    ListSource,
    build_matcher,
    compile_rules,
)
from custom_components.snoop_guard.engine.trackers import TrackerMatcher  # noqa: E402
from custom_components.snoop_guard.engine.vendorlists import load_dir  # noqa: E402

EVAL = Path(__file__).with_name("data") / "tv_eval.csv"
# Needed names of TVs, streamers and speakers with a citation each (kind "needed", source "NV").
NEEDED_VENDOR = Path(__file__).with_name("data") / "needed_vendor.csv"

# Labels real sites put in front of their names (not chosen to avoid the heuristics:
# "events", "track", "stats" and "ads" occur on ordinary sites too and are kept).
_SERVICE = (
    *("www", "api", "mail", "shop", "store", "blog", "docs", "cdn", "static", "img", "images"),
    *("app", "apps", "portal", "login", "auth", "account", "support", "help", "news", "m"),
    *("media", "video", "download", "downloads", "update", "updates", "status", "search"),
    *("forum", "community", "careers", "jobs", "dev", "developer", "secure", "my", "web"),
    *("assets", "files", "upload", "gateway", "edge", "origin", "live", "tv", "music", "maps"),
    *("weather", "calendar", "photos", "cloud", "sync", "push", "id", "sso", "pay", "checkout"),
    *("events", "track", "stats", "ads", "partners", "press", "investor", "about", "en", "de"),
)
_WORDS = (
    *("green", "river", "stone", "bright", "north", "blue", "silver", "oak", "maple", "harbor"),
    *("city", "market", "bakery", "hotel", "garden", "travel", "motor", "health", "school"),
    *("bank", "energy", "film", "radio", "press", "sport", "book", "coffee", "pixel", "cloud"),
    *("data", "labs", "works", "studio", "media", "digital", "home", "house", "star", "sun"),
    *("lake", "hill", "valley", "bridge", "tower", "craft", "bike", "pet", "food", "fresh"),
)
_TLDS = ("com", "net", "org", "de", "co.uk", "fr", "io", "tv", "nl", "com.au", "it", "es")


def ordinary_hosts(count: int = 4000, seed: int = 20261201) -> list[str]:
    """Return ``count`` distinct realistic ordinary host names (deterministic)."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < count:
        company = rng.choice(_WORDS) + rng.choice(("", "-", "")) + rng.choice(_WORDS)
        service = rng.choice(_SERVICE)
        extra = rng.choice(("", "", "", f"{rng.choice(_SERVICE)}."))
        out.add(f"{extra}{service}.{company.strip('-')}.{rng.choice(_TLDS)}")
    return sorted(out)


def load_eval() -> list[tuple[str, str, str, str]]:
    """Return ``(domain, vendor, kind, source)`` rows of the evaluation set."""
    with EVAL.open(encoding="utf-8") as file:
        rows = [line for line in file if line.strip() and not line.startswith("#")]
    out = [(row[0], row[1], row[2], row[3]) for row in csv.reader(rows)]
    return out + [(name, vendor, "needed", "NV") for name, vendor, _, _ in load_needed_vendor()]


def load_needed_vendor() -> list[tuple[str, str, str, str]]:
    """Return ``(name, vendor, function, citation)`` rows of needed_vendor.csv."""
    with NEEDED_VENDOR.open(encoding="utf-8") as file:
        rows = [line for line in file if line.strip() and not line.startswith("#")]
    return [(row[0], row[1], row[2], row[3]) for row in csv.reader(rows)]


def evaluate(name: str, matcher: TrackerMatcher, rows: list[tuple[str, str, str, str]]) -> None:
    """Print recall per vendor and the needed-name rates for one matcher."""
    known: dict[str, int] = defaultdict(int)
    suspected: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    needed = blocked = needed_suspected = 0
    independent = [0, 0, 0]  # rows not taken with the default lists in view: n, known, suspected
    for domain, vendor, kind, source in rows:
        verdict = matcher.classify(domain)
        if kind == "needed":
            needed += 1
            blocked += verdict.tracker
            needed_suspected += verdict.suspected
            continue
        total[vendor] += 1
        known[vendor] += verdict.tracker
        suspected[vendor] += verdict.suspected
        if source != "HZ":
            independent[0] += 1
            independent[1] += verdict.tracker
            independent[2] += verdict.suspected
    print(f"\n{name}  ({matcher.rule_count} rules)")
    print(f"  {'vendor':<10} {'known':>6} {'+susp.':>7} {'both':>6} {'n':>4}")
    for vendor in sorted(total, key=lambda v: (-total[v], v)):
        n = total[vendor]
        print(
            f"  {vendor:<10} {known[vendor] / n:>6.0%} {suspected[vendor] / n:>7.0%}"
            f" {(known[vendor] + suspected[vendor]) / n:>6.0%} {n:>4}"
        )
    n = sum(total.values())
    k, s = sum(known.values()), sum(suspected.values())
    print(f"  {'ALL':<10} {k / n:>6.1%} {s / n:>7.1%} {(k + s) / n:>6.1%} {n:>4}")
    n, k, s = independent
    print(f"  {'ALL w/o HZ':<10} {k / n:>6.1%} {s / n:>7.1%} {(k + s) / n:>6.1%} {n:>4}")
    vendor_needed = [domain for domain, _, kind, source in rows if source == "NV"]
    vendor_blocked = [domain for domain in vendor_needed if matcher.classify(domain).tracker]
    print(
        f"  needed names classified as trackers: {blocked}/{needed} = {blocked / needed:.1%}"
        f" (of them in needed_vendor.csv: {len(vendor_blocked)}/{len(vendor_needed)}"
        f"{': ' + ', '.join(vendor_blocked[:5]) if vendor_blocked else ''})"
    )
    print(
        f"  needed names flagged as suspected:   {needed_suspected}/{needed}"
        f" = {needed_suspected / needed:.1%}"
    )


def suspect_precision(matcher: TrackerMatcher, rows: list[tuple[str, str, str, str]]) -> None:
    """Print how many ordinary names the suspected tier flags."""
    ordinary = ordinary_hosts()
    needed = [domain for domain, _, kind, _ in rows if kind == "needed"]
    flagged = [name for name in ordinary if matcher.suspect(name) is not None]
    flagged_needed = [name for name in needed if matcher.suspect(name) is not None]
    names = len(ordinary) + len(needed)
    wrong = len(flagged) + len(flagged_needed)
    print(f"\nsuspected tier on {names} ordinary names ({len(ordinary)} generated + needed):")
    print(
        f"  flagged: {wrong} = {wrong / names:.1%};"
        f" not flagged (specificity) {1 - wrong / names:.1%}"
    )
    reasons: dict[str, int] = defaultdict(int)
    for name in flagged + flagged_needed:
        suspicion = matcher.suspect(name)
        if suspicion is not None:
            reasons[suspicion.evidence[0].split(" in ")[0]] += 1
    top = sorted(reasons.items(), key=lambda item: -item[1])[:6]
    print("  by first evidence: " + ", ".join(f"{reason} {count}" for reason, count in top))
    print(f"  e.g. {', '.join(flagged[:5])}")


_URL_HOST = re.compile(r"https?://([a-z0-9][a-z0-9.-]*\.[a-z]{2,})", re.IGNORECASE)
# Placeholder and private names that are not real hosts.
_NOT_REAL = (".local", ".lan", ".home", ".test", ".invalid", ".localhost", ".example", ".internal")


def real_hosts() -> list[str]:
    """Return the real host names written in the installed packages' Python source."""
    import homeassistant  # noqa: PLC0415  (the venv's HA core; only this benchmark needs it)

    from custom_components.snoop_guard.engine import psl  # noqa: PLC0415
    from custom_components.snoop_guard.engine.names import normalize_domain  # noqa: PLC0415

    site = Path(homeassistant.__file__).resolve().parents[1]
    found: set[str] = set()
    for path in site.rglob("*.py"):
        for host in _URL_HOST.findall(path.read_text(errors="ignore")):
            name = normalize_domain(host.lower().rstrip("."))
            if (
                name
                and not name.endswith(_NOT_REAL)
                and "example" not in name
                and psl.registrable_domain(name) is not None
            ):
                found.add(name)
    return sorted(found)


def real_precision(matcher: TrackerMatcher) -> None:
    """Print how the rules and the suspected tier treat real host names from source code."""
    hosts = real_hosts()
    known = [name for name in hosts if matcher.classify(name).tracker]
    flagged = [name for name in hosts if name not in known and matcher.suspect(name) is not None]
    print(f"\nreal host names in installed packages' source: {len(hosts)}")
    print(f"  known trackers: {len(known)} ({', '.join(known[:6])})")
    print(
        f"  suspected: {len(flagged)} = {len(flagged) / max(len(hosts), 1):.2%}"
        f" ({', '.join(flagged[:8])})"
    )


def list_entries(text: str) -> list[str]:
    """Return the host names of one list copy (plain, hosts-file or ``||name^`` lines)."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith(("!", "[", "@@")):
            continue
        name = line.split()[-1].removeprefix("||").removesuffix("^").removeprefix("*.")
        if name and "*" not in name and "/" not in name:
            out.append(name)
    return out


def measure_dir(directory: str, matcher: TrackerMatcher, what: str = "bundled knowledge") -> None:
    """Print known / suspected / both recall of ``matcher`` on the entries of the lists in DIR.

    The copies are read to measure only: they are not bundled, nothing of them is
    written anywhere, and the matcher holds the bundled knowledge alone.
    """
    files = sorted(path for path in Path(directory).iterdir() if path.is_file())
    print(f"\nmeasurement set {directory} (not bundled, measurement only; {what})")
    print(f"  {'list':<30} {'known':>6} {'+susp.':>7} {'both':>6} {'n':>5}")
    totals = [0, 0, 0]
    for path in files:
        names = list_entries(path.read_text(encoding="utf-8", errors="replace"))
        verdicts = [matcher.classify(name) for name in names]
        checked = [verdict for verdict in verdicts if verdict.normalized is not None]
        n = len(checked)
        if not n:
            continue
        known = sum(verdict.tracker for verdict in checked)
        suspected = sum(verdict.suspected for verdict in checked)
        totals[0] += n
        totals[1] += known
        totals[2] += suspected
        print(
            f"  {path.stem[:30]:<30} {known / n:>6.1%} {suspected / n:>7.1%}"
            f" {(known + suspected) / n:>6.1%} {n:>5}"
        )
    n, known, suspected = totals
    if n:
        print(
            f"  {'ALL':<30} {known / n:>6.1%} {suspected / n:>7.1%}"
            f" {(known + suspected) / n:>6.1%} {n:>5}"
        )
    else:
        print("  no list entries found")


def build_cost(sources: list[ListSource]) -> None:
    """Print compile time and peak memory with the default lists, relative to bundled only.

    Both are measured in this run (best of 3, no cache); the matcher's absolute
    targets (100k and 1M rules) are in bench_matcher.py.
    """

    def measure(items: list[ListSource]) -> tuple[float, int, int]:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            tables = compile_rules(items)
            best = min(best, time.perf_counter() - start)
        tracemalloc.start()
        compile_rules(items)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return best, peak, tables.rule_count

    base_time, base_peak, base_rules = measure([])
    with_time, with_peak, with_rules = measure(sources)
    print(f"\ncompile (no cache): bundled {base_rules} rules, +lists {with_rules} rules")
    print(
        f"  time x{with_time / base_time:.1f}"
        f" ({base_time * 1000:.0f} -> {with_time * 1000:.0f} ms),"
        f" peak memory x{with_peak / base_peak:.1f}"
        f" ({base_peak / 2**20:.1f} -> {with_peak / 2**20:.1f} MiB)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lists-dir", help="fetched copies of the default subscriptions")
    parser.add_argument(
        "--measure-dir",
        help="list copies to measure the bundled knowledge on (not bundled, measurement only)",
    )
    args = parser.parse_args(argv)
    rows = load_eval()
    bundled = build_matcher()
    evaluate("bundled only (offline)", bundled, rows)
    with_lists = None
    if args.lists_dir:
        sources, missing = load_dir(args.lists_dir)
        with_lists = build_matcher(sources)
        shown = f"bundled + {len(sources)} default list(s)"
        if missing:
            shown += f"; missing: {', '.join(missing)}"
        evaluate(shown, with_lists, rows)
        build_cost(sources)
    suspect_precision(bundled, rows)
    real_precision(bundled)
    if args.measure_dir:
        measure_dir(args.measure_dir, bundled)
        if with_lists is not None:
            measure_dir(args.measure_dir, with_lists, "bundled + default lists")
    return 0


if __name__ == "__main__":
    sys.exit(main())
