"""Benchmarks: seed data in bulk, serve, load with wrk from another process, report."""
