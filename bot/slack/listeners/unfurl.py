"""DailyMed links unfurl into the matching drug's card (link_shared -> chat.unfurl).

Slack sends link_shared for the domains the manifest lists under unfurl_domains, both for a
posted message (channel + message ts) and while a link is still being typed (source "composer",
with an unfurl_id); chat.unfurl answers each the way it arrived. Links that do not name exactly
one drug entry are left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot import currency, label_links
from bot.slack import delivery
from bot.slack.claims import claimed_work

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.slack.services import Services

#: Slack sends at most a few links per event; never unfurl more than this many.
MAX_UNFURLS = 5


def register(app: App, services: Services) -> None:
    def ack_links(ack: Ack) -> None:
        ack()

    def unfurl(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        index = services.store.index
        state = currency.state_path(index.knowledge)  # written by `python -m bot drift`
        check = currency.read_check(state) if state else None
        unfurls: dict[str, dict[str, Any]] = {}
        for link in (event.get("links") or [])[:MAX_UNFURLS]:
            url = link.get("url") or ""
            drug = label_links.drug_for_link(url, index)
            if drug is not None:
                unfurls[url] = {"blocks": label_links.unfurl_card(drug, check).blocks}
        if not unfurls:
            return
        if event.get("source") == "composer" and event.get("unfurl_id"):
            where = {"unfurl_id": event["unfurl_id"], "source": "composer"}
        else:
            where = {"channel": event.get("channel"), "ts": event.get("message_ts")}
        with claimed_work(services, body) as work:  # claimed before it got here
            work.sent(delivery.call(client, "chat_unfurl", unfurls=unfurls, **where))

    app.event("link_shared")(ack=ack_links, lazy=[unfurl])
