"""Storage: engine, declarative base, sessions, models and Alembic migrations."""
