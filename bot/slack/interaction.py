"""Reading block_actions payloads: which action was pressed and the value it carried."""

from __future__ import annotations

import re
from typing import Any


def action_pattern(prefix: str) -> re.Pattern[str]:
    """An action_id and its numbered repeats (blocks.actions numbers duplicates "id#1")."""
    return re.compile(rf"^{re.escape(prefix)}(#[\w-]+)?$")


def action_value(body: dict[str, Any]) -> str:
    """The pressed button's value, the chosen option's value, or a feedback button's value."""
    action = (body.get("actions") or [{}])[0]
    if "selected_option" in action:
        return str((action.get("selected_option") or {}).get("value", ""))
    return str(action.get("value", "") or "")


def user_id(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id", ""))


def is_ephemeral(body: dict[str, Any]) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))
