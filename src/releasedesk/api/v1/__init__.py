"""releasedesk's own API (/api/v1): what no vendor API has a place for, in plain JSON with
RFC 9457 problem details for errors."""
