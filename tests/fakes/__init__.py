"""Test doubles behind the core's ports."""
