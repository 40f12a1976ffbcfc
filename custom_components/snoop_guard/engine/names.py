"""DNS name normalisation and validation shared by the matcher and the list parsers.

Two questions are answered here: "what is the canonical form of this name?"
(:func:`normalize_domain`, :func:`check_domain`, which also says *why* a name
is refused) and "may this name be written into a dnsmasq option as a rule?"
(:func:`is_safe_rule_domain`). Nothing here raises on any input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .psl import is_too_broad

__all__ = [
    "MAX_INPUT",
    "MAX_LABEL",
    "MAX_NAME",
    "SAFE_DOMAIN_RE",
    "TOO_BROAD",
    "check_domain",
    "is_safe_rule_domain",
    "normalize_domain",
    "rule_domain_problem",
    "suffixes",
]

MAX_NAME = 253
MAX_LABEL = 63
MAX_INPUT = 1024

SAFE_DOMAIN_RE = re.compile(r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)+\Z")
# SAFE_DOMAIN_RE plus the 63-character label limit, for the list parsers' fast path.
FAST_RULE_RE = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?"
)

_ALLOWED = "abcdefghijklmnopqrstuvwxyz0123456789-_."
_DELETE_ALLOWED = str.maketrans("", "", _ALLOWED)

# Registrable names that are still too broad to block: shared-hosting and CDN roots
# that the Public Suffix List does not list (each customer gets a subdomain, so one
# rule would block every customer: BunnyCDN's b-cdn.net, Akamai's edge host names)
# and the big platforms' own names, whose subdomains carry the TVs' streaming, app
# stores and updates. Public suffixes themselves (co.uk, com.pl, gov.br, co.it,
# azurefd.net, github.io...) and every name above one come from the Public Suffix
# List (:mod:`.psl`). No source may add a rule for any of them: the knowledge base
# must never break the TV.
TOO_BROAD: frozenset[str] = frozenset(
    {
        *("b-cdn.net", "akamaitechnologies.com", "edgecastcdn.net", "llnwd.net"),
        *("amazonaws.com", "elb.amazonaws.com", "s3.amazonaws.com", "cloudfront.net"),
        *("akamai.net", "akamaihd.net", "akamaized.net", "akamaiedge.net", "edgekey.net"),
        *("edgesuite.net", "azureedge.net", "azurefd.net", "azurewebsites.net", "cloudapp.net"),
        *("trafficmanager.net", "windows.net", "msecnd.net", "fastly.net", "fastlylb.net"),
        *("cdn.cloudflare.net", "workers.dev", "pages.dev", "googleusercontent.com"),
        *("appspot.com", "firebaseapp.com", "web.app", "herokuapp.com", "github.io"),
        *("gitlab.io", "netlify.app", "vercel.app", "blogspot.com", "wordpress.com"),
        *("googleapis.com", "gstatic.com", "googlevideo.com", "ggpht.com", "apple.com"),
        *("icloud.com", "microsoft.com", "amazon.com", "google.com", "youtube.com"),
    }
)


def normalize_domain(name: object) -> str | None:
    """Normalise a DNS name for matching; None when it is not a valid name.

    Lower-cases, strips one trailing dot, converts internationalised names to
    punycode (stdlib ``idna`` codec) and validates: no empty label, labels of at
    most 63 and names of at most 253 characters, only ``[a-z0-9-_.]``.
    """
    if not isinstance(name, str) or not name or len(name) > MAX_INPUT:
        return None
    text = name.lower()
    if text.endswith("."):
        text = text[:-1]
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii").lower()
        except ValueError:  # UnicodeError is a ValueError
            return None
    if not text or len(text) > MAX_NAME or text.translate(_DELETE_ALLOWED):
        return None
    if text[0] == "." or text[-1] == "." or ".." in text:
        return None
    if len(text) > MAX_LABEL and any(len(label) > MAX_LABEL for label in text.split(".")):
        return None
    return text


def check_domain(name: object) -> tuple[str | None, str | None]:
    """Return ``(normalised, None)`` or ``(None, reason)``; never raises.

    Same rules as :func:`normalize_domain` (which is the fast path of this), but
    the caller learns why a name is refused. Reasons are fixed English phrases
    with no text taken from the input except one ``repr`` of a bad character.
    """
    if not isinstance(name, str):
        return None, "not a string"
    if not name:
        return None, "empty name"
    if len(name) > MAX_INPUT:
        return None, f"input longer than {MAX_INPUT} characters"
    text = name.lower()
    if text.endswith("."):
        text = text[:-1]
    if not text:
        return None, "empty name"
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii").lower()
        except ValueError:
            return None, "not a valid internationalised name (IDNA conversion failed)"
        if not text:
            return None, "empty name"
    bad = text.translate(_DELETE_ALLOWED)
    if bad:
        return None, f"character {bad[0]!r} is not allowed in a DNS name"
    if len(text) > MAX_NAME:
        return None, f"name longer than {MAX_NAME} characters"
    if text[0] == "." or text[-1] == "." or ".." in text:
        return None, "empty label (leading, trailing or double dot)"
    if any(len(label) > MAX_LABEL for label in text.split(".")):
        return None, f"label longer than {MAX_LABEL} characters"
    return text, None


def rule_domain_problem(domain: str) -> str | None:
    """Why a *normalised* name cannot be a rule, or None when it can.

    A rule must match :data:`SAFE_DOMAIN_RE` (so it is safe in a dnsmasq line),
    have at least two labels, a top-level label that is not all digits (that
    would be an IP address), and must not be a public suffix of the Public Suffix
    List (ICANN or PRIVATE section), a name above one (``amazonaws.com`` above
    ``s3.amazonaws.com``) or in :data:`TOO_BROAD`.

    The first call loads the bundled Public Suffix List (blocking: see
    :mod:`.psl`); Home Assistant calls this only from executor jobs.
    """
    if not SAFE_DOMAIN_RE.fullmatch(domain):
        if "." not in domain:
            return "single-label"
        return "invalid-domain"
    if domain[domain.rfind(".") + 1 :].isdigit():
        return "ip-address"
    if domain in TOO_BROAD or is_too_broad(domain):
        return "too-broad"
    return None


def is_safe_rule_domain(domain: object) -> bool:
    """Return True when ``domain`` is normalised and safe to write into a dnsmasq line."""
    return (
        isinstance(domain, str)
        and normalize_domain(domain) == domain
        and SAFE_DOMAIN_RE.fullmatch(domain) is not None
    )


def suffixes(domain: str) -> Iterator[str]:
    """Yield ``domain`` and each of its parent names, longest first."""
    yield domain
    index = domain.find(".")
    while index != -1:
        yield domain[index + 1 :]
        index = domain.find(".", index + 1)
