"""The `releasedesk` command line."""
