"""Turn entries and matches into Messages: Block Kit blocks plus a plain-text fallback.

- `message`: the Message, action ids, the disclaimer and shared pieces
- `parts`: the parts of a card per kind, and which parts each section shows (a table)
- `cards`: an entry's card (sections, aliases, buttons) and the compact keyword card
- `outside`: the reply to a drug that is not immunotherapy
- `replies`: misses, choices, the comparison table, search results, help, about
  (listings are bot.listing: paged)
"""

from bot.blocks import escape
from bot.render.cards import SECTION_ALIASES, SECTIONS, card, compact_card, section_for
from bot.render.message import (
    ACTION_BROWSE,
    ACTION_CHOOSE,
    ACTION_GRADE,
    ACTION_REPORT,
    ACTION_SECTION,
    ACTION_SHARE,
    BUILDER_URL,
    DISCLAIMER,
    Message,
    MessageMemo,
    builder_url,
    disclaimer_block,
    error_message,
    grade_button,
    shared_by,
    with_note,
)
from bot.render.outside import outside_note, outside_scope
from bot.render.replies import (
    about,
    choices,
    compare,
    help_message,
    miss,
    outside_cause,
    search_results,
)

__all__ = [
    "ACTION_BROWSE",
    "ACTION_CHOOSE",
    "ACTION_GRADE",
    "ACTION_REPORT",
    "ACTION_SECTION",
    "ACTION_SHARE",
    "BUILDER_URL",
    "DISCLAIMER",
    "SECTIONS",
    "SECTION_ALIASES",
    "Message",
    "MessageMemo",
    "about",
    "builder_url",
    "card",
    "choices",
    "compact_card",
    "compare",
    "disclaimer_block",
    "error_message",
    "escape",
    "grade_button",
    "help_message",
    "miss",
    "outside_cause",
    "outside_note",
    "outside_scope",
    "search_results",
    "section_for",
    "shared_by",
    "with_note",
]
