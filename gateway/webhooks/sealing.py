"""Webhook secrets at rest: every delivery is signed with the subscription's secret, so it is kept (a hash
would not sign), sealed with the gateway's key (`GATEWAY_WEBHOOK_SECRETS_KEY`, Fernet: AES-128-CBC and
HMAC-SHA256, https://github.com/fernet/spec). A copy of the database alone (a backup, a replica, a dump)
signs nothing. Keys rotate like the token signing keys: the first key seals, retired ones still open."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SEALED_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte 0x80, then the timestamp's high bytes)


class UnreadableSecretError(RuntimeError):
    """A sealed secret none of the configured keys opens (a key removed too early)."""


def new_key() -> str:
    return Fernet.generate_key().decode()


class SecretBox:
    def __init__(self, key: str, retired: Sequence[str] = ()) -> None:
        self._fernet = MultiFernet([Fernet(key.encode()), *(Fernet(old.encode()) for old in retired)])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as error:
            raise UnreadableSecretError("no configured key opens this webhook secret") from error
