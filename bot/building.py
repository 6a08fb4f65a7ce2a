"""Builders: typed entries (TherapyClass, Drug, SideEffect, Cancer) from their raw YAML mappings.

Kept apart from bot/knowledge.py so the types and the Knowledge graph read on their own; loading
(bot/loading.py) and concepts (bot/concepts.py) are the callers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.knowledge import (
    Biomarker,
    Cancer,
    Drug,
    GradeText,
    Indication,
    Kind,
    Label,
    SideEffect,
    Source,
    TherapyClass,
)
from bot.measures import criteria_from, findings_from


def common_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The fields every entry has, from its raw YAML mapping."""
    return {
        "id": raw["id"],
        "name": raw["name"],
        "summary": raw["summary"],
        "sources": tuple(Source(s["title"], s["url"]) for s in raw.get("sources", ())),
        "last_reviewed": str(raw["last_reviewed"]),
        "aliases": tuple(raw.get("aliases", ())),
        "reviewed_by": raw.get("reviewed_by", ""),
    }


def _grade_texts(items: Iterable[Mapping[str, Any]]) -> tuple[GradeText, ...]:
    return tuple(GradeText(str(i["grade"]), i["text"]) for i in items)


def therapy_class_from(raw: Mapping[str, Any]) -> TherapyClass:
    return TherapyClass(
        **common_fields(raw),
        parent=raw.get("parent"),
        mechanism=raw.get("mechanism", ""),
        administration=raw.get("administration", ""),
        hallmark_toxicities=tuple(raw.get("hallmark_toxicities", ())),
        response_biomarkers=tuple(raw.get("response_biomarkers", ())),
        resistance=raw.get("resistance", ""),
        combinations=raw.get("combinations", ""),
    )


def drug_from(raw: Mapping[str, Any]) -> Drug:
    return Drug(
        **common_fields(raw),
        classes=tuple(raw.get("classes", ())),
        brands=tuple(raw.get("brands", ())),
        target=raw.get("target", ""),
        mechanism=raw.get("mechanism", ""),
        administration=raw.get("administration", ""),
        first_approval_year=raw.get("first_approval_year"),
        status=raw.get("status", ""),
        indications=tuple(
            Indication(i["cancer"], i.get("note", "")) for i in raw.get("indications", ())
        ),
        common_side_effects=tuple(raw.get("common_side_effects", ())),
        serious_side_effects=tuple(raw.get("serious_side_effects", ())),
        other_side_effects=tuple(raw.get("other_side_effects", ())),
        boxed_warning=raw.get("boxed_warning", ""),
        monitoring=tuple(raw.get("monitoring", ())),
        label=label_from(raw.get("label")),
    )


def label_from(raw: Mapping[str, Any] | None) -> Label | None:
    if not raw:
        return None
    return Label(
        setids=tuple(raw.get("setids", ())),
        rxcui=raw.get("rxcui", ""),
        nci_code=raw.get("nci_code", ""),
        version=raw.get("version"),
        published=raw.get("published", ""),
    )


def side_effect_from(raw: Mapping[str, Any]) -> SideEffect:
    grading = raw.get("grading") or {}
    return SideEffect(
        **common_fields(raw),
        organ_system=raw.get("organ_system", ""),
        caused_by=tuple(raw.get("caused_by", ())),
        onset=raw.get("onset", ""),
        symptoms=tuple(raw.get("symptoms", ())),
        grading_scale=grading.get("scale", ""),
        grades=_grade_texts(grading.get("grades", ())),
        management=_grade_texts(raw.get("management", ())),
        escalate=raw.get("escalate", ""),
        findings=findings_from(raw.get("findings", ())),
        criteria=criteria_from(grading.get("criteria", ())),
    )


def cancer_from(raw: Mapping[str, Any]) -> Cancer:
    return Cancer(
        **common_fields(raw),
        biomarkers=tuple(
            Biomarker(b["name"], b.get("note", "")) for b in raw.get("biomarkers", ())
        ),
    )


BUILDERS = {
    Kind.CLASS: therapy_class_from,
    Kind.DRUG: drug_from,
    Kind.SIDE_EFFECT: side_effect_from,
    Kind.CANCER: cancer_from,
}
