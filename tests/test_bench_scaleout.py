"""The scale-out bench's plan (its full run is by hand: bench/README.md): every event is sent
twice, the second time as Slack's retry to the other process, so the bench can catch a
duplicate reply; nothing else is retried."""

from __future__ import annotations

from bench.scaleout import RETRY_HEADERS, plan


def test_every_event_is_retried_once_to_the_other_process() -> None:
    sends = plan(400, ["keytruda", "crs", "colitis grade 2"], "T", servers=2)
    originals = [s for s in sends if s.kind != "retry"]
    assert len(originals) == 400
    events = [s for s in sends if s.kind == "event"]
    retries = [s for s in sends if s.kind == "retry"]
    assert events and len(retries) == len(events)
    for event, retry in zip(events, retries, strict=True):
        assert retry.channel == event.channel and retry.request.body == event.request.body
        assert retry.server != event.server
        assert retry.request.headers.items() >= RETRY_HEADERS.items()
        assert "X-Slack-Retry-Num" not in event.request.headers
    assert len({e.channel for e in events}) == len(events)  # each reply can be found
