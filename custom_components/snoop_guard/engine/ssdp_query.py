"""SSDP ``M-SEARCH`` requests (UPnP Device Architecture 2.0, section 1.3.2); pure, never raises.

Only the request line and the ``ST`` (search target) header matter to the scan
detector: ``ssdp:all`` and ``upnp:rootdevice`` ask every device on the LAN to
describe itself, a specific ``urn:...`` asks only for one kind of device. At most
the first ``_MAX_BYTES`` bytes and ``_MAX_LINES`` header lines are read; the search
target is cut to 128 characters and escaped like a DNS label (printable ASCII).
"""

from __future__ import annotations

__all__ = ["WIDE_TARGETS", "parse_msearch"]

WIDE_TARGETS = frozenset({"ssdp:all", "upnp:rootdevice"})
_MAX_BYTES = 1024
_MAX_LINES = 24
_MAX_ST = 128


def parse_msearch(payload: bytes) -> str | None:
    """Return the search target of an M-SEARCH request (lower-case; "" if absent), else None."""
    try:
        head = payload[:_MAX_BYTES]
        if not head.startswith(b"M-SEARCH "):
            return None
        lines = head.split(b"\n", _MAX_LINES + 1)
        if not lines[0].rstrip(b"\r").endswith(b"HTTP/1.1"):
            return None
        for line in lines[1 : _MAX_LINES + 1]:
            key, sep, value = line.partition(b":")
            if sep and key.strip().lower() == b"st":
                raw = value.strip()[:_MAX_ST]
                return "".join(chr(b).lower() if 0x21 <= b < 0x7F else f"\\{b:03d}" for b in raw)
        return ""
    except Exception:  # last-resort guard: input is data, never a crash
        return None
