"""Backups and restores of a releasedesk database: `releasedesk backup` / `restore`.

A backup is one zip file: `manifest.json` (what it is) and one payload, a SQLite database
copied with the online backup API, a `pg_dump --format=custom` archive, or a logical export
of every table (JSON lines) that restores into either database. service.py decides which.
"""
