"""No cross-site writes (issue 19, item 3), in every dialect: a write a browser marks as made
by a page of another site (`Origin`, `Sec-Fetch-Site`) and signs on its own (HTTP Basic, a
cookie) is refused with 403 in the dialect's format and writes nothing; the same write from
the server's own site, or with a key in a header, goes through. A body in a content type the
dialect does not read is refused with 415 (SDP keeps its form-encoded `input_data`). A 401 to
a cross-site request carries no Basic challenge (no login dialog for another site's page).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from releasedesk.db.models import Release
from tests.api.flexdeploy.support import flex_for
from tests.helpers import Desk


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


@dataclass(frozen=True)
class Dialect:
    name: str
    path: str  # where a release is created, {portal} filled in
    body: Callable[[], tuple[str, bytes]]  # (content type, body) of a valid create
    key_headers: Callable[[str], list[dict[str, str]]]  # each way it takes a key in a header
    refusal: Callable[[httpx.Response, int], str | None]  # checks the format; the field named


def _sdp_body() -> tuple[str, bytes]:
    text = json.dumps({"release": {"title": "Cross-site?"}})
    return "application/x-www-form-urlencoded", urlencode({"input_data": text}).encode()


def _sdp_refusal(response: httpx.Response, status: int) -> str | None:
    envelope = response.json()["response_status"]
    assert envelope["status_code"] == 4000 and envelope["status"] == "failed"
    message = envelope["messages"][0]
    assert message["status_code"] == {403: 4002, 415: 4000}[status]
    return message.get("field")  # type: ignore[no-any-return]


def _ucr_refusal(response: httpx.Response, _status: int) -> str | None:
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    return body.get("field")  # type: ignore[no-any-return]


def _flexdeploy_refusal(response: httpx.Response, status: int) -> str | None:
    body = response.json()
    assert body["status"] == status and body["message"]
    return body.get("field")  # type: ignore[no-any-return]


def _json(body: dict[str, Any]) -> Callable[[], tuple[str, bytes]]:
    return lambda: ("application/json", json.dumps(body).encode())


SDP = Dialect(
    "sdp",
    "/app/{portal}/api/v3/releases",
    _sdp_body,
    lambda key: [
        {"authtoken": key},
        {"TECHNICIAN_KEY": key},
        {"Authorization": f"Zoho-oauthtoken {key}"},
    ],
    _sdp_refusal,
)
UCR = Dialect(
    "ucr",
    "/app/{portal}/releases/",
    _json({"name": "Cross-site?"}),
    lambda key: [{"Authorization": f"Bearer {key}"}],
    _ucr_refusal,
)
FLEXDEPLOY = Dialect(
    "flexdeploy",
    "/app/{portal}/flexdeploy/rest/v1/releases",
    _json({"releaseName": "Cross-site?"}),
    lambda key: [{"X-API-Key": key}, {"Authorization": f"Bearer {key}"}],
    _flexdeploy_refusal,
)
DIALECTS = [SDP, UCR, FLEXDEPLOY]

# What a browser sends for a page of another site (the server is http://testserver, its
# RELEASEDESK_BASE_URL the tests' default http://127.0.0.1:8080).
CROSS_SITE = [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},  # a sandboxed frame, a data: page
    {"Origin": "http://testserver:8081"},  # another port is another origin
    {"Origin": "https://testserver"},  # and another scheme
    {"Origin": "http://testserver.evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
]
SAME_SITE = [
    {},  # no browser: curl, a CI plug-in
    {"Origin": "http://testserver"},
    {"Origin": "HTTP://TestServer:80"},
    {"Origin": "http://127.0.0.1:8080"},  # the configured base URL (behind a proxy)
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},  # typed by the user
]


@pytest.fixture(params=DIALECTS, ids=lambda d: d.name)
def dialect(request: pytest.FixtureRequest, desk: Desk) -> Dialect:
    if request.param is FLEXDEPLOY:
        flex_for(desk)  # a FlexDeploy release needs the portal's catalog
    return request.param  # type: ignore[no-any-return]


def write(
    desk: Desk, dialect: Dialect, headers: dict[str, str], method: str = "POST"
) -> httpx.Response:
    content_type, body = dialect.body()
    sent = {"Content-Type": content_type, "Accept": "application/json", **headers}
    path = dialect.path.format(portal=desk.portal)
    return desk.client.request(method, path, headers=sent, content=body)


def browser_signed(desk: Desk) -> list[dict[str, str]]:
    """What a browser attaches to a request on its own: a password or a key it was given in
    its Basic dialog, cookies."""
    return [
        {"Authorization": basic(desk.admin.name, "admin-pass")},
        {"Authorization": basic("PasswordIsAuthToken", desk.admin.key)},
        {"Cookie": "releasedesk_session=anything"},
        {"Authorization": basic(desk.admin.name, "admin-pass"), "Cookie": "a=b"},
    ]


def test_a_cross_site_write_signed_by_the_browser_is_refused_and_writes_nothing(
    desk: Desk, dialect: Dialect
) -> None:
    before = desk.count(Release)
    tried = 0
    for signals in CROSS_SITE:
        for credentials in browser_signed(desk):
            response = write(desk, dialect, {**signals, **credentials})
            assert response.status_code == 403, (signals, credentials, response.text)
            field = dialect.refusal(response, 403)
            assert field == ("Origin" if "Origin" in signals else "Sec-Fetch-Site")
            assert "another site" in response.text
            tried += 1
    assert tried == len(CROSS_SITE) * 4
    assert desk.count(Release) == before


def test_every_write_method_is_covered(desk: Desk) -> None:
    """PUT, PATCH and DELETE as well as POST; a GET from another site is only a read."""
    release = desk.create_release(title="Stays")
    signed = {"Authorization": basic(desk.admin.name, "admin-pass"), **CROSS_SITE[0]}
    one = f"/app/{desk.portal}/api/v3/releases/{release['id']}"
    for method in ("PUT", "PATCH", "DELETE"):
        response = desk.client.request(method, one, headers=signed)
        assert response.status_code == 403, (method, response.text)
    assert desk.client.get(one, headers=signed).status_code == 200
    assert desk.get(f"/releases/{release['id']}").json()["release"]["title"] == "Stays"


def test_the_same_write_from_the_servers_own_site_goes_through(
    desk: Desk, dialect: Dialect
) -> None:
    before = desk.count(Release)
    for signals in SAME_SITE:
        credentials = {"Authorization": basic(desk.admin.name, "admin-pass")}
        response = write(desk, dialect, {**signals, **credentials})
        assert response.status_code == 201, (signals, response.text)
        assert response.headers.get("www-authenticate") is None
    assert desk.count(Release) == before + len(SAME_SITE)


def test_keys_in_headers_are_not_affected(desk: Desk, dialect: Dialect) -> None:
    """A page of another site cannot send these without a CORS preflight, which no dialect
    answers: such a request is no browser's."""
    signals = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    for key_header in dialect.key_headers(desk.admin.key):
        response = write(desk, dialect, {**signals, **key_header})
        assert response.status_code == 201, (key_header, response.text)


NOT_READ = {
    "sdp": ["text/plain", "", "application/xml", "text/html; charset=utf-8"],
    "ucr": ["text/plain", "", "application/x-www-form-urlencoded", "multipart/form-data; b=x"],
    "flexdeploy": ["text/plain", "", "application/x-www-form-urlencoded", "application/xml"],
}


def test_a_body_the_dialect_does_not_read_is_refused_with_415(desk: Desk, dialect: Dialect) -> None:
    """What an HTML form of another site can send (text/plain) never reaches a JSON parser;
    the refusal names the header, in the dialect's format. Keys do not change that."""
    before = desk.count(Release)
    _, body = dialect.body()
    path = dialect.path.format(portal=desk.portal)
    for content_type in NOT_READ[dialect.name]:
        headers = {**dialect.key_headers(desk.admin.key)[0], "Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        response = desk.client.post(path, headers=headers, content=body)
        assert response.status_code == 415, (content_type, response.text)
        assert dialect.refusal(response, 415) == "Content-Type"
    assert desk.count(Release) == before


def test_what_the_vendors_clients_send_is_read(desk: Desk, dialect: Dialect) -> None:
    key = dialect.key_headers(desk.admin.key)[0]
    content_type, body = dialect.body()
    path = dialect.path.format(portal=desk.portal)
    sent: list[tuple[str, bytes]] = [(content_type, body), (content_type + "; charset=UTF-8", body)]
    if dialect is SDP:  # input_data as JSON, form fields of a multipart body, and in the query
        sent.append(("application/json", b'{"input_data": {"release": {"title": "J"}}}'))
        sent.append(("application/vnd.manageengine.sdp.v3+json", b'{"release": {"title": "V"}}'))
        boundary = "b0undary"
        part = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="input_data"\r\n\r\n'
            f'{{"release": {{"title": "M"}}}}\r\n--{boundary}--\r\n'
        )
        sent.append((f"multipart/form-data; boundary={boundary}", part.encode()))
    else:
        sent.append(("application/vnd.example+json", body))
    for kind, content in sent:
        response = desk.client.post(path, headers={**key, "Content-Type": kind}, content=content)
        assert response.status_code == 201, (kind, response.text)
    if dialect is SDP:  # zohosdplusapi: input_data in the query, JSON type, empty body
        query = {"input_data": json.dumps({"release": {"title": "Q"}})}
        headers = {**key, "Content-Type": "application/json"}
        response = desk.client.post(path, params=query, headers=headers, content=b"")
        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "path",
    [
        "/app/{portal}/releases/",  # a UCR list (the sub-app)
        "/app/{portal}/releases/00000000-0000-0000-0000-00000000abcd",  # a front route
        "/app/{portal}/flexdeploy/rest/v1/releases/1",  # a front route
        "/app/{portal}/flexdeploy/rest/v1/environments",  # FlexDeploy's sub-app
    ],
)
def test_no_basic_challenge_to_a_page_of_another_site(desk: Desk, path: str) -> None:
    """Clients get `WWW-Authenticate: Basic` (the vendors' servers send it; PowerShell's
    -Credential and Java's Authenticator wait for it); a cross-site request does not, so
    another site's page cannot make the browser ask for a releasedesk password."""
    url = path.format(portal=desk.portal)
    plain = desk.client.get(url)
    assert plain.status_code == 401
    assert plain.headers["www-authenticate"].startswith("Basic realm=")
    for signals in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        cross = desk.client.get(url, headers=signals)
        assert cross.status_code == 401
        assert "www-authenticate" not in cross.headers, signals
    post = desk.client.post(url, headers={"Origin": "https://evil.example"})
    assert post.status_code in (401, 405) and "www-authenticate" not in post.headers
