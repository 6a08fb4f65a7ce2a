"""DailyMed links: which drug entry a label link points at, and the card it unfurls into.

A link is matched only when it names exactly one drug the knowledge holds (by the label's set id,
or by a drug name in a search link's query); anything less certain unfurls into nothing, since a
wrong drug card under a label link is worse than none. The card says when the entry was reviewed
and, when a drift check has run (`python -m bot drift` leaves its result in a state file), whether
the label changed after that review.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.knowledge import Drug
from bot.render import ACTION_SECTION, DISCLAIMER, Message
from bot.resolve import Index

DAILYMED_HOSTS = frozenset({"dailymed.nlm.nih.gov", "www.dailymed.nlm.nih.gov"})
_SETID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
#: Query parameters of DailyMed pages that carry a drug name (search pages, the services).
_NAME_PARAMS = ("query", "drug_name", "drugname", "name")


@dataclass(frozen=True)
class DriftCheck:
    """The last label-drift check: when it ran and which entries had a newer label."""

    checked_at: str
    drifted: frozenset[str]


def read_drift(path: Path | None) -> DriftCheck | None:
    """The drift state file, when a check has run; None when absent or unreadable."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DriftCheck(str(data["checked_at"]), frozenset(str(i) for i in data["drifted"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def setid_of(url: str) -> str:
    """The DailyMed set id in a link (query parameter or path), lower-cased, or ""."""
    parsed = urlparse(url)
    for key, values in parse_qs(parsed.query).items():
        if key.lower() == "setid" and values and _SETID_RE.fullmatch(values[0].strip()):
            return values[0].strip().lower()
    found = _SETID_RE.search(unquote(parsed.path))
    return found.group(0).lower() if found else ""


def names_in(url: str) -> list[str]:
    """Drug names a DailyMed link carries in its query (search pages)."""
    params = parse_qs(urlparse(url).query)
    return [v for key, values in params.items() if key.lower() in _NAME_PARAMS for v in values]


def is_dailymed(url: str) -> bool:
    return (urlparse(url).hostname or "").lower() in DAILYMED_HOSTS


def drug_for_link(url: str, index: Index) -> Drug | None:
    """The one drug entry a DailyMed link is about, or None when it is not certain."""
    if not is_dailymed(url):
        return None
    found: list[Drug] = []
    for name in names_in(url):
        for entry in index.entries_named(name, fuzzy=False):
            if isinstance(entry, Drug) and entry not in found:
                found.append(entry)
    return found[0] if len(found) == 1 else None


def drift_line(drug: Drug, check: DriftCheck | None) -> str:
    if check is None:
        return ""
    if drug.id in check.drifted:
        return (
            f":warning: *The label has a version published after this review* "
            f"(label check {escape(check.checked_at)}): check the label itself."
        )
    return f"No newer label version at the last check ({escape(check.checked_at)})."


def unfurl_card(drug: Drug, check: DriftCheck | None) -> Message:
    """The compact card a DailyMed link unfurls into: what the drug is, when it was reviewed,
    and whether its label changed since."""
    out: list[Block] = [
        bk.section(f"*{escape(drug.title)}* — immuno\n{escape(bk.cut(drug.summary, 400))}"),
        bk.context([f"Reviewed {drug.last_reviewed}", drift_line(drug, check), f"_{DISCLAIMER}_"]),
        bk.actions(
            [bk.button("Open in immuno", ACTION_SECTION, f"{drug.id}|overview")],
            block_id=f"immuno.unfurl.{drug.id}",
        ),
    ]
    text = f"{drug.title}: reviewed {drug.last_reviewed}"
    return Message(text=text, blocks=out, ephemeral=False, entry_id=drug.id)
