"""releasedesk: a self-hosted release store, served through the ServiceDesk Plus v3 API."""

__version__ = "0.1.0"
