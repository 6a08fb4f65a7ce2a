"""What a contributor sees when an edit is wrong: one parse error instead of hundreds, a tab
named as a tab, a drug not pinned to its label, GitHub annotations that survive any message."""

from __future__ import annotations

from pathlib import Path

from bot.annotations import Annotation, capped
from bot.cli import main
from tests.test_validate import CLASS, DRUG, problems, write

#: A class file whose second entry is linked from many drugs: one slip must not cost 40 errors.
MANY_DRUGS = "drugs:\n" + "".join(
    DRUG.replace("drugs:\n", "")
    .replace("testumab", f"testumab{i}")
    .replace("test-class", "linked-class")
    for i in range(5)
)
LINKED = CLASS.replace("test-class", "linked-class").replace("Test class", "Linked class")


def test_an_indentation_slip_reports_its_parse_error_alone(tmp_path: Path) -> None:
    write(tmp_path, "drugs.yaml", MANY_DRUGS)
    write(tmp_path, "classes.yaml", LINKED.replace("    name: Linked", "   name: Linked"))
    assert problems(tmp_path) == [
        "classes.yaml:3:4: error: invalid YAML: while parsing a block collection "
        "did not find expected '-' indicator"
    ]


def test_links_into_other_files_are_still_checked(tmp_path: Path) -> None:
    """Only links to the kinds the broken file holds wait for it to parse."""
    write(tmp_path, "drugs.yaml", MANY_DRUGS.replace("[linked-class]", "[nope]", 1))
    write(tmp_path, "classes.yaml", LINKED)
    write(tmp_path, "cancers.yaml", "cancers:\n  - id: x\n   name: slip\n")
    assert problems(tmp_path) == [
        "cancers.yaml:3:4: error: invalid YAML: while parsing a block collection "
        "did not find expected '-' indicator",
        "drugs.yaml:4:15: error: links to unknown class id 'nope'",
    ]


def test_a_tab_says_tab(tmp_path: Path) -> None:
    write(tmp_path, "drugs.yaml", MANY_DRUGS)
    write(tmp_path, "classes.yaml", LINKED.replace("    name: Linked", "\tname: Linked"))
    assert problems(tmp_path) == [
        "classes.yaml:3:1: error: a tab character: YAML indents with spaces only; "
        "replace the tab with spaces"
    ]


def test_a_drug_without_a_set_id_is_not_pinned(tmp_path: Path) -> None:
    unpinned = DRUG.split("    label:")[0]
    write(tmp_path, "a.yaml", unpinned)
    write(tmp_path, "b.yaml", CLASS)
    assert problems(tmp_path) == [
        "a.yaml:2:9: warning: drug 'testumab' is not pinned to its label: add label.setids "
        "(the DailyMed set id, verified from the label) so `python -m bot drift` watches it"
    ]


def test_a_malformed_set_id_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", DRUG.replace("9aa7140c-012c", "9AA7140C-012c"))
    write(tmp_path, "b.yaml", CLASS)
    found = problems(tmp_path)
    assert found == [
        "a.yaml:11:16: error: set id '9AA7140C-012c-4ea6-866d-4732e915dab6' is not a DailyMed "
        "set id (a lower-case UUID, as in drugInfo.cfm?setid=…)"
    ]


def test_reviewed_by_is_checked_and_shown_on_the_card(tmp_path: Path) -> None:
    from bot import render
    from bot.loading import load_knowledge

    reviewed = DRUG.replace(
        "    last_reviewed: 2026-01-01\n",
        "    last_reviewed: 2026-01-01\n    reviewed_by: oncology pharmacist <@U1>\n",
    )
    write(tmp_path, "a.yaml", reviewed)
    write(tmp_path, "b.yaml", CLASS)
    result = load_knowledge(tmp_path, with_version=False)
    assert [p.message for p in result.problems] == [
        "text contains Slack markup '<@': Slack would turn it into a ping or a link; "
        "write it without angle brackets"
    ]
    write(tmp_path, "a.yaml", reviewed.replace(" <@U1>", ""))
    result = load_knowledge(tmp_path, with_version=False)
    assert result.problems == [] and result.knowledge is not None
    entry = result.knowledge.entries["testumab"]
    footer = render.card(entry, result.knowledge).blocks[-1]["elements"][1]["text"]
    assert footer.startswith("Reviewed 2026-01-01 by oncology pharmacist · ")


def test_annotations_escape_data_and_properties() -> None:
    note = Annotation("error", "100% wrong\r\nsecond line", "dir,x/a:b.yaml", 3, 5, "t:1,2")
    assert note.command() == (
        "::error file=dir%2Cx/a%3Ab.yaml,line=3,col=5,title=t%3A1%2C2"
        "::100%25 wrong%0D%0Asecond line"
    )


def test_annotations_keep_to_ten_per_step_errors_first() -> None:
    warnings = [Annotation("warning", f"w{i}", "a.yaml", i) for i in range(12)]
    errors = [Annotation("error", f"e{i}", "b.yaml", i) for i in range(1, 3)]
    lines = capped(warnings + errors)
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 10
    assert commands[:2] == ["::error file=b.yaml,line=1::e1", "::error file=b.yaml,line=2::e2"]
    assert commands[-1] == (
        "::warning::5 more problem(s) not annotated (0 error(s)); GitHub shows 10 per step: "
        "see the job log or run the command locally"
    )
    assert lines[10:] == [f"a.yaml:{i}:0: warning: w{i}" for i in range(7, 12)]


def test_validate_github_output_is_capped(tmp_path: Path, capsys) -> None:
    unpinned = DRUG.split("    label:")[0]
    many = "drugs:\n" + "".join(
        unpinned.replace("drugs:\n", "").replace("testumab", f"testumab{i}") for i in range(12)
    )
    write(tmp_path, "a.yaml", many)
    write(tmp_path, "b.yaml", CLASS)
    assert main(["validate", str(tmp_path), "--github"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("::") for line in out) == 10
    assert out[9].startswith("::warning::3 more problem(s) not annotated")


def test_every_pinned_set_id_says_where_it_was_verified(knowledge) -> None:
    """A set id is only written after checking it against a copy of the label: the record of
    that check lives in knowledge/LABEL-PINS.md, one line per set id."""
    record = (Path(__file__).resolve().parent.parent / "knowledge" / "LABEL-PINS.md").read_text()
    pinned = [(d.id, s) for d in knowledge.drugs if d.label for s in d.label.setids]
    assert len(pinned) >= 30
    assert [(i, s) for i, s in pinned if f"`{s}`" not in record] == []
