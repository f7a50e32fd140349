"""Throttling: failed sign-ins counted per user and per client address, and optional
per-key request limits, in the database or in Redis."""
