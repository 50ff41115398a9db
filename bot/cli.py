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
from bot.bootstrap import App, StartupRefused, bootstrap, platform_runtimes
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

    web = sub.add_parser("web", help="serve the public web walls alone and print their addresses")
    web.add_argument("--sample", action="store_true", help="publish a wall of sample stories")
    web.add_argument("--port", type=int, default=None, help="port (default HTTP_PORT)")
    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply all migrations")
    backup = db_sub.add_parser(
        "backup", help="write a consistent copy of the SQLite database (PostgreSQL: pg_dump)"
    )
    backup.add_argument("file", type=Path, help="the new backup file (must not exist)")
    copy = db_sub.add_parser(
        "copy", help="copy every row into a new, empty database (SQLite <-> PostgreSQL)"
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the target database URL")

    export = sub.add_parser("export", help="export every story")
    export.add_argument("--format", choices=exporting.FORMATS, default="json")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")

    slack = sub.add_parser(
        "slack",
        help="Slack set-up: `storybot slack manifest [--socket-mode | --oauth]`, "
        "`storybot slack new-key`, `storybot slack rekey`",
    )
    slack.add_argument("action", choices=["manifest", "new-key", "rekey"])
    slack.add_argument("options", nargs=argparse.REMAINDER)
    discord = sub.add_parser("discord", help="Discord set-up: `storybot discord invite`")
    discord.add_argument("action", choices=["invite"])
    discord.add_argument("options", nargs=argparse.REMAINDER)

    bench = sub.add_parser(
        "bench", help="seed a fresh database and measure (see docs/PERFORMANCE.md)"
    )
    bench.add_argument(
        "--database",
        help="database URL to create, use and drop (default: a new SQLite file in a temp dir)",
    )
    bench.add_argument(
        "--stories", type=_count, default=100_000, help="stories to seed (default 100000)"
    )
    bench.add_argument(
        "--sizes", type=_counts, help="comma-separated story counts, one run each (growth)"
    )
    bench.add_argument(
        "--samples", type=_count, default=200, help="samples per figure (default 200)"
    )
    bench.add_argument("--json", type=Path, help="also write the results to this JSON file")
    bench.add_argument(
        "--skip-platforms", action="store_true", help="leave out the Slack and Discord figures"
    )
    bench.add_argument(
        "--keep",
        action="store_true",
        help="keep the database afterwards (without --database: storybot-bench-N.db here)",
    )
    bench.add_argument(
        "--small-communities",
        type=_count,
        default=1000,
        help="small communities beside the large one (default 1000; fewer for a quick try)",
    )

    weekly = sub.add_parser("weekly", help="run the weekly feature job once (for cron)")
    weekly.add_argument("--dry-run", action="store_true", help="show what would be featured")
    weekly.add_argument(
        "--force",
        action="store_true",
        help="run even where the configured weekday and time have not come yet",
    )
    return root


def _count(raw: str) -> int:
    value = int(raw.replace("_", "").replace(",", ""))
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _counts(raw: str) -> list[int]:
    return [_count(part) for part in raw.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "bench":
        if not _source_checkout():
            print(
                "storybot bench runs from a source checkout (it is not shipped in the package):"
                " clone the repository, `pip install -e '.[test]'` there and run it again.",
                file=sys.stderr,
            )
            return 2
        return asyncio.run(_bench(args, sys.argv[1:] if argv is None else argv))
    if args.command == "slack":
        if args.action in ("new-key", "rekey"):
            from adapters.slack import keys

            if args.action == "new-key":
                return keys.new_key_main(args.options)
            settings = Settings()
            key = settings.slack_token_encryption_key
            return asyncio.run(
                keys.rekey_main(
                    args.options, settings.database_url, key.get_secret_value() if key else None
                )
            )
        from adapters.slack.manifest import main as manifest

        return manifest(args.options)
    if args.command == "discord":
        from adapters.discord.invite import main as invite

        return invite(args.options)
    try:
        return asyncio.run(_dispatch(args))
    except StartupRefused as refused:  # a setting to fix: the message says which, no traceback
        print(refused, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.command == "db":
        if args.db_command in ("backup", "copy"):
            return await _db_data(args, settings)
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
            case "web":
                return await _web(app, args)
    finally:
        await app.close()
    return 2


async def _db_data(args: argparse.Namespace, settings: Settings) -> int:
    """`db backup FILE` and `db copy --to URL` (storage/backup.py, storage/copy.py)."""
    from storage.backup import BackupError, backup
    from storage.copy import CopyError, copy_database

    try:
        if args.db_command == "backup":
            size = await backup(settings.database_url, args.file)
            print(f"Wrote a backup of {size:,} bytes to {args.file}.")
        else:
            report = await copy_database(settings.database_url, args.to)
            print(f"Copied {report.total:,} rows; every table's count matches:")
            for table, count in report.counts.items():
                print(f"  {table}: {count:,}")
    except (BackupError, CopyError) as refused:
        print(refused, file=sys.stderr)
        return 1
    return 0


async def _run(app: App) -> int:
    from adapters.http_server import HttpServer, check_readiness_of, http_wanted

    http = HttpServer.from_settings(app.settings) if http_wanted(app.settings) else None
    runtimes = platform_runtimes(app.settings, app.core, http=http, engine=app.engine)
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
    if http is not None:  # listening first: /healthz answers while the platforms connect
        check_readiness_of(http, app.core.uow, runtimes)
        await http.start()
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
        if http is not None:
            await http.stop()
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


async def _web(app: App, args: argparse.Namespace) -> int:
    from adapters.web.serve import SAMPLE_SPACE, open_sample_wall, serve

    if args.sample:
        await load_samples(app.core, SAMPLE_SPACE, publish=True)
        await open_sample_wall(app.core)
    port = app.settings.http_port if args.port is None else args.port
    await serve(app.core, app.settings, app.settings.http_host, port, sys.stdout)
    return 0


async def load_samples(core: Core, space: SpaceRef, *, publish: bool = False) -> int:
    """Sample stories carry fixed client keys, so loading them twice adds nothing.
    `publish`: every sample may appear on the public wall (they are made up)."""
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
            consent=publish or item.get("consent", False),
            on_wall=publish,
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


def _source_checkout() -> bool:
    """The bench is not shipped: it runs from a source checkout, put on sys.path here since
    the `storybot` script does not add it."""
    checkout = Path(__file__).resolve().parents[1]
    if not (checkout / "bench" / "runner.py").is_file():
        return False
    if str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    return True


async def _bench(args: argparse.Namespace, argv: list[str]) -> int:
    from bench import runner, stats

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)  # voice and intents notices
    sizes = args.sizes or [args.stories]
    options = runner.Options(
        database=args.database,
        sizes=sizes,
        samples=args.samples,
        platforms=not args.skip_platforms,
        keep=args.keep,
        small_communities=args.small_communities,
    )
    runs = await runner.run(options)
    dialect = "postgresql" if (args.database or "").startswith("postgres") else "sqlite"
    for run in runs:
        print(f"\n{run.stories:,} stories on {dialect} (seeded in {run.seed_seconds:.1f} s)")
        print(stats.table(run))
    if len(runs) > 1:
        print()
        print(stats.growth_table(runs))
    if args.json:
        args.json.write_text(stats.report_json(runner.meta(argv, dialect), runs), "utf-8")
        print(f"Wrote {args.json}.", file=sys.stderr)
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
