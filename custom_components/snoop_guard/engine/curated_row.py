"""One hand-curated tracker rule (the row type of :mod:`.curated` and :mod:`.curated_native`)."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CuratedRow"]


class CuratedRow(NamedTuple):
    """One curated rule: domain suffix, company, category, its source, who it concerns.

    ``vendors`` are the device makers whose products contact the domain and
    ``devices`` the device kinds (``tv``, ``streamer``, ``speaker``); empty
    means not specific to one.
    """

    domain: str
    company: str
    category: str
    source_note: str
    vendors: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
