"""Benchmarks reuse the lab fixtures of the end-to-end tests."""

from tests.lab.conftest import (  # noqa: F401
    auto_enable_custom_integrations,
    lab,
    lab_entry,
    lab_info,
    lab_sockets,
)
