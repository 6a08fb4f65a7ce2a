"""`python -m bot drift` against recorded DailyMed/openFDA replies served on 127.0.0.1.

The history fixture has the shape of the example on DailyMed's web-services help page
(spls/{setid}/history.json: `data` rows of `spl_version` and `published_date`, three versions
published Sep 26 2012, Mar 12 2010 and Jun 30 2009). No test reaches the network.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from tests.test_validate import CLASS, DRUG, write

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dailymed"
SETID = "9aa7140c-012c-4ea6-866d-4732e915dab6"
HISTORY = (FIXTURES / "history-9aa7140c.json").read_bytes()
OPENFDA = (FIXTURES / "openfda-label-9aa7140c.json").read_bytes()


class Service:
    """A loopback HTTP server answering each path with a recorded reply (or never)."""

    def __init__(self) -> None:
        self.replies: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.release = threading.Event()
        self.hang: set[str] = set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path in service.hang:
                    service.release.wait(5)  # answers only when the test is over
                    return
                reply = service.replies.get(self.path) or service.replies.get(path)
                status, headers, body = reply or (404, {}, b"{}")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def history(self, status: int = 200, body: bytes = HISTORY, **headers: str) -> None:
        self.replies[f"/spls/{SETID}/history.json"] = (status, headers, body)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    running = Service()
    monkeypatch.setenv("IMMUNO_DAILYMED_URL", running.url)
    monkeypatch.setenv("IMMUNO_OPENFDA_URL", running.url)
    yield running
    running.close()


def knowledge(folder: Path, reviewed: str = "2011-01-01", label: str = "") -> Path:
    drug = DRUG.replace("last_reviewed: 2026-01-01", f"last_reviewed: {reviewed}")
    write(folder, "a.yaml", drug + label)
    write(folder, "b.yaml", CLASS)
    return folder


def drift(folder: Path, *extra: str) -> int:
    return main(["drift", "--path", str(folder), "--state", str(folder / "drift.json"), *extra])


def test_a_label_published_after_review_has_drifted(tmp_path: Path, service, capsys) -> None:
    service.history()
    assert drift(knowledge(tmp_path)) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["testumab", SETID, "reviewed", "2011-01-01", "v3", "(2012-09-26)"]
    assert out[-1] == "1 of 1 pinned label(s) changed after review"


def test_a_label_unchanged_since_review_is_current(tmp_path: Path, service, capsys) -> None:
    service.history()
    assert drift(knowledge(tmp_path, reviewed="2013-01-01")) == 0
    assert capsys.readouterr().out == "0 of 1 pinned label(s) changed after review\n"


def test_the_reviewed_version_is_the_baseline_when_set(tmp_path: Path, service, capsys) -> None:
    service.history()
    pinned = knowledge(tmp_path, reviewed="2013-01-01", label="      version: 2\n")
    assert drift(pinned, "--json") == 1
    [item] = json.loads(capsys.readouterr().out)
    assert item["newer"] == [{"version": 3, "published": "2012-09-26"}]
    assert item["pinned_version"] == 2


def test_json_lists_each_drifted_entry(tmp_path: Path, service, capsys) -> None:
    service.history()
    folder = knowledge(tmp_path, label="      published: '2010-03-12'\n")
    assert drift(folder, "--json") == 1
    assert json.loads(capsys.readouterr().out) == [
        {
            "id": "testumab",
            "setid": SETID,
            "reviewed": "2011-01-01",
            "label_published": "2012-09-26",
            "label_version": 3,
            "pinned_version": None,
            "pinned_published": "2010-03-12",
            "newer": [{"version": 3, "published": "2012-09-26"}],
            "file": str(folder / "a.yaml"),
            "line": 2,
        }
    ]


def test_openfda_adds_the_recent_major_changes(tmp_path: Path, service, capsys) -> None:
    service.history()
    service.replies["/drug/label.json"] = (200, {}, OPENFDA)
    assert drift(knowledge(tmp_path), "--json", "--openfda") == 1
    [item] = json.loads(capsys.readouterr().out)
    assert item["effective_time"] == "20120926"
    assert item["recent_major_changes"] == "Warnings and Precautions ( 5.1 ) 09/2012"


def test_github_annotation_sits_on_the_entry_line(tmp_path: Path, service, capsys) -> None:
    service.history()
    folder = knowledge(tmp_path)
    assert drift(folder, "--github") == 1
    assert capsys.readouterr().out == (
        f"::warning file={folder / 'a.yaml'},line=2,title=Label changed after review"
        f"::label drift: testumab ({SETID}) has newer DailyMed label version(s) than its "
        "reviewed 2011-01-01: v3 (2012-09-26); re-review the entry\n"
    )


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        ((404, {}, b'{"error": "not found"}'), "not found (HTTP 404): is the set id right?"),
        ((429, {"Retry-After": "120"}, b""), "rate limited (HTTP 429); retry after 120 s"),
        ((200, {}, b"<html>maintenance</html>"), "the reply is not JSON (malformed body)"),
        ((200, {}, b'{"data": [{"spl_version": 3}]}'), "a version row is not as documented"),
        ((500, {}, b""), "HTTP 500 Internal Server Error"),
    ],
)
def test_an_unreadable_service_exits_2_with_one_line(
    tmp_path: Path, service, capsys, reply: tuple[int, dict[str, str], bytes], says: str
) -> None:
    service.replies[f"/spls/{SETID}/history.json"] = reply
    assert drift(knowledge(tmp_path)) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "0 of 0 pinned label(s) changed after review"
    assert len(out) == 2 and out[1].startswith(f"cannot check testumab ({SETID}): DailyMed: {says}")


def test_a_service_that_never_answers_times_out(tmp_path: Path, service, capsys) -> None:
    service.hang.add(f"/spls/{SETID}/history.json")
    assert drift(knowledge(tmp_path), "--timeout", "0.05") == 2
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"cannot check testumab ({SETID}): DailyMed: no answer within 0.05 s (timeout)"
    )


def test_nothing_listening_is_a_clear_line(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("IMMUNO_DAILYMED_URL", "http://127.0.0.1:9")
    assert drift(knowledge(tmp_path)) == 2
    assert "DailyMed: cannot connect:" in capsys.readouterr().out


def test_the_check_is_recorded_for_the_bot(tmp_path: Path, service) -> None:
    service.history()
    folder = knowledge(tmp_path)
    drift(folder)
    state = json.loads((folder / "drift.json").read_text())
    assert {k: state[k] for k in ("checked", "unreadable", "drifted")} == {
        "checked": 1,
        "unreadable": 0,
        "drifted": ["testumab"],
    }


def test_markdown_is_an_issue_body_linking_each_label(tmp_path: Path, service, capsys) -> None:
    service.history()
    folder = knowledge(tmp_path)
    assert drift(folder, "--markdown") == 1
    body = capsys.readouterr().out.splitlines()
    assert body[0].startswith("1 drug entry has a US label version published after the review.")
    assert body[4] == (
        f"| `testumab` ({folder / 'a.yaml'}:2) | [{SETID}](https://dailymed.nlm.nih.gov/"
        f"dailymed/drugInfo.cfm?setid={SETID}) | reviewed 2011-01-01 | v3 (2012-09-26) |"
    )


def page(versions: list[tuple[int, str]], total_pages: int) -> bytes:
    rows = [{"spl_version": v, "published_date": d} for v, d in versions]
    return json.dumps({"metadata": {"total_pages": total_pages}, "data": rows}).encode()


def test_a_long_history_is_read_page_by_page(tmp_path: Path, service, capsys) -> None:
    base = f"/spls/{SETID}/history.json?pagesize=100"
    service.replies[f"{base}&page=1"] = (200, {}, page([(5, "January 5, 2013")], 2))
    service.replies[f"{base}&page=2"] = (200, {}, page([(4, "Dec 1, 2010")], 2))
    assert drift(knowledge(tmp_path, label="      version: 3\n"), "--json") == 1
    [item] = json.loads(capsys.readouterr().out)
    assert item["newer"] == [
        {"version": 5, "published": "2013-01-05"},
        {"version": 4, "published": "2010-12-01"},
    ]


def test_a_reply_without_versions_is_unreadable(tmp_path: Path, service, capsys) -> None:
    service.history(body=b'{"metadata": {}}')
    assert drift(knowledge(tmp_path), "--markdown") == 2
    out = capsys.readouterr().out
    assert "### Could not be checked" in out
    assert f"- `testumab` ({SETID}): DailyMed: the reply has no 'data' list of versions" in out


def test_openfda_failing_does_not_hide_the_drift(tmp_path: Path, service, capsys) -> None:
    service.history()
    assert drift(knowledge(tmp_path), "--json", "--openfda") == 1
    [item] = json.loads(capsys.readouterr().out)
    assert item["recent_major_changes"] == "(openFDA: not found (HTTP 404): is the set id right?)"


def test_knowledge_with_errors_is_not_checked(tmp_path: Path, service, capsys) -> None:
    folder = knowledge(tmp_path)
    write(folder, "b.yaml", "classes: [\n")
    assert drift(folder) == 2
    assert "the knowledge has errors" in capsys.readouterr().err
