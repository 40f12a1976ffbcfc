"""Braveblock side of bench_matcher.py; runs in the separate venv that has braveblock.

braveblock (Python bindings of Brave's adblock-rust) has no wheels for the
project's Python, so bench_matcher.py runs this script with another interpreter
and the same inputs written to files. It prints one JSON object on stdout.

usage: braveblock_worker.py RULES_FILE QUERIES_FILE [QUERIES_FILE ...]
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    import braveblock  # noqa: PLC0415 - only in the benchmark venv

    rules_file, *query_files = sys.argv[1:]
    with open(rules_file, encoding="ascii") as handle:
        rules = handle.read().split("\n")
    gc.collect()
    before = _rss()
    start = time.perf_counter()
    blocker = braveblock.Adblocker(rules=rules)
    build = time.perf_counter() - start
    gc.collect()
    resident = _rss() - before
    check = blocker.check_network_urls
    streams = []
    for path in query_files:
        with open(path, encoding="ascii") as handle:
            urls = [f"https://{name}/" for name in handle.read().split("\n")]
        gc.collect()
        hits = 0
        start = time.perf_counter()
        for url in urls:  # same loop shape as the other engines in bench_matcher.py
            if check(url, url, "other"):
                hits += 1
        streams.append({"seconds": time.perf_counter() - start, "hits": hits, "count": len(urls)})
        del urls
    print(
        json.dumps(
            {
                "version": getattr(braveblock, "__version__", "?"),
                "python": sys.version.split()[0],
                "build_s": build,
                "rss_delta_bytes": resident,
                "rules": len(rules),
                "streams": streams,
            }
        )
    )


if __name__ == "__main__":
    main()
