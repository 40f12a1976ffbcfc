"""Write the bundled copies of permissively licensed TV tracker lists (maintainers only).

Run: ``python scripts/bundle_lists.py UPSTREAM_DIR`` from the repository root, where
UPSTREAM_DIR holds the upstream files at the commits below, each stored as
``<owner>+<repo>/<path with "/" replaced by "__">`` (e.g. from
``git -C <clone> show <commit>:<path>``). ``--check`` only verifies that the
bundled files and ``SOURCES.json`` are what the upstream copies give.

For each upstream file it writes ``engine/data/<file>``: every entry the engine's
list parser accepts, one domain per line, sorted, without duplicates, under a
header naming the upstream, its commit and licence and what was changed. For the
``tv-*`` files (subsets of large general lists) only entries under a registrable
domain of :data:`engine.bundled.TV_SCOPE` are kept. ``SOURCES.json`` gets a
``tv_lists`` section with the sha256 of every input and output.

Only lists whose licence permits redistribution with a notice are listed here
(MIT, Unlicense); never add a GPL, non-commercial or unlicensed list.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from custom_components.snoop_guard.engine import psl  # noqa: E402
from custom_components.snoop_guard.engine.bundled import (  # noqa: E402
    BUNDLED_BY_FILE,
    SDK_SCOPE,
    SDK_SITES,
    TV_SCOPE,
)
from custom_components.snoop_guard.engine.lists import parse_list  # noqa: E402

DATA = REPO / "custom_components" / "snoop_guard" / "engine" / "data"
SECTION = "tv_lists"


@dataclass(frozen=True, slots=True)
class Upstream:
    """One upstream file and the bundled file made from it."""

    file: str
    repo: str
    path: str
    commit: str
    commit_date: str
    license: str
    license_file: str
    copyright: str

    @property
    def subset(self) -> bool:
        return self.file.startswith("tv-")

    @property
    def stored_as(self) -> str:
        return f"{self.repo.replace('/', '+')}/{self.path.replace('/', '__')}"


_HKAMRAN = ("hkamran80/blocklists", "a2a5923bc833920c6881f67b39c2ba60b5c21095", "2025-03-11")
_LAG = ("LagTheSystem/Smart-TV-Blocklist", "372ace08d78207805a613a6cbb3586431d44277a", "2025-04-01")
_GOODBYE = ("jerryn70/GoodbyeAds", "3a339aec808119303566e99e369be10f49190fe5", "2024-11-22")
_SHADOW = ("ShadowWhisperer/BlockLists", "2d65ab5791514976c1f6c6131af5a72d59defb12", "2026-08-22")
_ANUDEEP = ("anudeepND/blacklist", "8348a4d2a3b5d0e367bc5f2fae91cf949a50361e", "2025-12-27")
_STEVEN = ("StevenBlack/hosts", "e2237a59504246140980dc7bbcb9f0efbe0ef686", "unknown")
_UNLICENSE = "Unlicense (public domain dedication)"

UPSTREAMS: tuple[Upstream, ...] = (
    Upstream(
        "hkamran80-smart-tv.txt", _HKAMRAN[0], "smart-tv.txt", *_HKAMRAN[1:],
        "MIT", "HKAMRAN80-LICENSE", "Copyright (c) 2023 H. Kamran",
    ),
    Upstream(
        "lagthesystem-smart-tv.txt", _LAG[0], "main.txt", *_LAG[1:],
        _UNLICENSE, "LAGTHESYSTEM-LICENSE", "",
    ),
    Upstream(
        "goodbyeads-samsung.txt", _GOODBYE[0], "Extension/GoodbyeAds-Samsung-AdBlock.txt",
        *_GOODBYE[1:], "MIT", "GOODBYEADS-LICENSE", "Copyright (c) 2018 Jerry Joseph",
    ),
    Upstream(
        "goodbyeads-xiaomi.txt", _GOODBYE[0], "Extension/GoodbyeAds-Xiaomi-Extension.txt",
        *_GOODBYE[1:], "MIT", "GOODBYEADS-LICENSE", "Copyright (c) 2018 Jerry Joseph",
    ),
    Upstream(
        "tv-shadowwhisperer-tracking.txt", _SHADOW[0], "Lists/Tracking", *_SHADOW[1:],
        _UNLICENSE, "SHADOWWHISPERER-LICENSE", "",
    ),
    Upstream(
        "tv-shadowwhisperer-ads.txt", _SHADOW[0], "Lists/Ads", *_SHADOW[1:],
        _UNLICENSE, "SHADOWWHISPERER-LICENSE", "",
    ),
    Upstream(
        "tv-anudeep-adservers.txt", _ANUDEEP[0], "adservers.txt", *_ANUDEEP[1:],
        "MIT", "ANUDEEP-LICENSE", "Copyright (c) 2018 Anudeep ND",
    ),
    Upstream(
        "tv-stevenblack.txt", _STEVEN[0], "data/StevenBlack/hosts", *_STEVEN[1:],
        "MIT", "STEVENBLACK-LICENSE", "Copyright (c) 2023 Steven Black",
    ),
)  # fmt: skip


# v2fly/domain-list-community marks the ad and tracking hosts of each company's data
# file with "@ads". Bundled: those entries of the files of TV makers, the Chinese TV
# platforms and video apps Chinese smart TVs run, and SDKs of TV apps. Push delivery
# and DNS resolvers are functions (an app's notifications, DNS over HTTPS), not
# trackers, and are left out.
_V2FLY = ("v2fly/domain-list-community", "c975ccef9c19f005a3bfa7a33255d1b406deea64", "2026-08-19")
V2FLY_FILE = "v2fly-ads.txt"
V2FLY_DATA = (
    *("xiaomi", "tcl", "samsung", "apple", "huawei", "amazon", "iqiyi", "hunantv", "youku"),
    *("le", "cctv", "sohu", "tencent", "youtube", "spotify", "disney", "umeng", "unity"),
)
V2FLY_FUNCTION_WORDS = ("push", "httpdns", "doh", "dns")
V2FLY_UPSTREAM = Upstream(
    V2FLY_FILE, _V2FLY[0], "data/{" + ",".join(V2FLY_DATA) + "} (@ads entries)",
    *_V2FLY[1:], "MIT", "V2FLY-LICENSE", "Copyright (c) 2018-2019 V2Ray",
)  # fmt: skip

SCOPE = TV_SCOPE | SDK_SCOPE


def in_scope(domain: str) -> bool:
    """True when ``domain`` lies under a registrable domain of TV_SCOPE or SDK_SCOPE.

    The domain of an SDK_SITES company itself (and its ``www`` name) is not: a
    rule there would block the company's web site, not only its collection hosts.
    """
    registrable = psl.registrable_domain(domain)
    if registrable in SDK_SITES and domain in (registrable, f"www.{registrable}"):
        return False
    return registrable in SCOPE


def real_tld(domain: str) -> bool:
    """True when the domain's top-level label is on the Public Suffix List (not a typo)."""
    return psl.bundled().is_listed(domain.rsplit(".", 1)[-1])


def entries(text: str, source: str, *, subset: bool) -> list[str]:
    """Return the sorted rule domains of an upstream list (a TV subset if asked).

    Entries under a top-level label that does not exist (``miui.comm``) are dropped.
    Entries a parent entry covers are kept: the engine decides what covers what
    (a parent can be held back or loaded for its own name only).
    """
    result = parse_list(text, source, max_rules=10_000_000)
    domains = {domain for domain in (*result.block, *result.block_exact) if real_tld(domain)}
    if subset:
        domains = {domain for domain in domains if in_scope(domain)}
    return sorted(domains)


def v2fly_ads(text: str) -> set[str]:
    """Return the ``@ads`` domains of one v2fly data file (push and DNS hosts left out).

    Lines are ``[domain:|full:]name @attr ...``; ``keyword:``, ``regexp:`` and
    ``include:`` lines are not domains and are skipped (an included file's entries
    come in only when that file is in :data:`V2FLY_DATA`). A ``full:`` entry (that
    name only) becomes an ordinary rule, which also covers names below it: the four
    there are ad and crash-report hosts with nothing of their own below them.
    """
    found: set[str] = set()
    for raw in text.splitlines():
        tokens = raw.split("#", 1)[0].split()
        if not tokens or "@ads" not in tokens[1:]:
            continue
        kind, _, name = tokens[0].rpartition(":")
        if kind not in ("", "domain", "full"):
            continue
        words = {word for label in name.split(".") for word in label.split("-")}
        if any(word.endswith(V2FLY_FUNCTION_WORDS) for word in words):
            continue
        found.add(name.lower())
    return found


def render(upstream: Upstream, domains: list[str]) -> str:
    """Return the bundled file's text."""
    changed = "one domain per line, sorted; duplicates, unusable lines and unknown TLDs removed"
    if upstream.subset:
        changed += "; only entries under the TV and SDK company domains of engine/bundled.py"
    if upstream.file == V2FLY_FILE:
        changed = (
            "the @ads entries of the data files named, one domain per line, sorted; "
            "keyword/regexp/include lines and push or DNS hosts left out"
        )
    header = (
        f"# Snoop Guard bundled copy of {upstream.repo} {upstream.path}",
        f"# Upstream commit {upstream.commit} ({upstream.commit_date})",
        f"# Licence: {upstream.license}; see {upstream.license_file}"
        " and THIRD-PARTY-LISTS-NOTICE.md",
        f"# Changes: {changed}",
        f"# Entries: {len(domains)}",
    )
    return "\n".join((*header, "", *domains)) + "\n"


def sha256(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def build(upstream_dir: Path) -> tuple[dict[str, str], dict[str, object]]:
    """Return the bundled texts by file name and the ``tv_lists`` provenance section."""
    texts: dict[str, str] = {}
    lists: dict[str, object] = {}
    raws: dict[str, dict[str, bytes]] = {}
    found: dict[str, list[str]] = {}
    for upstream in (*UPSTREAMS, V2FLY_UPSTREAM):
        if upstream.file not in BUNDLED_BY_FILE:
            raise SystemExit(f"{upstream.file} is not in engine/bundled.py BUNDLED")
    for upstream in UPSTREAMS:
        raw = (upstream_dir / upstream.stored_as).read_bytes()
        raws[upstream.file] = {upstream.path: raw}
        text = raw.decode("utf-8", errors="replace")
        found[upstream.file] = entries(text, upstream.stored_as, subset=upstream.subset)
    v2fly = {
        name: (upstream_dir / f"{V2FLY_UPSTREAM.repo.replace('/', '+')}/data__{name}").read_bytes()
        for name in V2FLY_DATA
    }
    raws[V2FLY_FILE] = v2fly
    ads = set().union(*(v2fly_ads(raw.decode("utf-8", errors="replace")) for raw in v2fly.values()))
    found[V2FLY_FILE] = entries("\n".join(sorted(ads)), V2FLY_FILE, subset=False)
    for upstream in (*UPSTREAMS, V2FLY_UPSTREAM):
        domains = found[upstream.file]
        inputs = raws[upstream.file]
        texts[upstream.file] = render(upstream, domains)
        meta: dict[str, object] = {
            "upstream": f"https://github.com/{upstream.repo}",
            "upstream_path": upstream.path,
            "commit": upstream.commit,
            "commit_date": upstream.commit_date,
            "license": upstream.license,
            "license_file": upstream.license_file,
            "copyright": upstream.copyright or None,
            "upstream_sha256": sha256(b"".join(inputs.values())),
        }
        if len(inputs) > 1:
            meta["upstream_files"] = {name: sha256(raw) for name, raw in inputs.items()}
        meta |= {
            "subset": upstream.subset,
            "entries": len(domains),
            "sha256": sha256(texts[upstream.file].encode()),
        }
        lists[upstream.file] = meta
    section: dict[str, object] = {
        "note": (
            "Written by scripts/bundle_lists.py from the upstream files at the commits named; "
            "'subset' files keep only entries under engine/bundled.py TV_SCOPE and SDK_SCOPE "
            "(not an SDK_SITES domain itself or its www name). Loaded by "
            "engine/perflyst.py like the other section-less lists (allow-listed and WITHHELD "
            "names are not loaded)."
        ),
        "lists": lists,
    }
    return texts, section


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` verify) the bundled TV lists."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("upstream_dir", type=Path)
    parser.add_argument("--check", action="store_true", help="verify only, write nothing")
    args = parser.parse_args(argv)
    texts, section = build(args.upstream_dir)
    sources_path = DATA / "SOURCES.json"
    sources = json.loads(sources_path.read_text(encoding="utf-8"))
    if args.check:
        stale = [name for name, text in texts.items() if (DATA / name).read_text() != text]
        old = sources.get(SECTION, {}).get("lists", {})
        lists = section["lists"]
        assert isinstance(lists, dict)
        stale += [
            name
            for name, entry in lists.items()
            if {k: v for k, v in old.get(name, {}).items() if k != "copied"} != entry
        ]
        print("up to date" if not stale else f"stale: {', '.join(sorted(set(stale)))}")
        return 1 if stale else 0
    today = datetime.now(UTC).date().isoformat()
    lists = section["lists"]
    assert isinstance(lists, dict)
    for name, text in texts.items():
        (DATA / name).write_text(text, encoding="utf-8")
        lists[name]["copied"] = today
        print(f"{name}: {lists[name]['entries']} entries")
    sources[SECTION] = section
    sources_path.write_text(json.dumps(sources, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
