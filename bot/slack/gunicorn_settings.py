"""Gunicorn settings for the web process (`--config python:bot.slack.gunicorn_settings`).

Why gevent workers (docs/decisions/0001-slow-clients-gevent-workers.md): with threads, every
connection that has started a request holds a thread until the request is complete, so eight
clients sending one byte every few seconds stopped the bot. A gevent worker gives each
connection a greenlet that waits on its socket without holding anything else; a slow or idle
client costs a little memory, not a worker. Several worker processes still work
(WEB_CONCURRENCY, set by Heroku), each with `worker_connections` connections.

`on_starting` checks the configuration in the master before the port is opened, so a bad
setting stops the process with one line and a non-zero status instead of a worker restarting
several times a second behind an open port.
"""

from __future__ import annotations

import sys
from typing import Any

worker_class = "gevent"
#: Connections one worker holds at once; slow and idle ones included.
worker_connections = 1000
#: A worker that stops answering its master for this long is replaced.
timeout = 30
#: Idle keep-alive connections are closed after this many seconds.
keepalive = 5
#: Request line and header limits (gunicorn's defaults, stated here on purpose).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
# The access log records method, path, status, size and time, then what kind of request it was
# and for which workspace (bot.slack.outcome); never the query string, the body or user text.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %({immuno.request}e)s'


def post_worker_init(worker: Any) -> None:
    """A request's description goes on gunicorn's access line when that line prints it: one
    line per request instead of two (the access line's, then an INFO line of our own)."""
    from bot.slack import outcome

    fmt = str(worker.cfg.access_log_format or "")
    atom = f"{{{outcome.ENVIRON_KEY}}}e"
    outcome.use_access_line(bool(worker.cfg.accesslog) and atom in fmt)


def on_starting(server: object) -> None:
    """Refuse to start on a configuration that cannot serve HTTP, or on a PostgreSQL schema
    that is behind (checked in the master, before the port opens). An embedded SQLite store is
    migrated here, once, before the workers start."""
    from dotenv import load_dotenv

    from bot.config import Config, ConfigError
    from bot.state import open_ready
    from bot.state.migrate import NotMigrated

    load_dotenv(override=False)
    try:
        config = Config.from_env()
        if config.mode == "shell" or not config.signing_secret:
            raise ConfigError(
                "set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(OAuth), and SLACK_SIGNING_SECRET, to serve HTTP"
            )
        open_ready(config.database_url).engine.dispose()
    except (ConfigError, NotMigrated) as exc:
        print(f"immuno: cannot start: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
