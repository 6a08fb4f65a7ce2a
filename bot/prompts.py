"""The opening of a new conversation: a greeting and suggested questions from the knowledge.

The entries are chosen by how much of the knowledge they touch (the side effects most drugs
cause, the drug and the cancer with the most approvals), so the suggestions follow the knowledge
file as it changes; only the question wording lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import blocks as bk
from bot.knowledge import Cancer, Kind, Knowledge, SideEffect
from bot.render import DISCLAIMER, Message

#: The title of a new conversation and of its suggested questions.
TITLE = "Cancer immunotherapy questions"
#: Slack shows a suggested prompt's title on a button: keep it short.
MAX_TITLE = 40


@dataclass(frozen=True)
class Prompt:
    title: str
    message: str


def _short(text: str) -> str:
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


def _side_effects(knowledge: Knowledge) -> list[SideEffect]:
    """Side effects with both grading and management, the ones most drugs cause first."""
    effects = [
        e
        for e in knowledge.of_kind(Kind.SIDE_EFFECT)
        if isinstance(e, SideEffect) and e.grades and e.management
    ]
    return sorted(effects, key=lambda e: (-len(knowledge.drugs_causing(e.id)), e.id))


def suggested(knowledge: Knowledge) -> list[Prompt]:
    """Three or four questions the knowledge answers well."""
    out: list[Prompt] = []
    effects = _side_effects(knowledge)
    if effects:
        name = effects[0].name
        out.append(Prompt(_short(f"Manage {name}"), f"Management of {name}"))
    if len(effects) > 1:
        name = effects[1].name
        out.append(Prompt(_short(f"Grade {name}"), f"Grading of {name}"))
    drugs = sorted(knowledge.drugs, key=lambda d: (-len(d.indications), d.id))
    if drugs:
        name = drugs[0].name
        out.append(Prompt(_short(f"Side effects of {name}"), f"Side effects of {name}"))
    cancers = [c for c in knowledge.of_kind(Kind.CANCER) if isinstance(c, Cancer)]
    cancers.sort(key=lambda c: (-len(knowledge.drugs_for_cancer(c.id)), c.id))
    if cancers:
        name = cancers[0].name
        out.append(Prompt(_short(f"Options for {name}"), f"Immunotherapy options for {name}"))
    return out[:4]


def greeting(knowledge: Knowledge) -> Message:
    """What the bot says first: what it knows, and that every answer comes from the file."""
    counts = ", ".join(f"{n} {k.plural}" for k, n in knowledge.counts.items())
    text = (
        f"Ask me about a cancer immunotherapy drug, side effect or cancer. I answer from a "
        f"curated, sourced knowledge file ({counts}; newest review "
        f"{knowledge.newest_review or '—'}), the same answers as `/immuno`."
    )
    return Message(
        text=text, blocks=[bk.section(text), bk.context([f"_{DISCLAIMER}_"])], ephemeral=False
    )
