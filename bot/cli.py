"""The `storybot` command: run, console, db upgrade, export, weekly, and platform set-up."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from importlib import resources
from pathlib import Path

from bot import export as exporting
from bot.bootstrap import App, bootstrap, platform_runtimes
from bot.commands import Actor, StoryInput, Submit
from bot.config import Settings
from bot.core import Core
from bot.domain import SpaceRef
from bot.scheduler import weekly_loop

log = logging.getLogger("storybot")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="storybot", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="start every configured platform (the console if none)")

    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--user", default="you", help="your display name (default: you)")
    console.add_argument("--moderator", action="store_true", help="act as a moderator")
    console.add_argument(
        "--lang", choices=["en", "sv"], help="your language (default: the community's)"
    )
    console.add_argument("--sample", action="store_true", help="load a few sample stories first")

    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply all migrations")

    export = sub.add_parser("export", help="export every story")
    export.add_argument("--format", choices=exporting.FORMATS, default="json")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")

    slack = sub.add_parser("slack", help="Slack set-up: `storybot slack manifest [--socket-mode]`")
    slack.add_argument("action", choices=["manifest"])
    slack.add_argument("options", nargs=argparse.REMAINDER)
    discord = sub.add_parser("discord", help="Discord set-up: `storybot discord invite`")
    discord.add_argument("action", choices=["invite"])
    discord.add_argument("options", nargs=argparse.REMAINDER)

    weekly = sub.add_parser("weekly", help="run the weekly feature job once (for cron)")
    weekly.add_argument("--dry-run", action="store_true", help="show what would be featured")
    weekly.add_argument(
        "--force",
        action="store_true",
        help="run even where the configured weekday and time have not come yet",
    )
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "slack":
        from adapters.slack.manifest import main as manifest

        return manifest(args.options)
    if args.command == "discord":
        from adapters.discord.invite import main as invite

        return invite(args.options)
    try:
        return asyncio.run(_dispatch(args))
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.command == "db":
        from storage.migrate import normalise_url, upgrade  # the CLI is a composition root too

        await upgrade(normalise_url(settings.database_url))
        print("Database is up to date.")
        return 0
    app = await bootstrap(settings, configure_logging=True)
    try:
        match args.command:
            case "run":
                return await _run(app)
            case "console":
                return await _console(app, args)
            case "export":
                return await _export(app, args)
            case "weekly":
                return await _weekly(app, args)
    finally:
        await app.close()
    return 2


async def _run(app: App) -> int:
    runtimes = platform_runtimes(app.settings, app.core)
    if not runtimes:
        print(
            "No chat platform is configured, so I am starting the local console.", file=sys.stderr
        )
        return await _console(app, parser().parse_args(["console"]))
    # Handlers first: a SIGTERM while a slow platform connects must still stop cleanly, since
    # a platform started earlier may already be taking requests.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    for runtime in runtimes:
        app.core.add_announcer(runtime.announcer)
        await runtime.start()
        log.info("platform started", extra={"platform": runtime.name})
    ticker = asyncio.create_task(weekly_loop(app.core, app.settings.weekly_tick_seconds))
    waiters = [asyncio.create_task(r.wait_closed()) for r in runtimes]
    waiters.append(asyncio.create_task(stop.wait()))
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (ticker, *waiters):
            task.cancel()
        for runtime in runtimes:
            with contextlib.suppress(Exception):
                await runtime.stop()
    return 0


async def _console(app: App, args: argparse.Namespace) -> int:
    from adapters.console.session import CHANNEL, SPACE, ConsoleAnnouncer, ConsoleSession

    app.core.add_announcer(ConsoleAnnouncer(sys.stdout))
    actor = Actor(
        space=SPACE,
        user_id=args.user.casefold().replace(" ", "-"),
        display_name=args.user,
        channel_id=CHANNEL,
        locale=args.lang,
        is_admin=args.moderator,
    )
    if args.sample:
        added = await load_samples(app.core, SPACE)
        print(f"Loaded {added} sample stories.", file=sys.stderr)
    ticker = asyncio.create_task(weekly_loop(app.core, app.settings.weekly_tick_seconds))
    try:
        await ConsoleSession(app.core, actor).run()
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    return 0


async def load_samples(core: Core, space: SpaceRef) -> int:
    """Sample stories carry fixed client keys, so loading them twice adds nothing."""
    raw = resources.files("bot").joinpath("samples", "stories.json").read_text("utf-8")
    added = 0
    for index, item in enumerate(json.loads(raw), 1):
        author = item["author"]
        actor = Actor(space=space, user_id=f"sample-{author.casefold()}", display_name=author)
        story = StoryInput(
            text=item["text"],
            title=item.get("title"),
            tags=tuple(item.get("tags", ())),
            anonymous=item.get("anonymous", False),
            consent=item.get("consent", False),
        )
        reply = await core.handle(Submit(story, client_key=f"sample-{index}"), actor)
        added += not reply.error
    return added


async def _export(app: App, args: argparse.Namespace) -> int:
    async with app.core.uow() as uow:
        records = await exporting.records(uow, None)
    text = exporting.render(records, args.format)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"Wrote {len(records)} stories to {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


async def _weekly(app: App, args: argparse.Namespace) -> int:
    from adapters.console.session import ConsoleAnnouncer

    app.core.add_announcer(ConsoleAnnouncer(sys.stdout))
    outcomes = await app.core.run_weekly(dry_run=args.dry_run, force=args.force)
    for o in outcomes:
        if o.story_number is None:
            print(f"community {o.community_id} {o.week}: nothing to feature")
            continue
        verb = "would feature" if args.dry_run else ("featured" if o.picked else "already had")
        problems = f", problems: {', '.join(o.problems)}" if o.problems else ""
        print(
            f"community {o.community_id} {o.week}: {verb} #{o.story_number}, "
            f"announced in {o.announced} channel(s){problems}"
        )
    if not outcomes:
        print("No community is due.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
