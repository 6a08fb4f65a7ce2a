"""A Slack message's text as words: mentions, channel links and URLs unwrapped, entities decoded.

Slack sends message text with its own markup (<@U123>, <#C123|oncology>, <https://x|label>,
&amp;), which would otherwise be read as part of a question.
"""

from __future__ import annotations

import html
import re

_USER_RE = re.compile(r"<[@!][^>]*>")
_LABELLED_RE = re.compile(r"<[^|<>]+\|([^<>]*)>")
_BARE_RE = re.compile(r"<([^|<>]+)>")


def plain_text(text: str) -> str:
    """The words of a message, as a person reads them."""
    text = _USER_RE.sub(" ", text or "")  # people, @here / @channel: not part of a question
    text = _LABELLED_RE.sub(lambda m: m.group(1), text)
    text = _BARE_RE.sub(lambda m: m.group(1).lstrip("#"), text)
    return " ".join(html.unescape(text).split())
