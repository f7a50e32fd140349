"""The import contracts in pyproject.toml can fail: each case copies the package, breaks one
wall in the copy and runs `lint-imports` on it, which must report that wall's contract broken
(an import that breaks one wall often breaks others downstream of it too: a core module that
imports a dialect also joins two dialects); the unbroken copy must pass. A contract that let
through what it names (an indirect import, a module left off its list, a repository imported
by a helper of a dialect) would keep its broken copy green here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.one_database  # nothing here depends on the database

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

STORAGE = "Repositories belong to the core: nothing outside it imports one"
DIALECT_SQL = "Dialects never touch storage: no models, no SQL"
WEB = "The web front calls the core: no dialect, no models"
CORE = "The core knows nothing of HTTP or the CLI"
PLUMBING = "The plumbing the dialects share knows no dialect"
CYCLES = "No cycles between packages or modules"
DIALECTS = "Dialects never import each other"


def _copy(tmp_path: Path) -> Path:
    """The package's Python files and pyproject.toml, as lint-imports reads them."""
    shutil.copytree(
        ROOT / "src" / "releasedesk",
        tmp_path / "src" / "releasedesk",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "*.html"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(root: Path, module: str, line: str) -> None:
    path = root / "src" / (module.replace(".", "/") + ".py")
    assert path.is_file(), path
    with path.open("a", encoding="utf-8") as file:
        file.write(f"\n{line}\n")


def _broken(root: Path) -> set[str]:
    """The contracts lint-imports reports broken on the copy at `root`."""
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    verdicts = re.findall(r"^(.+?) (KEPT|BROKEN)(?: \(.*\))?$", done.stdout, re.M)
    assert len(verdicts) >= 7, done.stdout + done.stderr  # it ran every contract
    broken = {name for name, verdict in verdicts if verdict == "BROKEN"}
    assert (done.returncode != 0) == bool(broken), done.stdout + done.stderr
    return broken


def test_the_tree_as_it_is_keeps_every_contract(tmp_path: Path) -> None:
    assert _broken(_copy(tmp_path)) == set()


# (module edited, line appended, the contract that must break)
BREAKS = {
    "a dialect imports a repository": (
        "releasedesk.api.sdp.router",
        "import releasedesk.core.releases.writes",
        STORAGE,
    ),
    "a dialect reaches a repository through the shared plumbing": (
        "releasedesk.api.json_body",
        "import releasedesk.core.approvals.repository",
        STORAGE,
    ),
    "a dialect imports SQLAlchemy": (
        "releasedesk.api.flexdeploy.translate",
        "import sqlalchemy",
        DIALECT_SQL,
    ),
    "the web front imports a model": (
        "releasedesk.web.pages.board",
        "import releasedesk.db.models",
        WEB,
    ),
    "the web front imports the read repository": (
        "releasedesk.web.pages.releases",
        "import releasedesk.core.releases.read_repository",
        STORAGE,
    ),
    "a service imports a dialect": (
        "releasedesk.core.releases.service",
        "import releasedesk.api.sdp.errors",
        CORE,
    ),
    "a core rule reaches a dialect through the app": (
        "releasedesk.core.text",
        "import releasedesk.app",
        CORE,
    ),
    "the shared plumbing imports a dialect": (
        "releasedesk.api.safety",
        "import releasedesk.api.ucr.errors",
        PLUMBING,
    ),
    "one dialect imports another": (
        "releasedesk.api.ucr.translate",
        "import releasedesk.api.sdp.wire",
        DIALECTS,
    ),
    "two core packages import each other": (
        "releasedesk.core.search.query",
        "import releasedesk.core.plans.service",
        CYCLES,
    ),
    "a release module imports approvals": (
        "releasedesk.core.releases.access",
        "import releasedesk.core.approvals.rules",
        CYCLES,
    ),
    "two modules of one package import each other": (
        "releasedesk.core.approvals.views",
        "import releasedesk.core.approvals.service",
        CYCLES,
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_breaking_a_wall_fails_its_contract(tmp_path: Path, case: str) -> None:
    module, line, contract = BREAKS[case]
    root = _copy(tmp_path)
    _append(root, module, line)
    assert contract in _broken(root)


def test_a_new_module_in_api_is_outside_every_layer_until_placed(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "src" / "releasedesk" / "api" / "unplaced.py").write_text('"""New."""\n')
    assert _broken(root) == {PLUMBING}
