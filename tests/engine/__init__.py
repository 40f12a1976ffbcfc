"""Tests for the Home Assistant independent engine."""
