"""Pure-Python core of Snoop Guard: log parsing, tracker matching, counters.

Nothing in this package imports Home Assistant or performs I/O at import time.

Tracker knowledge base: :mod:`.compiled` (``build_matcher``, ``ListSource``,
the on-disk cache), :mod:`.trackers` (``TrackerMatcher``), :mod:`.lists`
(subscription parsers, ``ParseReport``), :mod:`.allowlist` (functional
allow-list), :mod:`.curated` and :mod:`.perflyst` (bundled knowledge),
:mod:`.names` (DNS name normalisation). Command line: ``python -m
custom_components.snoop_guard.engine --help``.
"""
