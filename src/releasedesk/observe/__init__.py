"""What the server tells its operators: one observation per request (requests.py), written
as a log line (log.py)."""
