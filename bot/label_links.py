"""DailyMed links: which drug entry a label link points at, and the card it unfurls into.

A link is matched only when it names exactly one drug the knowledge holds (the drug pinned to
the link's set id, or the drug a search link's query names); anything less certain unfurls into
nothing, since a wrong drug card under a label link is worse than none. The card says when the
entry was reviewed (against which label version, when known) and, when a drift check has run
(`python -m bot drift` leaves its result in a state file), whether the label changed after that
review.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlparse

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.currency import DriftCheck
from bot.knowledge import Drug
from bot.render import ACTION_SECTION, DISCLAIMER, Message
from bot.resolve import Index

DAILYMED_HOSTS = frozenset({"dailymed.nlm.nih.gov", "www.dailymed.nlm.nih.gov"})
_SETID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
#: Query parameters of DailyMed pages that carry a drug name (search pages, the services).
_NAME_PARAMS = ("query", "drug_name", "drugname", "name")


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
    """The one drug entry a DailyMed link is about, or None when it is not certain: the drug
    pinned to the link's set id, else the drug a search link's query names."""
    if not is_dailymed(url):
        return None
    setid = setid_of(url)
    if setid:
        pinned = [d for d in index.knowledge.drugs if d.label and setid in _lower(d.label.setids)]
        return pinned[0] if len(pinned) == 1 else None
    found: list[Drug] = []
    for name in names_in(url):
        for entry in index.entries_named(name, fuzzy=False):
            if isinstance(entry, Drug) and entry not in found:
                found.append(entry)
    return found[0] if len(found) == 1 else None


def _lower(setids: tuple[str, ...]) -> set[str]:
    return {s.lower() for s in setids}


def reviewed_line(drug: Drug) -> str:
    """When the entry was reviewed, and against which label version when that is known."""
    label = drug.label
    against = ""
    if label is not None and (label.version or label.published):
        version = f" v{label.version}" if label.version else ""
        published = f" of {label.published}" if label.published else ""
        against = f" against label{version}{published}"
    return f"Reviewed {drug.last_reviewed}{escape(against)}"


def drift_line(drug: Drug, check: DriftCheck | None) -> str:
    """Whether the label changed after the review, as the last drift check found; nothing
    when no check has run."""
    if check is None:
        return ""
    if drug.label is None or not drug.label.setids:
        return "Not pinned to a label, so not checked for label changes."
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
