"""Every API answer carries `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`
(issue 19, item 5): each dialect, at the root and under /app/{portal}, its sub-app's routes
and its front routes (api/front_routes.py), successes, refusals, unknown paths, a method not
allowed, and an unexpected failure's 500."""

from __future__ import annotations

import httpx
import pytest

from releasedesk.core.users import keys
from tests.api.flexdeploy.support import flex_for
from tests.helpers import Desk

API_HEADERS = {"x-content-type-options": "nosniff", "cache-control": "no-store"}


def requests_to_try(desk: Desk) -> list[tuple[str, str, dict[str, str], int]]:
    """(method, path, headers, expected status): one of each kind of answer per dialect."""
    flex_for(desk)
    release = desk.create_release(title="Headers")
    rid = release["id"]
    p = f"/app/{desk.portal}"
    sdp_key = {"authtoken": desk.admin.key}
    bearer = {"Authorization": f"Bearer {desk.admin.key}"}
    made = desk.client.post(f"{p}/releases/", headers=bearer, json={"name": "Headers"})
    assert made.status_code == 201, made.text
    uuid = made.json()["id"]
    json_body = {**bearer, "Content-Type": "application/json"}
    return [
        # SDP: front routes (list, one, history), sub-app routes, refusals, unknown paths
        ("GET", f"{p}/api/v3/releases", sdp_key, 200),
        ("GET", f"{p}/api/v3/releases/{rid}", sdp_key, 200),
        ("GET", f"{p}/api/v3/releases/{rid}/history", sdp_key, 200),
        ("GET", f"{p}/api/v3/releases/999999999", sdp_key, 404),
        ("GET", f"{p}/api/v3/releases/{rid}", {}, 401),
        ("GET", "/api/v3/releases", {}, 401),
        ("POST", f"{p}/api/v3/releases/{rid}/history", sdp_key, 405),
        ("GET", f"{p}/api/v3/releases/{rid}/notes", sdp_key, 200),
        ("PUT", f"{p}/api/v3/releases/{rid}?input_data=nonsense", sdp_key, 400),
        ("GET", f"{p}/api/v3/no/such/path", sdp_key, 404),
        ("GET", "/api/v3/nothing", {}, 404),
        ("POST", f"{p}/api/v3/releases?text=plain", {**sdp_key, "Content-Type": "text/plain"}, 415),
        # UrbanCode Release: the front route, the sub-app, at the root and under the portal
        ("GET", f"{p}/releases/{uuid}", bearer, 200),
        ("GET", f"{p}/releases/{uuid}/", bearer, 200),
        ("GET", f"{p}/releases/", bearer, 200),
        ("GET", f"{p}/lifecycleModels/", bearer, 200),
        ("GET", f"{p}/releases/not-a-uuid", bearer, 404),
        ("GET", "/releases/", {}, 401),
        ("PUT", f"{p}/releases/{uuid}", {**json_body}, 400),
        ("GET", "/no/such/path", {}, 404),
        ("GET", f"{p}/no/such/path", bearer, 404),
        ("DELETE", f"{p}/lifecycleModels/", bearer, 405),
        # FlexDeploy: the front route, the sub-app, errors, unknown paths
        ("GET", f"{p}/flexdeploy/rest/v1/releases/{rid}", bearer, 200),
        ("GET", f"{p}/flexdeploy/rest/v1/releases", bearer, 200),
        ("GET", f"{p}/flexdeploy/rest/v1/environments", bearer, 200),
        ("GET", f"{p}/flexdeploy/rest/v1/releases/999999999", bearer, 404),
        ("GET", "/flexdeploy/rest/v1/releases/1", {}, 401),
        ("POST", f"{p}/flexdeploy/rest/v1/releases", {**json_body}, 400),
        ("GET", f"{p}/flexdeploy/rest/v1/nothing", bearer, 404),
        ("DELETE", f"{p}/flexdeploy/rest/v1/environments", bearer, 405),
    ]


def check(response: httpx.Response, where: str) -> None:
    for name, value in API_HEADERS.items():
        assert response.headers.get(name) == value, (where, name, dict(response.headers))


def test_every_api_answer_carries_nosniff_and_no_store(desk: Desk) -> None:
    tried = requests_to_try(desk)
    for method, path, headers, status in tried:
        body = b"input_data={}" if "text=plain" in path else None
        response = desk.client.request(method, path, headers=headers, content=body)
        assert response.status_code == status, (method, path, response.text)
        check(response, f"{method} {path}")
    assert len(tried) >= 30


@pytest.mark.parametrize(
    "path",
    [
        "/app/{portal}/api/v3/releases",  # an SDP front route
        "/app/{portal}/api/v3/releases/{rid}/notes",  # an SDP sub-app route
        "/app/{portal}/releases/",  # UCR's sub-app
        "/app/{portal}/flexdeploy/rest/v1/releases/{rid}",  # a FlexDeploy front route
    ],
)
def test_an_unexpected_failure_carries_them_too(
    desk: Desk, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = desk.create_release(title="Fails")["id"]

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the key lookup broke")

    monkeypatch.setattr(keys, "caller_of", broken)
    response = desk.client.get(
        path.format(portal=desk.portal, rid=rid),
        headers={"Authorization": f"Bearer {desk.admin.key}"},
    )
    assert response.status_code == 500
    assert "the key lookup broke" not in response.text
    check(response, path)
