"""The reply to a drug that is not immunotherapy: what it is, and that immuno does not cover it.

Better than a near-miss guess ("bevacizumab" is not a typo of any entry) and better than a bare
"no entry": the asker learns why there is no card, and where the knowledge does touch the drug
(the immunotherapy it is given with) as buttons.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.concepts import OutsideDrug
from bot.knowledge import Knowledge
from bot.render.message import ACTION_CHOOSE, DISCLAIMER, Message

#: A question rarely names more than a couple of such drugs; a paste of a regimen is cut here.
MAX_SHOWN = 3
_SCOPE = "Not a cancer immunotherapy, so immuno has no card for it."


def _drug_blocks(drug: OutsideDrug, knowledge: Knowledge) -> list[Block]:
    text = f"*{escape(drug.title)}*: {escape(drug.what)} {_SCOPE}"
    if drug.relation:
        text += f"\n{escape(drug.relation)}"
    out = [bk.section(text)]
    related = [knowledge.entries[i] for i in drug.related if i in knowledge.entries]
    if related:
        out.append(
            bk.actions(
                [bk.button(e.title, ACTION_CHOOSE, e.id) for e in related],
                block_id=f"immuno.outside.{drug.id}",
            )
        )
    sources = " · ".join(bk.link(s.url, s.title) for s in drug.sources[:2])
    out.append(bk.context([f"*Sources:* {sources}", f"Reviewed {drug.last_reviewed}"]))
    return out


def outside_scope(drugs: Sequence[OutsideDrug], knowledge: Knowledge) -> Message:
    """What each named drug is, that it is outside immunotherapy, and its related entries."""
    out: list[Block] = []
    for drug in drugs[:MAX_SHOWN]:
        out += _drug_blocks(drug, knowledge)
    out.append(bk.context([f"Type `/immuno list` for everything immuno covers. _{DISCLAIMER}_"]))
    text = " ".join(f"{d.title}: {d.what} {_SCOPE}" for d in drugs[:MAX_SHOWN])
    return Message(text=bk.cut(text, bk.MAX_FALLBACK_TEXT), blocks=out)


def outside_note(drugs: Sequence[OutsideDrug]) -> str:
    """One line under an entry's card for the other drugs a question names."""
    named = "; ".join(f"*{escape(d.title)}* is {escape(_lower_first(d.what))}" for d in drugs)
    return bk.cut(f"{named} Not immunotherapy: outside immuno's scope.", bk.MAX_SECTION)


def _lower_first(text: str) -> str:
    """ "A VEGF inhibitor." reads as "… is a VEGF inhibitor." (acronyms keep their case)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text
