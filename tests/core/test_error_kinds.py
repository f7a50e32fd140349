"""Error kinds: every front answers every kind with its own answer, no kind falls through
to a default (SDP's generic 4001), and no kind is mapped that nothing raises."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import releasedesk
from releasedesk.api.documented import ERROR_STATUSES
from releasedesk.api.flexdeploy import errors as flexdeploy
from releasedesk.api.sdp import errors as sdp
from releasedesk.api.ucr import errors as ucr
from releasedesk.core.errors import ErrorKind, ReleaseDeskError, every_kind
from releasedesk.web.context import STATUS_OF_KIND

SOURCE = Path(releasedesk.__file__).parent
# Each front's table, reduced to the HTTP status it answers.
FRONTS: dict[str, Mapping[ErrorKind, int]] = {
    "sdp": {kind: http for kind, (_, http) in sdp.CODES.items()},
    "ucr": ucr.STATUS,
    "flexdeploy": flexdeploy.HTTP_STATUS,
    "web": STATUS_OF_KIND,
}


def _probe(kind: ErrorKind) -> ReleaseDeskError:
    """An error of `kind` as any class of it would raise (a class made for the test)."""
    probe = type(f"Probe_{kind}", (ReleaseDeskError,), {"kind": kind})
    return probe(f"a refusal of kind {kind}", "title")


@pytest.mark.parametrize("front", sorted(FRONTS))
def test_every_front_answers_every_kind(front: str) -> None:
    table = FRONTS[front]
    assert set(table) == set(ErrorKind)
    assert all(isinstance(kind, ErrorKind) for kind in table)


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_each_dialect_answers_a_kind_by_its_table_with_a_documented_status(
    kind: ErrorKind,
) -> None:
    error = _probe(kind)
    code, http = sdp.CODES[kind]
    answer = sdp.error_response({}, error)
    assert answer.status_code == http
    assert json.loads(answer.body)["response_status"]["messages"][0]["status_code"] == code
    assert ucr.error_response(error).status_code == ucr.STATUS[kind]
    assert flexdeploy.core_error({}, error).status_code == flexdeploy.HTTP_STATUS[kind]
    assert {front[kind] for front in FRONTS.values()} <= set(ERROR_STATUSES)


def test_only_an_invalid_value_is_sdps_generic_4001() -> None:
    """The code an unmapped kind used to fall back to belongs to INVALID alone."""
    assert [kind for kind, (code, _) in sdp.CODES.items() if code == 4001] == [ErrorKind.INVALID]
    codes = [code for code, _ in sdp.CODES.values()]
    assert len(codes) == len(set(codes))  # each kind its own SDP code


def test_a_table_missing_a_kind_or_keyed_by_text_is_refused() -> None:
    whole = {kind: 400 for kind in ErrorKind}
    assert dict(every_kind(whole)) == whole
    with pytest.raises(TypeError, match="rate_limited"):
        every_kind({kind: 400 for kind in ErrorKind if kind is not ErrorKind.RATE_LIMITED})
    with pytest.raises(TypeError, match="'gone'"):
        every_kind({**whole, "gone": 400})  # type: ignore[dict-item]


def test_an_error_class_must_name_its_kind_by_the_enum() -> None:
    with pytest.raises(TypeError, match="ErrorKind"):
        type("ByText", (ReleaseDeskError,), {"kind": "invalid"})
    with pytest.raises(TypeError, match="ErrorKind"):
        type("Nameless", (ReleaseDeskError,), {})


def _modules() -> Iterator[str]:
    for module in pkgutil.walk_packages([str(SOURCE)], "releasedesk."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            yield module.name


def _error_classes() -> set[type[ReleaseDeskError]]:
    for name in _modules():
        importlib.import_module(name)  # every error class defined somewhere in the package
    found: set[type[ReleaseDeskError]] = set()
    todo = list(ReleaseDeskError.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("releasedesk.") and cls not in found:
            found.add(cls)
            todo.extend(cls.__subclasses__())
    return found


def _called_names() -> set[str]:
    """Every name called anywhere in the package's source (`X(…)` or `m.X(…)`)."""
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name):
                    names.add(func.id)
                elif isinstance(func, ast.Attribute):
                    names.add(func.attr)
    return names


def test_every_kind_is_raised_by_something() -> None:
    """A kind no class of it is ever made for is a kind every front maps for nothing: remove
    it with its mappings."""
    classes = _error_classes()
    assert all(isinstance(cls.kind, ErrorKind) for cls in classes)
    called = _called_names()
    made = {cls.kind for cls in classes if cls.__name__ in called}
    assert set(ErrorKind) - made == set()
