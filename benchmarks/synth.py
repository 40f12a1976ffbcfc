"""Deterministic synthetic rules and DNS query streams for the matcher benchmark.

Everything is derived from a seeded ``random.Random``, so every run (and the
braveblock worker, which reads the same files) sees the same names.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

_SYLLABLES = (
    "ad", "ads", "an", "ar", "ba", "be", "bi", "cast", "cdn", "click", "co", "da", "data",
    "de", "di", "do", "el", "en", "er", "ex", "fi", "fo", "ga", "go", "hub", "in", "io", "ka",
    "ki", "la", "le", "li", "lo", "log", "ma", "me", "met", "mi", "mo", "na", "ne", "net",
    "no", "on", "pi", "pix", "play", "ra", "re", "ri", "ro", "sa", "se", "si", "so", "stat",
    "stream", "su", "ta", "te", "tel", "ti", "to", "track", "tu", "tv", "va", "ve", "vi",
    "vo", "web", "xa", "yo", "za", "zen",
)  # fmt: skip
_SUBS = (
    "ads", "api", "analytics", "beacon", "cdn", "collect", "config", "events", "log",
    "logs", "metrics", "pixel", "sdk", "stats", "t", "tags", "telemetry", "track", "tracking",
    "www", "img", "static", "data", "eu", "us", "auth", "edge", "m", "s", "app",
)  # fmt: skip
_TLDS = (
    ("com", 46), ("net", 12), ("org", 4), ("io", 4), ("tv", 3), ("de", 4), ("co.uk", 3),
    ("ru", 3), ("cn", 3), ("fr", 2), ("info", 2), ("xyz", 2), ("jp", 2), ("com.br", 2),
    ("it", 2), ("nl", 2), ("pl", 2), ("es", 1), ("co", 1), ("me", 1),
)  # fmt: skip
_TLD_NAMES = [tld for tld, _ in _TLDS]
_TLD_WEIGHTS = [weight for _, weight in _TLDS]


def _word(rng: random.Random) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 5)))
    roll = rng.random()
    if roll < 0.15:
        word += str(rng.randint(1, 999))
    elif roll < 0.25:
        word += "-" + "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))
    return word


def _tld(rng: random.Random) -> str:
    return rng.choices(_TLD_NAMES, _TLD_WEIGHTS)[0]


def _label(rng: random.Random) -> str:
    if rng.random() < 0.6:
        label = rng.choice(_SUBS)
        if rng.random() < 0.3:
            label += str(rng.randint(1, 99))
        return label
    return _word(rng)


def synth_rules(count: int, seed: int = 1) -> list[str]:
    """Return ``count`` distinct, sorted, realistic-looking rule domains."""
    rng = random.Random(seed)
    rules: set[str] = set()
    registrables: list[str] = []
    while len(rules) < count:
        roll = rng.random()
        if roll < 0.45 or not registrables:
            name = f"{_word(rng)}.{_tld(rng)}"
            registrables.append(name)
        elif roll < 0.80:
            name = f"{_label(rng)}.{rng.choice(registrables)}"
        elif roll < 0.95:
            name = f"{_label(rng)}.{_label(rng)}.{rng.choice(registrables)}"
        else:
            name = (
                f"{_label(rng)}-{_word(rng)}.{_label(rng)}.{_label(rng)}.{rng.choice(registrables)}"
            )
        rules.add(name)
    return sorted(rules)


def synth_vocabulary(rules: Sequence[str], size: int, seed: int = 2) -> list[str]:
    """Return ``size`` distinct query names: about a quarter trackers, the rest not."""
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < size:
        roll = rng.random()
        if roll < 0.12:
            names.add(rng.choice(rules))
        elif roll < 0.25:
            names.add(f"{_label(rng)}.{rng.choice(rules)}")
        elif roll < 0.80:
            names.add(f"{_label(rng)}.{_word(rng)}{_word(rng)}.{_tld(rng)}")
        elif roll < 0.90:
            names.add(f"{_word(rng)}.{_tld(rng)}")
        elif roll < 0.95:
            a, b, c = rng.randint(1, 254), rng.randint(0, 255), rng.randint(0, 255)
            names.add(f"{a}.{b}.{c}.192.in-addr.arpa")
        else:
            names.add(f"{_word(rng)}.lan")
    out = sorted(names)
    rng.shuffle(out)
    return out


def zipf_stream(vocabulary: Sequence[str], count: int, seed: int = 3, s: float = 1.0) -> list[str]:
    """Draw ``count`` queries with Zipf(s) popularity, as DNS logs repeat names."""
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) ** s for rank in range(len(vocabulary))]
    return rng.choices(list(vocabulary), weights=weights, k=count)


def cold_stream(vocabulary: Sequence[str], count: int, seed: int = 4) -> list[str]:
    """Return ``count`` queries that are all distinct (no repeats: memoisation cannot help).

    Each is a vocabulary name under a fresh label, so trackers stay trackers.
    """
    rng = random.Random(seed)
    return [f"q{index:x}.{rng.choice(vocabulary)}" for index in range(count)]
