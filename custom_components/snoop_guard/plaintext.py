"""Text from devices and lists, made safe for places Home Assistant renders as Markdown.

Repair titles and descriptions are Markdown: a device's own name (its mDNS, SSDP or
DHCP host name) could otherwise carry a link, an image or emphasis into the dialog,
and a subscribed list's address can carry an access token.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

# Letters, digits, spaces and dashes stay; dots go too, because "www.example.com"
# becomes a link by itself.
_NOT_PLAIN: Final = re.compile(r"[^\w \-]|_")
_SPACES: Final = re.compile(r"\s+")


def plain_name(text: str | None, fallback: str, limit: int = 60) -> str:
    """Return ``text`` with anything but letters, digits, spaces and dashes replaced."""
    cleaned = _SPACES.sub(" ", _NOT_PLAIN.sub(" ", text or "")).strip()[:limit].strip()
    return cleaned or fallback


def code_span(text: str, limit: int = 253) -> str:
    """Return ``text`` as a Markdown code span (shown literally, never a link)."""
    return "`" + text.replace("`", "'").replace("\n", " ")[:limit] + "`"


def public_url(url: str) -> str:
    """Return a list's address without credentials, query or fragment (tokens live there)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unreadable address)"
    if not parts.scheme or not host:
        return "(unreadable address)"
    return f"{parts.scheme}://{host}{port}{parts.path}"
