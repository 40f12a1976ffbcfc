"""Tests for Snoop Guard."""
