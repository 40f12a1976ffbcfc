"""Pure-Python core of Snoop Guard: log parsing, tracker matching, counters.

Nothing in this package imports Home Assistant or performs I/O at import time.

Tracker knowledge base: :mod:`.compiled` (``build_matcher``, ``ListSource``),
:mod:`.matchercache` (the on-disk cache format), :mod:`.trackers`
(``TrackerMatcher``), :mod:`.ruletables` and :mod:`.explain`, :mod:`.suspect`
(the suspected tier), :mod:`.vendorlists` (default per-vendor lists),
:mod:`.lists` (subscription parsers, ``ParseReport``), :mod:`.allowlist`
(functional allow-list), :mod:`.curated` and :mod:`.perflyst` (bundled
knowledge), :mod:`.names` and :mod:`.psl` (DNS names, the Public Suffix List).
Devices: :mod:`.discovery` (records, classifier, inventory). Scanning:
:mod:`.scan` (detector, windows, correlation, stored memory) and the query
parsers it is fed by. Command line: ``python -m
custom_components.snoop_guard.engine --help``.
"""
