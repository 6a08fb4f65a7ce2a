"""Command line: `python -m bot [run|shell|web|socket|validate|preview|misses|drift|migrate]`.

`run` (the default) picks the entry point from the configuration: Socket Mode when an app token
is set, the HTTP server when only a bot token is set, and the local shell otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dotenv import load_dotenv

from bot import config as config_module
from bot.config import Config, ConfigError

if TYPE_CHECKING:
    from bot.store import KnowledgeStore


def _setup_logging(config: Config) -> None:
    from bot import logs

    logs.configure(config.log_level)


def cmd_validate(args: argparse.Namespace) -> int:
    """Report every problem in the knowledge files as file:line:column; exit 1 on errors."""
    from bot.loading import load_knowledge

    result = load_knowledge(Path(args.path), with_version=False)
    if args.github:
        from bot.annotations import capped

        print("\n".join(capped(p.annotation() for p in result.problems)))
    else:
        for problem in result.problems:
            print(problem)
    errors, warnings = len(result.errors), len(result.warnings)
    if result.knowledge is not None:
        counts = ", ".join(f"{n} {k.plural}" for k, n in result.knowledge.counts.items())
        print(
            f"knowledge OK: {len(result.knowledge.entries)} entries ({counts}); "
            f"{warnings} warning(s)",
            file=sys.stderr,
        )
        return 0
    print(f"knowledge has {errors} error(s) and {warnings} warning(s)", file=sys.stderr)
    return 1


def cmd_preview(args: argparse.Namespace) -> int:
    """Show one entry as the bot will reply: terminal text, Block Kit JSON, Builder link."""
    from bot import answering, render, terminal
    from bot.loading import load_knowledge
    from bot.resolve import Index

    result = load_knowledge(Path(args.path), with_version=False)
    if result.knowledge is None:
        for problem in result.errors:
            print(problem, file=sys.stderr)
        print("fix the errors above first (python -m bot validate)", file=sys.stderr)
        return 1
    index = Index.build(result.knowledge)
    message = answering.entry_card(index, args.entry, args.section)
    if message is None:
        message = answering.answer(args.entry, index).message
    print(terminal.to_text(message))
    if not args.text_only:
        print("\n--- Block Kit JSON ---")
        print(json.dumps({"blocks": message.blocks}, indent=2, ensure_ascii=False))
        print("\n--- Open in Block Kit Builder ---")
        print(render.builder_url(message))
    return 0


def _knowledge_store(config: Config) -> KnowledgeStore:
    from bot.store import KnowledgeError, KnowledgeStore

    try:
        return KnowledgeStore(config.knowledge_path)
    except KnowledgeError as exc:
        print(f"immuno: cannot start: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_shell(config: Config) -> int:
    from bot.shell import Shell

    return Shell(_knowledge_store(config)).run()


def cmd_socket(config: Config) -> int:
    from bot.slack.socket import run_socket_mode

    _setup_logging(config)
    return run_socket_mode(config, _knowledge_store(config))


def cmd_web(config: Config) -> int:
    """Serve HTTP under gunicorn exactly as the Procfile's web process does."""
    workers = str(config.web_workers)
    argv = [
        "gunicorn",
        "bot.slack.web:application",
        "--config",
        "python:bot.slack.gunicorn_settings",
        "--bind",
        f"0.0.0.0:{config.port}",
        "--workers",
        workers,
    ]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])


def printable(text: str) -> str:
    """Stored text as it may be shown on a terminal: control characters (an escape sequence
    could rewrite the screen) written as \\x1b, \\n and so on; other Unicode kept."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def cmd_misses(args: argparse.Namespace, config: Config) -> int:
    from bot.misslog import MissLog

    log = MissLog(config.database_url or None, background=False)  # it only reads
    rows = log.top_misses(days=args.days, limit=args.limit)
    log.close()
    if not rows:
        print(f"No misses in the last {args.days} days.")
        return 0
    print(f"Top misses, last {args.days} days:")
    for row in rows:
        picked = f"  (picked: {', '.join(map(printable, row.picked))})" if row.picked else ""
        print(f"{row.count:6d}  {printable(row.query)}{picked}")
    return 0


def cmd_migrate(config: Config) -> int:
    """Bring the shared store's schema up to date (the Procfile's release phase)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.state import open_state
    from bot.state.engine import display_url
    from bot.state.migrate import current, upgrade

    state = open_state(config.database_url)
    where = display_url(str(state.engine.url))
    try:
        before = current(state.engine)
        after = upgrade(state.engine)
    except SQLAlchemyError as exc:
        print(f"immuno: cannot migrate {where}: {type(exc).__name__}", file=sys.stderr)
        return 1
    change = "already current" if before == after else f"upgraded from {before or 'empty'}"
    print(f"{where}: schema at {after} ({change})")
    return 0


def cmd_drift(args: argparse.Namespace, config: Config) -> int:
    """List drug entries whose US label changed after review; exit 1 drifted, 2 unreadable."""
    from bot import currency, drift
    from bot.loading import load_knowledge

    result = load_knowledge(Path(args.path or config.knowledge_path), with_version=False)
    if result.knowledge is None:
        print("drift: the knowledge has errors; run python -m bot validate", file=sys.stderr)
        return drift.EXIT_UNREADABLE
    pins = drift.pins(result.knowledge)
    timeout = args.timeout if args.timeout is not None else float(config.drift_timeout)
    openfda = config.openfda_url if args.openfda else ""
    findings = drift.check(pins, config.dailymed_url, timeout, openfda)
    if args.json:
        print(json.dumps(drift.as_json(findings), indent=2))
        for finding in findings:
            if finding.error:
                print(f"drift: {finding.pin.entry_id}: {finding.error}", file=sys.stderr)
    elif args.github:
        print("\n".join(drift.github_annotations(findings)))
    elif args.markdown:
        print(drift.markdown(findings))
    else:
        print(drift.table(findings))
    state = Path(args.state) if args.state else currency.state_path(result.knowledge)
    if state is not None and not args.no_state:
        try:
            drift.write_state(state, findings)
        except OSError as exc:
            print(f"drift: cannot write {state}: {exc.strerror}", file=sys.stderr)
    return drift.exit_status(findings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="shell, Socket Mode or HTTP, whichever the configuration allows")
    sub.add_parser("shell", help="the local shell (no Slack)")
    sub.add_parser("web", help="the production HTTP server (gunicorn) on $PORT")
    sub.add_parser("socket", help="Socket Mode (needs SLACK_APP_TOKEN)")
    default_path = str(config_module.knowledge_path())
    validate = sub.add_parser("validate", help="check the knowledge files")
    validate.add_argument("path", nargs="?", default=default_path)
    validate.add_argument("--github", action="store_true", help="print GitHub Actions annotations")
    preview = sub.add_parser("preview", help="show one entry as the bot will reply")
    preview.add_argument("entry", help="an entry id, or any query")
    preview.add_argument("--section", default=None, help="e.g. side_effects, management")
    preview.add_argument("--path", default=default_path)
    preview.add_argument("--text-only", action="store_true")
    misses = sub.add_parser("misses", help="the queries that found nothing, most frequent first")
    misses.add_argument("--days", type=int, default=30)
    misses.add_argument("--limit", type=int, default=25)
    sub.add_parser("migrate", help="apply database migrations (the release phase runs this)")
    drift = sub.add_parser("drift", help="drug entries whose US label changed after review")
    drift.add_argument("--path", default=None, help="knowledge file or folder")
    output = drift.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="the drifted entries as JSON")
    output.add_argument("--github", action="store_true", help="GitHub Actions annotations")
    output.add_argument("--markdown", action="store_true", help="an issue body (Markdown)")
    drift.add_argument("--openfda", action="store_true", help="add openFDA recent major changes")
    drift.add_argument("--timeout", type=float, default=None, help="seconds per request")
    drift.add_argument("--state", default=None, help="where to record the check")
    drift.add_argument("--no-state", action="store_true", help="do not record the check")
    return parser


def main(argv: list[str] | None = None) -> int:
    load_dotenv(override=False)
    try:
        return _dispatch(build_parser().parse_args(argv))
    except ConfigError as exc:  # a bad setting is one line that says what to set, not a traceback
        print(f"immuno: configuration error: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command or "run"
    if command == "validate":
        return cmd_validate(args)
    if command == "preview":
        return cmd_preview(args)
    config = Config.from_env()
    if command == "misses":
        return cmd_misses(args, config)
    if command == "migrate":
        return cmd_migrate(config)
    if command == "drift":
        return cmd_drift(args, config)
    if command == "run":
        command = config.mode
    if command == "shell":
        return cmd_shell(config)
    if command in ("socket",):
        return cmd_socket(config)
    if command in ("web", "http"):
        return cmd_web(config)
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2
