"""Keep secrets out of logs, whatever logs them (our code, Bolt, slack_sdk, a traceback).

Installed once at start: every log record's final message is checked for Slack tokens and the
configured secrets, and redacted before any handler sees it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

_TOKEN_RE = re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]+")
_TOKEN_MARKERS = ("xox", "xapp-")
#: Other values that let whoever reads a log act as the bot or the user: a response_url (it
#: posts into the user's conversation for 30 minutes), Slack's incoming-webhook URLs, and a
#: Socket Mode connection ticket. Matched where they appear: in Slack's webhook URLs, under a
#: response_url key (JSON or form), and in slack_sdk's "Sending a request - url: …" line.
#: Each pattern comes with a plain substring every match contains: the web process logs a line
#: per request, and a substring test is far cheaper than running the pattern on a line that
#: cannot match.
_URL_PATTERNS = (
    (
        re.compile(r"https://hooks\.slack(?:-gov)?\.com/[^\s\"'<>,]+"),
        "[redacted url]",
        "hooks.slack",
    ),
    (
        re.compile(r"(response_url[\"']?\s*[:=]\s*[\"']?)(?!\[redacted)[^\s\"'&,}]+"),
        r"\1[redacted url]",
        "response_url",
    ),
    (
        re.compile(r"(Sending a request - url: )(?!\[redacted)[^\s,]+"),
        r"\1[redacted url]",
        "Sending a request - url: ",
    ),
    (re.compile(r"(ticket=)[^&\s\"']+"), r"\1[redacted]", "ticket="),
)
_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    if any(marker in text for marker in _TOKEN_MARKERS):
        text = _TOKEN_RE.sub("[redacted token]", text)
    for pattern, replacement, marker in _URL_PATTERNS:
        if marker in text:
            text = pattern.sub(replacement, text)
    for secret in _secrets:
        text = text.replace(secret, "[redacted]")
    return text


def install(secrets: Iterable[str] = ()) -> None:
    """Redact Slack tokens and `secrets` from every log record from now on."""
    global _installed
    with _lock:
        _secrets.update(s for s in secrets if s and len(s) >= 6)
        if _installed:
            return
        _installed = True
        previous = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            try:
                message = record.getMessage()
            except Exception:  # a malformed log call: leave it to the handler to report
                return record
            cleaned = redact(message)
            if record.exc_info and record.exc_info[1] is not None:
                exc_text = redact(str(record.exc_info[1]))
                if exc_text != str(record.exc_info[1]):
                    record.exc_info = None
                    cleaned += f" [exception redacted: {exc_text}]"
            if cleaned != message:
                record.msg, record.args = cleaned, None
            return record

        logging.setLogRecordFactory(factory)
