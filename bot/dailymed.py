"""Read a label's version history from DailyMed (and, optionally, its recent changes from openFDA).

Only `python -m bot drift` calls these services, never the bot while answering. Every failure a
network service can have (timeout, refused connection, 404, 429 with Retry-After, a body that is
not the JSON we expect) becomes one `ServiceError` with a sentence a maintainer can act on.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

#: DailyMed pages its history 100 versions at a time; newer versions come first, so a few pages
#: always reach the reviewed version. More pages than this means the reply is not what we think.
_MAX_PAGES = 10
_USER_AGENT = "immuno-label-drift"


class ServiceError(Exception):
    """A service could not be read; the message is one line, fit to print as is."""


@dataclass(frozen=True, order=True)
class LabelVersion:
    """One published version of a label (DailyMed `spl_version` and `published_date`)."""

    published: dt.date
    version: int


@dataclass(frozen=True)
class RecentChanges:
    """openFDA's view of the current label: its effective date and recent major changes."""

    effective: str = ""
    changes: str = ""


def parse_published(text: str) -> dt.date:
    """DailyMed writes dates like "Sep 26, 2012" (month abbreviated) or "September 26, 2012"."""
    for form in ("%b %d, %Y", "%B %d, %Y"):
        try:
            return dt.datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    raise ValueError(f"unexpected date {text!r}")


def _get_json(url: str, timeout: float) -> Any:
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": _USER_AGENT}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            body = reply.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 429:
            wait = exc.headers.get("Retry-After", "") if exc.headers else ""
            after = f"; retry after {wait} s" if wait else ""
            raise ServiceError(f"rate limited (HTTP 429){after}") from None
        if exc.code == 404:
            raise ServiceError("not found (HTTP 404): is the set id right?") from None
        raise ServiceError(f"HTTP {exc.code} {exc.reason}") from None
    except TimeoutError:
        raise ServiceError(f"no answer within {timeout:g} s (timeout)") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise ServiceError(f"no answer within {timeout:g} s (timeout)") from None
        raise ServiceError(f"cannot connect: {reason}") from None
    except OSError as exc:
        raise ServiceError(f"connection failed: {exc}") from None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ServiceError("the reply is not JSON (malformed body)") from None


def history(base: str, setid: str, timeout: float) -> list[LabelVersion]:
    """Every published version of the label with this set id, newest first."""
    out: list[LabelVersion] = []
    quoted = urllib.parse.quote(setid, safe="")
    for page in range(1, _MAX_PAGES + 1):
        url = f"{base.rstrip('/')}/spls/{quoted}/history.json?pagesize=100&page={page}"
        data = _get_json(url, timeout)
        rows = data.get("data") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise ServiceError("the reply has no 'data' list of versions (unexpected shape)")
        for row in rows:
            out.append(_version(row))
        metadata = data.get("metadata") if isinstance(data, dict) else None
        total_pages = metadata.get("total_pages") if isinstance(metadata, dict) else None
        if not rows or not isinstance(total_pages, int) or page >= total_pages:
            break
    return sorted(out, reverse=True)


def _version(row: Any) -> LabelVersion:
    try:
        return LabelVersion(parse_published(row["published_date"]), int(row["spl_version"]))
    except (TypeError, KeyError, ValueError) as exc:
        raise ServiceError(f"a version row is not as documented ({exc})") from None


def recent_changes(base: str, setid: str, timeout: float) -> RecentChanges:
    """The current label's effective date and "Recent Major Changes" as openFDA has them."""
    search = urllib.parse.quote(f'set_id:"{setid}"', safe=":")
    data = _get_json(f"{base.rstrip('/')}/drug/label.json?search={search}&limit=1", timeout)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise ServiceError("the openFDA reply has no label result (unexpected shape)")
    label = results[0]
    changes = label.get("recent_major_changes") or []
    return RecentChanges(
        effective=str(label.get("effective_time", "")),
        changes=" ".join(str(c) for c in changes) if isinstance(changes, list) else str(changes),
    )
