"""What a form (modal) remembers of where it was opened, sealed so that the client cannot change it.

A modal's `private_metadata` travels through the person's Slack client and comes back with the
submission: edited there, it could move a form opened in one permitted channel to another, or
a reject form to another request. So the bot seals it with an HMAC over everything it says
(the form, the person it was opened for, the channel, the request) and opens only seals that
verify. The key is derived from a secret every replica shares (the signing secret, or in
Socket Mode, which has none, the app token) with a purpose label, so the secret itself never
signs anything else and the key never appears anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Final

# The label of the derived key (HKDF-style: HMAC(secret, label)); a new label retires every seal.
KEY_PURPOSE: Final = b"sendid/modal-private-metadata/v1"
# Slack allows 3000 characters of private_metadata; anything longer is not ours.
METADATA_MAX: Final = 3000


@dataclass(frozen=True, slots=True)
class ModalMetadata:
    """Where a form was opened: its channel and, for a reject form, the request."""

    channel_id: str
    request_id: str | None = None


class FormSeal:
    """Seals and opens `private_metadata` for one form (callback ID) and one person."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a form seal needs a secret (the signing secret or the app token)")
        self._key = hmac.new(secret.encode(), KEY_PURPOSE, hashlib.sha256).digest()

    def __repr__(self) -> str:
        return "FormSeal(<key hidden>)"

    def _mac(self, form: str, user_id: str, meta: ModalMetadata) -> str:
        # A JSON list: unambiguous whatever characters the parts hold.
        signed = json.dumps([form, user_id, meta.channel_id, meta.request_id])
        return hmac.new(self._key, signed.encode(), hashlib.sha256).hexdigest()

    def seal(self, meta: ModalMetadata, *, form: str, user_id: str) -> str:
        """`meta` as `private_metadata` for form `form` opened for `user_id`."""
        return json.dumps(
            {
                "channel_id": meta.channel_id,
                "request_id": meta.request_id,
                "mac": self._mac(form, user_id, meta),
            }
        )

    def open(self, raw: object, *, form: str, user_id: str) -> ModalMetadata | None:
        """The metadata `raw` holds if this bot sealed it for this form and person; None for
        anything else (missing, garbled, edited, another form's or another person's)."""
        if not isinstance(raw, str) or len(raw) > METADATA_MAX:
            return None
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # garbage, or nesting deep enough to blow the stack
            return None
        if not isinstance(data, dict):
            return None
        channel_id, request_id = data.get("channel_id"), data.get("request_id")
        mac = data.get("mac")
        if not isinstance(channel_id, str) or not isinstance(mac, str):
            return None
        if request_id is not None and not isinstance(request_id, str):
            return None
        meta = ModalMetadata(channel_id, request_id)
        if not hmac.compare_digest(mac.encode(), self._mac(form, user_id, meta).encode()):
            return None
        return meta
