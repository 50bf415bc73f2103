"""Shared utilities: seeding and logging."""
