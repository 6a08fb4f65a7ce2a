"""Answer what drugs are used for: a cancer's immunotherapies, a drug's indications, "is X used
in Y" and "A or B", each from the indication notes of the entries.

"pembro or nivo for melanoma" shows each drug's melanoma note side by side; a product whose status
says it is no longer marketed comes last in a cancer's list.
"""

from __future__ import annotations

import re

from bot.knowledge import Cancer, Drug, Knowledge, TherapyClass
from bot.read import Intent, Question
from bot.reply import Reply, agents_of
from bot.reply_facts import YES_NO_RE, drug_reply
from bot.reply_quotes import FIRST_BUDGET, name_stem, split_sentences

_GONE_RE = re.compile(r"\b(discontinued|withdrawn|no longer (marketed|available))\b", re.I)


def indications(question: Question, knowledge: Knowledge) -> Reply | None:
    """A cancer's immunotherapies, narrowed to the class or drug named; or a drug's uses."""
    cancers = [e for e in question.entries if isinstance(e, Cancer)]
    agents = agents_of(question)
    drugs = [a for a in agents if isinstance(a, Drug)]
    if cancers and drugs and YES_NO_RE.match(question.text):
        return _drug_in_cancer(drugs[0], cancers[0])
    if cancers:
        cancer = cancers[0]
        pairs = knowledge.drugs_for_cancer(cancer.id)
        drug_ids = {a.id for a in agents if isinstance(a, Drug)}
        drug_ids |= {d.id for group in question.targets for d in group.drugs}
        for agent in agents:
            if isinstance(agent, TherapyClass):
                drug_ids |= {d.id for d in knowledge.drugs_in_class(agent.id)}
        scoped = [a.name for a in agents] + [g.label for g in question.targets]
        narrowed = [(d, i) for d, i in pairs if d.id in drug_ids] if scoped else pairs
        # Products whose status says they are no longer marketed come last.
        narrowed = sorted(narrowed, key=lambda pair: bool(_GONE_RE.search(pair[0].status)))
        if scoped and not narrowed:
            names = " / ".join(scoped)
            first = f"The knowledge lists no {names} indication in {cancer.name}."
            lines = [first]
        else:
            lines = [f"{d.title}: {i.note}" if i.note else d.title for d, i in narrowed]
        head, rest = split_sentences("\n".join(lines), FIRST_BUDGET - 120)
        shown = head.count("\n") + 1
        others = list(dict.fromkeys(d.title.split(" (")[0] for d, _ in narrowed[shown:]))
        if others:  # every drug is named in the answer; the notes of the rest are below
            head += "\nAlso: " + ", ".join(others)
        buttons = tuple((d.name[:75], d.id, "overview") for d, _ in narrowed[:8])
        scope = f" ({' / '.join(scoped)})" if scoped else ""
        return Reply(
            cancer,
            Intent.INDICATIONS,
            f"{cancer.name}: immunotherapies{scope}",
            head,
            details=(("More", rest),) if rest else (),
            buttons=(("Full entry", cancer.id, "therapies"), *buttons),
            sources=cancer.sources,
            missing=bool(scoped) and not narrowed,
        )
    drugs = [a for a in agents if isinstance(a, Drug)]
    if drugs:
        drug = drugs[0]
        lines = [
            f"{knowledge.entries[i.cancer].name}: {i.note}"
            if i.note
            else knowledge.entries[i.cancer].name
            for i in drug.indications
            if i.cancer in knowledge.entries
        ]
        if not lines:
            lines = [f"The knowledge lists no indications for {drug.title}."]
        return drug_reply([drug], Intent.INDICATIONS, f"{drug.title}: approved for", lines)
    return None


def _drug_in_cancer(drug: Drug, cancer: Cancer) -> Reply:
    """ "Is pembro used in endometrial cancer?": yes with the label's note, or no."""
    notes = [i.note for i in drug.indications if i.cancer == cancer.id]
    # A biomarker of the cancer that names this drug ("MSI-H/dMMR or TMB-H: eligible for the
    # tissue-agnostic pembrolizumab indications"): not a flat no.
    stem = name_stem(drug)
    by_marker = [b for b in cancer.biomarkers if stem and stem in b.note.lower()]
    if notes:
        verdict = "Yes"
        lines = [f"Yes. {drug.title} in {cancer.name}: " + "; ".join(n for n in notes if n)]
    elif by_marker:
        verdict = "Only with a biomarker"
        lines = [
            f"Not for {cancer.name} as such: the knowledge lists no {cancer.name} indication for "
            f"{drug.title}, but " + "; ".join(f"{b.name}: {b.note}" for b in by_marker)
        ]
    else:
        verdict = "No"
        lines = [f"No: the knowledge lists no {cancer.name} indication for {drug.title}."]
    return drug_reply(
        [drug], Intent.INDICATIONS, f"{verdict} — {drug.name} in {cancer.name}", lines
    )


def choose(question: Question, knowledge: Knowledge) -> Reply:
    """ "A or B": both, side by side, for the cancer named if any."""
    pair = list(question.alternatives)
    cancer = next((e for e in question.entries if isinstance(e, Cancer)), None)
    lines = []
    for entry in pair:
        note = ""
        if cancer is not None and isinstance(entry, Drug):
            found = [i.note or "approved" for i in entry.indications if i.cancer == cancer.id]
            note = found[0] if found else f"no {cancer.name} indication in the knowledge"
        lines.append(f"{entry.title}: {note or split_sentences(entry.summary, 240)[0]}")
    head, rest = split_sentences("\n".join(lines))
    where = f" in {cancer.name}" if cancer else ""
    return Reply(
        pair[0],
        Intent.CHOOSE,
        f"{pair[0].name} or {pair[1].name}{where}",
        head,
        details=(("More", rest),) if rest else (),
        buttons=tuple((e.name[:75], e.id, "overview") for e in pair),
        sources=pair[0].sources,
        others=(pair[1],),
    )
