"""Shared utilities: math helpers, seeding, logging."""
