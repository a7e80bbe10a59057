"""LiveKit's object ids (sids): a type prefix and a random part, as a server makes them
(TR_ tracks, PA_ participants, RM_ rooms)."""

from __future__ import annotations

import secrets


def new_sid(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(9).replace('-', 'x').replace('_', 'y')}"
