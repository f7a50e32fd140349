"""Outgoing webhooks' pure rules: Standard Webhooks signatures against the specification's
test vector and its own verifier, the addresses refused, the retry schedule."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from releasedesk.core.errors import Invalid
from releasedesk.core.webhooks import schedule, signing, targets
from releasedesk.core.webhooks.sealing import SealBroken, Sealer

pytestmark = pytest.mark.one_database  # pure rules: nothing here depends on the database

# The specification's published test vector.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIME = dt.datetime.fromtimestamp(1614265330, dt.UTC)
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_signature_is_the_specifications_test_vector() -> None:
    assert signing.signature(VECTOR_SECRET, VECTOR_ID, VECTOR_TIME, VECTOR_BODY) == (
        VECTOR_SIGNATURE
    )
    headers = signing.headers([VECTOR_SECRET], VECTOR_ID, VECTOR_TIME, VECTOR_BODY)
    assert headers == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_during_a_rotation_both_secrets_verify_and_a_stranger_does_not() -> None:
    new, old = signing.new_secret(), signing.new_secret()
    assert new.startswith("whsec_") and new != old
    now = dt.datetime.now(dt.UTC)
    body = b'{"type":"release.closed"}'
    headers = signing.headers([new, old], "msg_1", now, body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (new, old):
        Webhook(secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + b" ", headers)


def test_a_sealed_secret_opens_only_under_the_same_server_key() -> None:
    sealed = Sealer("key-one" * 6).seal("whsec_abc")
    assert "whsec_abc" not in sealed
    assert Sealer("key-one" * 6).open(sealed) == "whsec_abc"
    with pytest.raises(SealBroken):
        Sealer("key-two" * 6).open(sealed)


def _resolver(*addresses: str) -> targets.Resolver:
    async def resolve(_host: str, _port: int) -> list[targets.Address]:
        return [ipaddress.ip_address(a) for a in addresses]

    return resolve


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.5",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.100.100.200",  # shared address space (Alibaba's metadata)
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00:ec2::254",  # AWS's IPv6 metadata service
        "::ffff:10.0.0.1",  # a private IPv4 written as IPv6
        "224.0.0.1",
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(
    address: str,
) -> None:
    with pytest.raises(Invalid) as refused:
        asyncio_run(targets.check("https://hooks.example.com/x", (), _resolver(address)))
    assert refused.value.field == "url"
    assert str(ipaddress.ip_address(address)) in refused.value.message


def test_one_private_answer_among_public_ones_is_refused_and_allowed_networks_let_it_in() -> None:
    mixed = _resolver("93.184.216.34", "10.0.0.7")
    with pytest.raises(Invalid):
        asyncio_run(targets.check("https://hooks.example.com/", (), mixed))
    allowed = targets.parse_networks("10.0.0.0/8, 127.0.0.0/8")
    target = asyncio_run(targets.check("https://hooks.example.com:8443/a?b=1", allowed, mixed))
    assert (target.host, target.port, str(target.address)) == (
        "hooks.example.com",
        8443,
        "93.184.216.34",
    )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/",
        "hooks.example.com/x",
        "https://user:pw@hooks.example.com/",
        "",
        7,
    ],
)
def test_a_url_that_is_not_http_is_refused_naming_url(url: object) -> None:
    with pytest.raises(Invalid) as refused:
        asyncio_run(targets.check(url, (), _resolver("93.184.216.34")))
    assert refused.value.field == "url"


def test_the_schedule_waits_as_the_specification_recommends_and_honours_retry_after() -> None:
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    middle = lambda: 0.5  # noqa: E731 (no jitter at the middle of its range)
    waits = [schedule.next_attempt(n, now, None, middle) for n in range(1, schedule.ATTEMPTS)]
    assert [w - now for w in waits if w] == list(schedule.WAITS)
    assert schedule.next_attempt(schedule.ATTEMPTS, now, None, middle) is None
    low = schedule.next_attempt(1, now, None, lambda: 0.0)
    high = schedule.next_attempt(1, now, None, lambda: 0.999)
    assert (
        low
        and high
        and low - now == dt.timedelta(seconds=4.5)
        and high - now < dt.timedelta(seconds=5.5)
    )
    later = schedule.next_attempt(1, now, dt.timedelta(minutes=10), middle)
    assert later == now + dt.timedelta(minutes=10)
    assert schedule.parse_retry_after("120", now) == dt.timedelta(seconds=120)
    assert schedule.parse_retry_after("Tue, 01 Jan 2030 00:01:00 GMT", now) == dt.timedelta(
        minutes=1
    )
    assert schedule.parse_retry_after("soon", now) is None


def asyncio_run(awaitable: object) -> targets.Target:
    import asyncio

    return asyncio.run(awaitable)  # type: ignore[arg-type]
