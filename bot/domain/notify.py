"""How a channel's approvers are reached when a request arrives: the policy file's ``notify``.

"mention"  the card's first thread message mentions the approvers (people and user groups)
"dm"       each approver gets a direct message with the card's link and the same Approve and
           Reject buttons (a user group's members one each up to a limit; a larger group is
           mentioned in the thread instead)
"none"     nobody is pinged at request time (the half-TTL reminder still mentions them)
"""

from __future__ import annotations

from typing import Final

from bot.domain.policy_lines import Report, show, type_name

MENTION: Final = "mention"
DM: Final = "dm"
NONE: Final = "none"
CHOICES: Final = (MENTION, DM, NONE)
DEFAULT_NOTIFY: Final = MENTION


def parse_notify(value: object, where: str, report: Report) -> str | None:
    """A ``notify`` value, or None after reporting why it is not one."""
    if not isinstance(value, str):
        report(where, f'must be "mention", "dm" or "none" in a string, not {type_name(value)}')
        return None
    if value not in CHOICES:
        report(where, f'{show(value)} is not one of "mention", "dm", "none"')
        return None
    return value
