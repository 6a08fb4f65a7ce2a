"""The knowledge base as immutable typed objects: TherapyClass, Drug, SideEffect, Cancer.

Everything the bot says comes from here. Objects are frozen so that a reload can build a new
Knowledge beside the old one and swap it in with one assignment: readers never see half a file.
Links are stored one way in the YAML (a drug names its classes, cancers and side effects); the
reverse views (a class's drugs, a cancer's therapies) are derived here, never written twice.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.concepts import OutsideDrug

from bot.measures import Criterion, Finding, Lab


class Kind(StrEnum):
    """The kinds of entry, with the words users type for each."""

    CLASS = "class"
    DRUG = "drug"
    SIDE_EFFECT = "side-effect"
    CANCER = "cancer"
    CONCEPT = "concept"

    @property
    def plural(self) -> str:
        return {
            "class": "classes",
            "drug": "drugs",
            "side-effect": "side effects",
            "cancer": "cancers",
            "concept": "concepts",
        }[self.value]

    @property
    def yaml_key(self) -> str:
        return {
            "class": "classes",
            "drug": "drugs",
            "side-effect": "side_effects",
            "cancer": "cancers",
            "concept": "concepts",
        }[self.value]


#: The YAML list of drugs that are not immunotherapy (see OutsideDrug): not a Kind, because
#: they are never an answer, a listing or a count; only a name the bot must not mistake.
OUTSIDE_KEY = "outside_scope"


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class GradeText:
    """Text for one grade (or range of grades) of a side effect: its criteria or its management."""

    grade: str
    text: str

    @property
    def label(self) -> str:
        if self.grade == "all":
            return "All grades"
        return f"Grade {self.grade.replace('-', '–')}"


@dataclass(frozen=True)
class Indication:
    cancer: str
    note: str = ""


@dataclass(frozen=True)
class Biomarker:
    name: str
    note: str = ""


@dataclass(frozen=True)
class Label:
    """Which US label a drug entry was checked against: what `python -m bot drift` watches."""

    setids: tuple[str, ...]
    rxcui: str = ""
    nci_code: str = ""
    version: int | None = None
    published: str = ""


@dataclass(frozen=True)
class Entry:
    """Fields every entry has. `kind` is fixed per subclass."""

    id: str
    name: str
    summary: str
    sources: tuple[Source, ...]
    last_reviewed: str
    aliases: tuple[str, ...] = ()
    reviewed_by: str = ""

    kind: Kind = field(init=False, default=Kind.DRUG)

    @property
    def title(self) -> str:
        """The heading users see."""
        return self.name

    @property
    def names(self) -> tuple[str, ...]:
        """Every name this entry answers to exactly."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class TherapyClass(Entry):
    parent: str | None = None
    mechanism: str = ""
    administration: str = ""
    hallmark_toxicities: tuple[str, ...] = ()
    response_biomarkers: tuple[str, ...] = ()
    resistance: str = ""
    combinations: str = ""
    kind: Kind = field(init=False, default=Kind.CLASS)


#: A boxed-warning statement that says there is none ("None", "None. The earlier …"): what it
#: matches is the "None", what follows is the warning's history.
NO_BOXED_WARNING_RE = re.compile(r"none\s*(?:$|[.;:,])", re.I)


@dataclass(frozen=True)
class Drug(Entry):
    classes: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    target: str = ""
    mechanism: str = ""
    administration: str = ""
    first_approval_year: int | None = None
    status: str = ""
    indications: tuple[Indication, ...] = ()
    common_side_effects: tuple[str, ...] = ()
    serious_side_effects: tuple[str, ...] = ()
    other_side_effects: tuple[str, ...] = ()
    boxed_warning: str = ""
    monitoring: tuple[str, ...] = ()
    label: Label | None = None
    kind: Kind = field(init=False, default=Kind.DRUG)

    @property
    def without_boxed_warning(self) -> bool:
        """Whether the statement says the current label has none: "None", or "None." followed
        by its history ("None. The earlier boxed warning … was removed in June 2020"), as the
        schema lets a contributor write it. Any other statement is the warning itself."""
        return NO_BOXED_WARNING_RE.match(self.boxed_warning.strip()) is not None

    @property
    def title(self) -> str:
        """Drugs are headed "Generic (Brand, Brand)", as clinicians write them."""
        name = self.name[:1].upper() + self.name[1:]
        if self.brands:
            return f"{name} ({', '.join(self.brands)})"
        return name

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.brands, *self.aliases)

    @property
    def side_effects(self) -> tuple[str, ...]:
        seen = dict.fromkeys((*self.serious_side_effects, *self.common_side_effects))
        return tuple(seen)


@dataclass(frozen=True)
class SideEffect(Entry):
    organ_system: str = ""
    caused_by: tuple[str, ...] = ()
    onset: str = ""
    symptoms: tuple[str, ...] = ()
    grading_scale: str = ""
    grades: tuple[GradeText, ...] = ()
    management: tuple[GradeText, ...] = ()
    escalate: str = ""
    findings: tuple[Finding, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    kind: Kind = field(init=False, default=Kind.SIDE_EFFECT)


@dataclass(frozen=True)
class Cancer(Entry):
    biomarkers: tuple[Biomarker, ...] = ()
    kind: Kind = field(init=False, default=Kind.CANCER)


@dataclass(frozen=True)
class KnowledgeInfo:
    """Where a Knowledge came from, for `/immuno about`."""

    files: tuple[str, ...] = ()
    version: str = ""
    content_hash: str = ""
    loaded_at: str = ""


class Knowledge:
    """All entries by id, with the derived reverse links. Treat as immutable once built."""

    def __init__(
        self,
        entries: Iterable[Entry],
        info: KnowledgeInfo | None = None,
        outside: Iterable[OutsideDrug] = (),
        labs: Iterable[Lab] = (),
    ) -> None:
        self.entries: dict[str, Entry] = {e.id: e for e in entries}
        self.info = info or KnowledgeInfo()
        self.outside: dict[str, OutsideDrug] = {o.id: o for o in outside}
        self.labs: dict[str, Lab] = {lab.id: lab for lab in labs}

    def get(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def of_kind(self, kind: Kind) -> list[Entry]:
        return list(self._kinds[kind])

    def names_of(self, ids: Iterable[str]) -> list[str]:
        return [self.entries[i].name for i in ids if i in self.entries]

    @cached_property
    def counts(self) -> dict[Kind, int]:
        counts = dict.fromkeys(Kind, 0)
        for entry in self.entries.values():
            counts[entry.kind] += 1
        return counts

    @cached_property
    def newest_review(self) -> str:
        return max((e.last_reviewed for e in self.entries.values()), default="")

    @cached_property
    def _subclasses(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for entry in self.of_kind(Kind.CLASS):
            parent = getattr(entry, "parent", None)
            if parent:
                children.setdefault(parent, []).append(entry.id)
        return children

    def subclasses(self, class_id: str) -> list[str]:
        return list(self._subclasses.get(class_id, ()))

    def class_with_descendants(self, class_id: str) -> set[str]:
        out, todo = set(), [class_id]
        while todo:
            current = todo.pop()
            if current not in out:
                out.add(current)
                todo.extend(self._subclasses.get(current, ()))
        return out

    def drugs_in_class(self, class_id: str) -> list[Drug]:
        """Member drugs, subclasses included (a PD-1 inhibitor is a checkpoint inhibitor)."""
        return list(self._members.get(class_id, ()))

    @cached_property
    def _members(self) -> dict[str, list[Drug]]:
        members: dict[str, list[Drug]] = {}
        for drug in self.drugs:
            seen: set[str] = set()
            for class_id in drug.classes:
                for ancestor in self.class_lineage(class_id):
                    if ancestor not in seen:
                        seen.add(ancestor)
                        members.setdefault(ancestor, []).append(drug)
        return members

    def class_lineage(self, class_id: str) -> list[str]:
        """The class and its parents, nearest first."""
        out: list[str] = []
        current: str | None = class_id
        while current and current not in out and current in self.entries:
            out.append(current)
            current = getattr(self.entries[current], "parent", None)
        return out

    @cached_property
    def drugs(self) -> list[Drug]:
        return [e for e in self.entries.values() if isinstance(e, Drug)]

    def drugs_for_cancer(self, cancer_id: str) -> list[tuple[Drug, Indication]]:
        return list(self._by_cancer.get(cancer_id, ()))

    @cached_property
    def _by_cancer(self) -> dict[str, list[tuple[Drug, Indication]]]:
        out: dict[str, list[tuple[Drug, Indication]]] = {}
        for drug in self.drugs:
            for indication in drug.indications:
                out.setdefault(indication.cancer, []).append((drug, indication))
        return out

    def drugs_causing(self, side_effect_id: str) -> list[Drug]:
        return list(self._by_side_effect.get(side_effect_id, ()))

    @cached_property
    def _by_side_effect(self) -> dict[str, list[Drug]]:
        out: dict[str, list[Drug]] = {}
        for drug in self.drugs:
            for effect_id in drug.side_effects:
                out.setdefault(effect_id, []).append(drug)
        return out

    @cached_property
    def side_effects_by_class(self) -> dict[str, list[str]]:
        """Side-effect ids by the class ids that cause them (the reverse of caused_by)."""
        out: dict[str, list[str]] = {}
        for entry in self.of_kind(Kind.SIDE_EFFECT):
            for class_id in getattr(entry, "caused_by", ()):
                out.setdefault(class_id, []).append(entry.id)
        return out

    @cached_property
    def _kinds(self) -> dict[Kind, list[Entry]]:
        out: dict[Kind, list[Entry]] = {kind: [] for kind in Kind}
        for entry in self.entries.values():
            out[entry.kind].append(entry)
        return out

    @cached_property
    def class_targets(self) -> dict[str, str]:
        """A class's target when all its member drugs share one (used to answer "PD-L1")."""
        out: dict[str, str] = {}
        for entry in self.of_kind(Kind.CLASS):
            targets = {d.target for d in self.drugs_in_class(entry.id) if d.target}
            if len(targets) == 1:
                out[entry.id] = targets.pop()
        return out


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building long-lived data (reference counting
    still frees what is dropped); it is restored as it was, even on an error."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
