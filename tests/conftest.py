"""Shared fixtures for Snoop Guard tests."""

from __future__ import annotations

# Import our package before the plugin's testing_config can shadow custom_components.
import custom_components.snoop_guard  # noqa: F401
