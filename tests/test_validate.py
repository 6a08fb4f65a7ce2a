"""Every validation rule: a broken file in, the exact file:line:column and message out."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from bot.cli import main
from bot.loading import load_knowledge

TODAY = dt.date(2026, 11, 29)

DRUG = """\
drugs:
  - id: testumab
    name: testumab
    classes: [test-class]
    summary: A test drug.
    sources:
      - title: Label
        url: https://example.org/label
    last_reviewed: 2026-01-01
    label:
      setids: [9aa7140c-012c-4ea6-866d-4732e915dab6]
"""
CLASS = """\
classes:
  - id: test-class
    name: Test class
    summary: A test class.
    sources:
      - title: NCI
        url: https://example.org/nci
    last_reviewed: 2026-01-01
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(folder: Path, today: dt.date = TODAY) -> list[str]:
    result = load_knowledge(folder, today, with_version=False)
    return [
        f"{Path(p.file).name}:{p.line}:{p.column}: {p.severity}: {p.message}"
        for p in result.problems
    ]


def test_a_valid_pair_of_files_loads(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", DRUG)
    write(tmp_path, "b.yaml", CLASS)
    result = load_knowledge(tmp_path, TODAY, with_version=False)
    assert result.problems == []
    assert result.knowledge is not None
    assert [d.id for d in result.knowledge.drugs_in_class("test-class")] == ["testumab"]


def test_schema_violation_points_at_the_field(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        DRUG.replace(
            "    classes: [test-class]\n", "    classes: [test-class]\n    colour: blue\n"
        ),
    )
    write(tmp_path, "b.yaml", CLASS)
    assert problems(tmp_path) == ["a.yaml:5:5: error: unknown field ('colour' was unexpected)"]


def test_missing_required_field(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", DRUG.replace("    summary: A test drug.\n", ""))
    write(tmp_path, "b.yaml", CLASS)
    assert problems(tmp_path) == ["a.yaml:2:5: error: drugs.0: 'summary' is a required property"]


def test_entry_with_no_source(tmp_path: Path) -> None:
    text = DRUG.replace(
        "    sources:\n      - title: Label\n        url: https://example.org/label\n",
        "    sources: []\n",
    )
    write(tmp_path, "a.yaml", text)
    write(tmp_path, "b.yaml", CLASS)
    assert problems(tmp_path) == [
        "a.yaml:6:5: error: entry has no source: add at least one (title + https URL)"
    ]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", CLASS)
    write(tmp_path, "b.yaml", CLASS.replace("name: Test class", "name: Other class"))
    assert problems(tmp_path) == [
        f"b.yaml:2:9: error: duplicate id 'test-class' (first defined at "
        f"{_rel(tmp_path / 'a.yaml')}:2)"
    ]


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def test_alias_claimed_by_two_entries(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", DRUG.replace("    classes:", "    aliases: [TEST-1]\n    classes:"))
    write(tmp_path, "b.yaml", CLASS.replace("    summary:", "    aliases: [test 1]\n    summary:"))
    assert problems(tmp_path) == [
        "b.yaml:4:15: error: 'test 1' is already a name of drug 'testumab' (as 'TEST-1'); a "
        "name or alias may lead to one entry only"
    ]


def test_link_to_an_id_that_does_not_exist(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", DRUG.replace("classes: [test-class]", "classes: [test-clas]"))
    write(tmp_path, "b.yaml", CLASS)
    assert problems(tmp_path) == [
        "a.yaml:4:15: error: links to unknown class id 'test-clas' (did you mean 'test-class'?)"
    ]


def test_non_https_source(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", DRUG.replace("https://example.org/label", "http://example.org/label"))
    write(tmp_path, "b.yaml", CLASS)
    assert problems(tmp_path) == [
        "a.yaml:8:14: error: source URL 'http://example.org/label' must be an https:// address"
    ]


def test_last_reviewed_in_the_future(tmp_path: Path) -> None:
    write(
        tmp_path, "a.yaml", DRUG.replace("last_reviewed: 2026-01-01", "last_reviewed: 2027-01-01")
    )
    write(tmp_path, "b.yaml", CLASS)
    assert problems(tmp_path) == ["a.yaml:9:20: error: last_reviewed 2027-01-01 is in the future"]


def test_stale_review_is_a_warning_not_an_error(tmp_path: Path) -> None:
    write(
        tmp_path, "a.yaml", DRUG.replace("last_reviewed: 2026-01-01", "last_reviewed: 2024-01-01")
    )
    write(tmp_path, "b.yaml", CLASS)
    result = load_knowledge(tmp_path, TODAY, with_version=False)
    assert result.knowledge is not None
    assert [str(p).split(": ", 1)[1] for p in result.warnings] == [
        "warning: 'testumab' was last reviewed on 2024-01-01, over 18 months ago: please "
        "re-check it"
    ]


@pytest.mark.parametrize(
    "markup", ["<!channel>", "<@U123ABC>", "<https://evil.example|here>", "<#C123>"]
)
def test_slack_markup_in_text(tmp_path: Path, markup: str) -> None:
    write(tmp_path, "a.yaml", DRUG.replace("A test drug.", f"'A test drug {markup}.'"))
    write(tmp_path, "b.yaml", CLASS)
    found = problems(tmp_path)
    assert len(found) == 1
    assert found[0].startswith("a.yaml:5:14: error: text contains Slack markup")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    broken = (
        DRUG.replace("https://example.org/label", "http://example.org/label")
        .replace("classes: [test-class]", "classes: [nope]")
        .replace("last_reviewed: 2026-01-01", "last_reviewed: 2030-01-01")
    )
    write(tmp_path, "a.yaml", broken)
    write(tmp_path, "b.yaml", CLASS)
    assert len(problems(tmp_path)) == 3


def test_invalid_yaml_reports_the_position(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "drugs:\n  - id: x\n    name: [unclosed\n")
    found = problems(tmp_path)
    assert len(found) == 1 and found[0].startswith("a.yaml:4:1: error: invalid YAML")


def test_yaml_anchors_and_python_tags_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "drugs: &all\n  - id: x\nclasses: *all\n")
    write(tmp_path, "b.yaml", "drugs: !!python/object/apply:os.system ['echo hi']\n")
    found = problems(tmp_path)
    assert found == [
        "a.yaml:1:8: error: YAML anchors (&all) are not allowed",
        "b.yaml:1:8: error: YAML tag 'tag:yaml.org,2002:python/object/apply:"
        "os.system' is not allowed",
    ]


def test_cli_exits_non_zero_and_prints_file_line(tmp_path: Path, capsys) -> None:
    write(tmp_path, "a.yaml", DRUG.replace("classes: [test-class]", "classes: [nope]"))
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "a.yaml:4:15: error: links to unknown class id 'nope'" in out
    assert main(["validate", str(tmp_path), "--github"]) == 1
    assert "::error file=" in capsys.readouterr().out


def test_shipped_knowledge_validates_clean_and_meets_the_content_list(knowledge) -> None:
    result = load_knowledge(
        Path(__file__).resolve().parent.parent / "knowledge", with_version=False
    )
    assert result.errors == []
    counts = {k.value: n for k, n in knowledge.counts.items()}
    assert counts["drug"] >= 35 and counts["side-effect"] >= 25 and counts["cancer"] >= 20
    required = [
        "pembrolizumab",
        "nivolumab",
        "cemiplimab",
        "dostarlimab",
        "toripalimab",
        "tislelizumab",
        "retifanlimab",
        "atezolizumab",
        "durvalumab",
        "avelumab",
        "ipilimumab",
        "tremelimumab",
        "nivolumab-relatlimab",
        "trastuzumab",
        "rituximab",
        "cetuximab",
        "panitumumab",
        "daratumumab",
        "obinutuzumab",
        "tisagenlecleucel",
        "axicabtagene-ciloleucel",
        "brexucabtagene-autoleucel",
        "lisocabtagene-maraleucel",
        "idecabtagene-vicleucel",
        "ciltacabtagene-autoleucel",
        "obecabtagene-autoleucel",
        "aldesleukin",
        "interferon-alfa-2b",
        "blinatumomab",
        "teclistamab",
        "talimogene-laherparepvec",
        "lifileucel",
        "sipuleucel-t",
        "bcg-intravesical",
        "melanoma",
        "nsclc",
        "renal-cell-carcinoma",
        "b-all",
        "dlbcl",
        "multiple-myeloma",
        "irae",
        "dermatitis",
        "colitis",
        "pneumonitis",
        "crs",
        "icans",
        "checkpoint-inhibitors",
        "pd-1-inhibitors",
        "ctla-4-inhibitors",
        "monoclonal-antibodies",
        "car-t-cell-therapy",
        "cytokine-therapy",
    ]
    assert [i for i in required if i not in knowledge.entries] == []
    for entry in knowledge.entries.values():
        assert entry.sources and entry.last_reviewed


def test_a_class_that_is_its_own_ancestor(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        CLASS.replace("    summary:", "    parent: other\n    summary:")
        + CLASS.replace("classes:\n", "")
        .replace("test-class", "other")
        .replace("Test class", "Other class")
        .replace("    summary:", "    parent: test-class\n    summary:"),
    )
    found = problems(tmp_path)
    assert "a.yaml:4:13: error: class 'test-class' is its own ancestor" in found
    assert "a.yaml:12:13: error: class 'other' is its own ancestor" in found


def test_an_alias_that_repeats_the_name_is_redundant(tmp_path: Path) -> None:
    write(
        tmp_path, "a.yaml", DRUG.replace("    classes:", "    aliases: [Testumabs]\n    classes:")
    )
    write(tmp_path, "b.yaml", CLASS)
    assert problems(tmp_path) == [
        "a.yaml:4:15: error: 'Testumabs' is redundant: it matches another name of this entry "
        "already (case, punctuation, plurals and British spellings are ignored)"
    ]
