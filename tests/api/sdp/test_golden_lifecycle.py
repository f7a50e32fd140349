"""The assign, pickup and restore samples: every key they show on a release is in ours, with
the same JSON types (image_token among them, an opaque string per release)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import Desk

GOLDEN = Path(__file__).parent / "golden"


def _sample_release(name: str) -> dict[str, Any]:
    release = json.loads((GOLDEN / name).read_text())["releases"]
    return release[0] if isinstance(release, list) else release  # type: ignore[no-any-return]


def _release_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    releases = response.json()["releases"]
    return releases[0] if isinstance(releases, list) else releases  # type: ignore[no-any-return]


def _type_problems(sample: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """Keys both sides fill in whose JSON types differ (a string id where the sample has
    one, an object where it has an object, …)."""
    return [
        key
        for key, value in sample.items()
        if value is not None and ours.get(key) is not None and type(value) is not type(ours[key])
    ]


def test_assign_and_pickup_answer_every_key_their_samples_show(desk: Desk) -> None:
    rid = desk.create_release(title="Sampled")["id"]
    assigned = _release_of(
        desk.put(
            f"/releases/assign?ids={rid}",
            input_data={"release": {"release_engineer": {"name": desk.technician.name}}},
        )
    )
    picked = _release_of(desk.put(f"/releases/pickup?ids={rid}", input_data={}))
    for sample, ours in (("assign_response.json", assigned), ("pickup_response.json", picked)):
        assert set(_sample_release(sample)) - set(ours) == set()
        assert isinstance(ours["image_token"], str)
        assert _type_problems(_sample_release(sample), ours) == []


def test_restore_answers_the_same_release_keys_with_its_image_token(desk: Desk) -> None:
    """The restore sample in the spec is cut off mid-release (not valid JSON); it shows the
    keys of the pickup sample, image_token among them."""
    first = desk.create_release(title="Restored")
    other = desk.create_release(title="Other")
    for rid in (first["id"], other["id"]):
        assert desk.request("DELETE", f"/releases/{rid}/move_to_trash").status_code == 200
    restored = _release_of(desk.put(f"/releases/restore_from_trash?ids={first['id']}"))
    assert set(_sample_release("pickup_response.json")) - set(restored) == set()
    assert _type_problems(_sample_release("pickup_response.json"), restored) == []
    token = restored["image_token"]
    assert isinstance(token, str) and len(token) == 64
    back = _release_of(desk.put(f"/releases/restore_from_trash?ids={other['id']}"))
    assert back["image_token"] != token  # one per release
    assert desk.get(f"/releases/{first['id']}").json()["release"]["image_token"] == token
