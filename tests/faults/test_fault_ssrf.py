"""Defect 6 (issue 12): the private-address policy could be bypassed.

- A source whose host published one non-public record among public ones was allowed private addresses
  for everything it led to (redirects to 169.254.169.254 included).
- NAT64 and 6to4 forms of private addresses passed as public.
- A refused request had already opened its TCP (and TLS) connection.
Now the transport resolves, keeps the addresses the policy allows, and only then connects."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from faultkit import DripServer

from monitor.config import FetchConfig
from monitor.errors import FetchError
from monitor.sources import Fetcher
from monitor.sources._transport import AddressRefused, is_public, usable_addresses


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64 prefix
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "::ffff:10.0.0.1",  # IPv4-mapped
        "::10.0.0.1",  # IPv4-compatible (deprecated)
        "169.254.169.254",
        "fe80::1%eth0",
        "100.64.0.1",
    ],
)
def test_private_addresses_in_ipv6_clothing_are_not_public(address: str) -> None:
    assert not is_public(address)


def test_public_addresses_stay_public() -> None:
    assert is_public("93.184.216.34") and is_public("64:ff9b::5db8:d822") and is_public("2606:4700::1111")


def test_one_private_record_does_not_open_the_local_network() -> None:
    mixed = ["93.184.216.34", "10.0.0.7"]
    # The source's own host: only its public address is used.
    assert usable_addresses("news.example", mixed, "news.example") == ["93.184.216.34"]
    # A redirect (another host) to the metadata address: refused before connecting.
    with pytest.raises(AddressRefused, match=r"169\.254\.169\.254"):
        usable_addresses("metadata.example", ["169.254.169.254"], "news.example")
    # A source on the local network (every record non-public) reaches itself, not other hosts.
    assert usable_addresses("intranet", ["10.0.0.8", "fd00::8"], "intranet") == ["10.0.0.8", "fd00::8"]
    with pytest.raises(AddressRefused):
        usable_addresses("other.intranet", ["10.0.0.9"], "intranet")
    assert usable_addresses("anything", ["10.0.0.9"], True) == ["10.0.0.9"]
    with pytest.raises(AddressRefused):
        usable_addresses("intranet", ["10.0.0.8"], False)


@pytest.fixture
def listener() -> Iterator[DripServer]:
    server = DripServer().start()
    try:
        yield server
    finally:
        server.release()


def test_a_refused_address_is_never_connected_to(listener: DripServer) -> None:
    async def go() -> None:
        async with Fetcher(FetchConfig(retries=0, private_addresses="deny")) as fetcher:
            await fetcher.fetch(listener.url)

    with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 is at the non-public address 127\.0\.0\.1"):
        asyncio.run(go())
    time.sleep(0.5)  # the listener's accept thread would have counted a connection by now
    assert listener.connections == 0, "a TCP connection was opened for a refused request"
