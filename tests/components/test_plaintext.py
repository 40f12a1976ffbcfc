"""Device and list text shown in Markdown (repairs) carries no markup, link or token."""

from __future__ import annotations

import pytest

from custom_components.snoop_guard.plaintext import code_span, plain_name, public_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Living room TV", "Living room TV"),
        ("[Update firmware](https://evil.example/x)", "Update firmware https evil example x"),
        ("<img src=x onerror=alert(1)>", "img src x onerror alert 1"),
        ("Visit www.evil.example now", "Visit www evil example now"),
        ("**bold** _it_ `code`", "bold it code"),
        ("Fernseher-Küche", "Fernseher-Küche"),
        ("", "FALLBACK"),
        (None, "FALLBACK"),
        ("[]()", "FALLBACK"),
        ("x" * 100, "x" * 60),
    ],
)
def test_plain_name(text: str | None, expected: str) -> None:
    assert plain_name(text, fallback="FALLBACK") == expected


def test_code_span_cannot_be_closed_early() -> None:
    assert code_span("gz-data.com") == "`gz-data.com`"
    assert code_span("a`](https://x) b\nc") == "`a'](https://x) b c`"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://lists.example/tv.txt", "https://lists.example/tv.txt"),
        (
            "https://user:secret@lists.example:8443/tv.txt?token=abc#frag",
            "https://lists.example:8443/tv.txt",
        ),
        ("not a url", "(unreadable address)"),
        ("https://[::1/x", "(unreadable address)"),
    ],
)
def test_public_url_drops_credentials_and_tokens(url: str, expected: str) -> None:
    assert public_url(url) == expected
