"""Checks across entries: unique ids and names, links between entries, class parents, https
sources, review dates, label pins, and the lab vocabulary's use by side effects.

These need every file's entries at once (a name in one file may clash with one in another), so they
run after each document has been read and checked on its own (bot/validate.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from difflib import get_close_matches
from typing import Any

from bot import measure_checks, words
from bot.knowledge import Kind
from bot.validate import At, Located, Problem, display

STALE_AFTER_DAYS = 548  # 18 months: older reviews are flagged for a re-check

# Which field of which kind links to which kind of entry.
_LINKS: dict[Kind, dict[str, Kind]] = {
    Kind.CLASS: {"parent": Kind.CLASS, "hallmark_toxicities": Kind.SIDE_EFFECT},
    Kind.DRUG: {
        "classes": Kind.CLASS,
        "indications.cancer": Kind.CANCER,
        "common_side_effects": Kind.SIDE_EFFECT,
        "serious_side_effects": Kind.SIDE_EFFECT,
    },
    Kind.SIDE_EFFECT: {"caused_by": Kind.CLASS},
    Kind.CANCER: {},
    Kind.CONCEPT: {
        "related.drugs": Kind.DRUG,
        "related.classes": Kind.CLASS,
        "related.cancers": Kind.CANCER,
        "related.side_effects": Kind.SIDE_EFFECT,
    },
}


def _names(entry: Located) -> Iterator[tuple[At, str]]:
    raw = entry.raw
    if isinstance(raw.get("name"), str):
        yield ("name",), raw["name"]
    for field in ("brands", "aliases"):
        for i, value in enumerate(raw.get(field) or ()):
            if isinstance(value, str):
                yield (field, i), value


def _check_ids(entries: list[Located]) -> Iterator[Problem]:
    first: dict[str, Located] = {}
    for entry in entries:
        if not entry.id:
            continue
        if entry.id in first:
            other = first[entry.id]
            pos = other.doc.position((*other.at, "id"))
            yield entry.problem(
                ["id"],
                f"duplicate id {entry.id!r} (first defined at "
                f"{display(other.doc.path)}:{pos.line})",
            )
        else:
            first[entry.id] = entry


def _check_names(entries: list[Located]) -> Iterator[Problem]:
    """A name or alias may lead to one entry only, compared as the search index compares them."""
    owner: dict[str, tuple[Located, str]] = {}
    for entry in entries:
        mine: set[str] = set()
        for sub, text in _names(entry):
            key = words.key(text)
            if not key:
                yield entry.problem(sub, f"{text!r} has no letters or digits to match on")
                continue
            if key in mine:
                yield entry.problem(
                    sub,
                    f"{text!r} is redundant: it matches another name of "
                    "this entry already (case, punctuation, plurals and "
                    "British spellings are ignored)",
                )
                continue
            mine.add(key)
            if key in owner and owner[key][0].id != entry.id:
                other, other_text = owner[key]
                yield entry.problem(
                    sub,
                    f"{text!r} is already a name of {other.label} "
                    f"{other.id!r} (as {other_text!r}); a name or alias may "
                    "lead to one entry only",
                )
            else:
                owner.setdefault(key, (entry, text))


def _link_values(raw: dict[str, Any], field: str) -> Iterator[tuple[At, str]]:
    if field == "indications.cancer":
        for i, item in enumerate(raw.get("indications") or ()):
            if isinstance(item, dict) and isinstance(item.get("cancer"), str):
                yield ("indications", i, "cancer"), item["cancer"]
    elif field.startswith("related."):
        related = raw.get("related")
        key = field.removeprefix("related.")
        values = related.get(key) if isinstance(related, dict) else None
        for i, value in enumerate(values if isinstance(values, list) else ()):
            if isinstance(value, str):
                yield ("related", key, i), value
    elif isinstance(raw.get(field), str):
        yield (field,), raw[field]
    else:
        for i, value in enumerate(raw.get(field) or ()):
            if isinstance(value, str):
                yield (field, i), value


def _check_links(entries: list[Located], unchecked: frozenset[Kind]) -> Iterator[Problem]:
    """Links to unknown ids; links to a kind that an unparsable file may hold are not checked
    (the one parse error says what is wrong, not hundreds of links into that file)."""
    by_kind: dict[Kind, set[str]] = {kind: set() for kind in Kind}
    for entry in entries:
        if entry.kind is not None:
            by_kind[entry.kind].add(entry.id)
    if not unchecked:  # an outside drug's links may name any kind
        yield from _check_outside_links(entries, set().union(*by_kind.values()))
    for entry in entries:
        if entry.kind is None:
            continue
        for field, target_kind in _LINKS[entry.kind].items():
            for sub, value in _link_values(entry.raw, field):
                if value in by_kind[target_kind] or target_kind in unchecked:
                    continue
                hint = get_close_matches(value, sorted(by_kind[target_kind]), n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                yield entry.problem(
                    sub, f"links to unknown {target_kind.value} id {value!r}{suffix}"
                )


def _check_outside_links(entries: list[Located], known: set[str]) -> Iterator[Problem]:
    """An outside-scope drug's `related` ids may name any entry, but must name one."""
    for entry in entries:
        if entry.kind is not None:
            continue
        for sub, value in _link_values(entry.raw, "related"):
            if value not in known:
                hint = get_close_matches(value, sorted(known), n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                yield entry.problem(sub, f"links to unknown entry id {value!r}{suffix}")


def _check_parents(entries: list[Located]) -> Iterator[Problem]:
    parents = {e.id: e.raw.get("parent") for e in entries if e.kind is Kind.CLASS}
    for entry in entries:
        if entry.kind is not Kind.CLASS:
            continue
        seen, current = {entry.id}, parents.get(entry.id)
        while current:
            if current in seen:
                yield entry.problem(["parent"], f"class {entry.id!r} is its own ancestor")
                break
            seen.add(current)
            current = parents.get(current)


def _check_sources(entries: list[Located]) -> Iterator[Problem]:
    for entry in entries:
        for i, source in enumerate(entry.raw.get("sources") or ()):
            url = source.get("url") if isinstance(source, dict) else None
            if isinstance(url, str) and not re.match(r"^https://[^\s/]+\.[^\s/]+", url):
                yield entry.problem(
                    ["sources", i, "url"], f"source URL {url!r} must be an https:// address"
                )


def _check_dates(entries: list[Located], today: dt.date) -> Iterator[Problem]:
    for entry in entries:
        value = entry.raw.get("last_reviewed")
        try:
            reviewed = dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            continue  # the schema reports malformed dates
        if reviewed is None:
            continue
        if reviewed > today:
            yield entry.problem(["last_reviewed"], f"last_reviewed {value} is in the future")
        elif (today - reviewed).days > STALE_AFTER_DAYS:
            yield entry.problem(
                ["last_reviewed"],
                f"{entry.id!r} was last reviewed on {value}, "
                "over 18 months ago: please re-check it",
                "warning",
            )


def _check_pinned(entries: list[Located]) -> Iterator[Problem]:
    """A drug without a verified DailyMed set id cannot be watched for label changes."""
    for entry in entries:
        if entry.kind is not Kind.DRUG:
            continue
        label = entry.raw.get("label")
        if not (isinstance(label, dict) and label.get("setids")):
            yield entry.problem(
                ["id"],
                f"drug {entry.id!r} is not pinned to its label: add label.setids (the "
                "DailyMed set id, verified from the label) so `python -m bot drift` watches it",
                "warning",
            )


def entry_problems(
    entries: list[Located], today: dt.date, unchecked: frozenset[Kind] = frozenset()
) -> list[Problem]:
    """What is wrong across entries: ids, names, links (except into the `unchecked` kinds, held
    by a file that did not parse), parents, sources, review dates and label pins."""
    return [
        *_check_ids(entries),
        *_check_names(entries),
        *_check_links(entries, unchecked),
        *_check_parents(entries),
        *_check_sources(entries),
        *_check_dates(entries, today),
        *_check_pinned(entries),
    ]


def measure_problems(entries: list[Located], labs: list[Located]) -> list[Problem]:
    """What is wrong in the lab vocabulary, the side effects' findings and their criteria."""
    vocabulary = {lab.id: lab.raw for lab in labs}
    agents = {e.id for e in entries if e.kind in (Kind.CLASS, Kind.DRUG)}
    effects = [e for e in entries if e.kind is Kind.SIDE_EFFECT]
    return [
        *measure_checks.check_labs(labs),
        *measure_checks.check_findings(effects, vocabulary, agents),
        *measure_checks.check_criteria(effects, vocabulary),
    ]
