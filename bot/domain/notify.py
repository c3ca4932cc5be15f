"""How a channel's approvers are reached when a request arrives: the policy file's ``notify``.

"mention"  the card's first thread message mentions the approvers (people and user groups)
"dm"       each approver gets a direct message with the card's link and the same Approve and
           Reject buttons (a user group's members one each up to a limit; a larger group is
           mentioned in the thread instead)
"none"     nobody is pinged at request time (the half-TTL reminder still mentions them)
"""

from __future__ import annotations

from typing import Final, Literal

MENTION: Final = "mention"
DM: Final = "dm"
NONE: Final = "none"
Notify = Literal["mention", "dm", "none"]  # the policy file's choices
DEFAULT_NOTIFY: Final = MENTION
