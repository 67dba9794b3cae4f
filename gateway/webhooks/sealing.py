"""Webhook secrets at rest: sealed with a key from settings, so a database dump does not hand them out.

Keys are Fernet keys; the first seals, all open, so a rotation puts the new key first and keeps the
old one until every subscription has been re-created or resealed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from services.common.settings import Settings

SEALED_PREFIX = "gAAAA"  # every Fernet token starts so


class SecretBox:
    def __init__(self, keys: list[str]):
        self.box = MultiFernet([Fernet(k.encode()) for k in keys])

    def seal(self, secret: str) -> str:
        return self.box.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(SEALED_PREFIX):
            return stored  # written before secrets were sealed
        try:
            return self.box.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise RuntimeError("a webhook secret does not open with any configured key") from None


def box_for(settings: Settings) -> SecretBox:
    return _box(tuple(settings.webhook_secret_keys), settings.keys_dir)


@lru_cache
def _box(keys: tuple[str, ...], keys_dir: Path) -> SecretBox:
    if keys:
        return SecretBox(list(keys))
    # Development: a key made at first start beside the signing keys (production refuses to start without one).
    path = keys_dir / "webhook-secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return SecretBox([path.read_text().strip()])
