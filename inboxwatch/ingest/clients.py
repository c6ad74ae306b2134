"""Map sender and recipient addresses to the configured clients."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from inboxwatch.config import ClientConfig


@dataclass(frozen=True)
class ClientDirectory:
    """Exact addresses win over ``@domain`` entries; unknown addresses map to None."""

    by_address: dict[str, str]
    by_domain: dict[str, str]

    @classmethod
    def from_config(cls, clients: Sequence[ClientConfig]) -> ClientDirectory:
        by_address: dict[str, str] = {}
        by_domain: dict[str, str] = {}
        for client in clients:
            for entry in client.addresses:
                if entry.startswith("@"):
                    by_domain.setdefault(entry[1:].lower(), client.name)
                else:
                    by_address.setdefault(entry.lower(), client.name)
        return cls(by_address, by_domain)

    def match(self, address: str) -> str | None:
        """The client name for *address*, or None when it belongs to no client."""
        address = address.strip().lower()
        if address in self.by_address:
            return self.by_address[address]
        domain = address.rpartition("@")[2]
        # a sub-domain (mail.acme.example) belongs to the client of acme.example too
        while domain:
            if domain in self.by_domain:
                return self.by_domain[domain]
            domain = domain.partition(".")[2]
        return None

    def first_match(self, addresses: Iterable[str]) -> str | None:
        """The client of the first address that belongs to one."""
        for address in addresses:
            client = self.match(address)
            if client is not None:
                return client
        return None
