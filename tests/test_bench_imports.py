"""The bench is not type-checked with the package, so an API it uses that moves would only
show when someone runs `make bench`: importing its modules here catches that in `make test`."""

from __future__ import annotations

import importlib

import pytest

pytestmark = pytest.mark.one_database  # nothing here depends on the database

MODULES = [
    "bench.__main__",
    "bench.ab",
    "bench.auth_cost",
    "bench.explain",
    "bench.profiling",
    "bench.report",
    "bench.schedule_seed",
    "bench.seed",
    "bench.server",
    "bench.serving",
    "bench.targets",
    "bench.verify",
    "bench.wrk",
]


@pytest.mark.parametrize("module", MODULES)
def test_the_bench_modules_import(module: str) -> None:
    importlib.import_module(module)
