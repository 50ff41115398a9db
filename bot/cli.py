"""The `storybot` command: run, console, web, db, export, weekly, and platform set-up."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable
from importlib import metadata, resources
from pathlib import Path

from bot import bootstrap, event_loop, logs
from bot import export as exporting
from bot.bootstrap import App
from bot.commands import Actor, StoryInput, Submit
from bot.config import ENV_FILE_VARIABLE, Settings, SettingsError, log_settings_or_defaults
from bot.core import Core
from bot.domain import SpaceRef
from bot.platforms import community_label
from bot.scheduler import weekly_loop

log = logging.getLogger("storybot")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="storybot", description=__doc__)
    root.add_argument("--version", action="version", version=f"storybot {version()}")
    root.add_argument(
        "--env-file",
        type=Path,
        help=f"settings file to read (default: ${ENV_FILE_VARIABLE}, else .env in this folder)",
    )
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


class Exit:
    """Exit codes a service manager can act on (docs/CONFIGURATION.md)."""

    OK = 0
    FAILED = 1  # a platform died or refused us while running, or a command failed
    CONFIG = 2  # settings (or the command line) cannot work; the message says which
    INTERRUPTED = 130


STOP_GRACE_SECONDS = 8.0  # under the usual 10-second grace of a service manager


def version() -> str:
    try:
        return metadata.version("storybot")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "bench":
        if not bootstrap.bench_checkout():
            print(
                "storybot bench runs from a source checkout (it is not shipped in the package):"
                " clone the repository, `pip install -e '.[test]'` there and run it again.",
                file=sys.stderr,
            )
            return Exit.CONFIG
        return asyncio.run(_bench(args, sys.argv[1:] if argv is None else argv))
    if args.env_file is not None:
        # Every later read (the platform set-up commands included) sees the same file.
        os.environ[ENV_FILE_VARIABLE] = str(args.env_file)
    try:
        if args.command == "slack":
            if args.action in ("new-key", "rekey"):
                return bootstrap.slack_keys(args.action, args.options)
            return bootstrap.slack_manifest(args.options)
        if args.command == "discord":
            return bootstrap.discord_invite(args.options)
        settings = Settings.load()
    except SettingsError as invalid:
        return _refuse(invalid.problems)
    try:
        return event_loop.run(_dispatch(args, settings))
    except KeyboardInterrupt:
        return Exit.INTERRUPTED


def _refuse(problems: list[str], code: int = Exit.CONFIG) -> int:
    """One line per problem, in the configured log format when that much is readable; no
    traceback."""
    named = os.environ.get(ENV_FILE_VARIABLE)
    env_file = Path(named) if named and Path(named).is_file() else None
    if env_file is None and Path(".env").is_file():
        env_file = Path(".env")
    fmt = log_settings_or_defaults(env_file)
    logs.configure(fmt.level, fmt.format)
    for problem in problems:
        log.error(problem)
    return code


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        return await _db(args, settings)
    if args.command == "run" and not settings.platforms and not sys.stdin.isatty():
        return _refuse(
            [
                "SLACK_BOT_TOKEN, DISCORD_TOKEN: neither is set, so there is no chat platform "
                "to run (and standard input is not a terminal for the console)"
            ]
        )
    # Commands that only read (or have nothing to do on an empty database) never create one.
    read_only = args.command in ("export", "weekly")
    wants_console = args.command in ("console", "weekly") or (
        args.command == "run" and not settings.platforms
    )
    try:
        app = await bootstrap.bootstrap(
            settings,
            platforms=args.command == "run",
            http=args.command == "run",
            console=sys.stdout if wants_console else None,
            read_only=read_only,
            configure_logging=True,
        )
    except bootstrap.NoDatabase as missing:
        return _refuse([str(missing)])
    except bootstrap.setting_errors() as invalid:
        return _refuse([str(invalid)])
    except bootstrap.DatabaseUnreachable as down:  # a service manager retries later
        return _refuse([str(down)], Exit.FAILED)
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
    return Exit.CONFIG


async def _db(args: argparse.Namespace, settings: Settings) -> int:
    """`db upgrade`, `db backup FILE` (storage/backup.py), `db copy --to URL` (storage/copy.py)."""
    try:
        match args.db_command:
            case "backup":
                size = await bootstrap.backup_database(settings, args.file)
                print(f"Wrote a backup of {size:,} bytes to {args.file}.")
            case "copy":
                report = await bootstrap.copy_database(settings, args.to)
                print(f"Copied {report.total:,} rows; every table's count matches:")
                for table, count in report.counts.items():
                    print(f"  {table}: {count:,}")
            case _:
                await bootstrap.upgrade_database(settings)
                print("Database is up to date.")
    except bootstrap.data_errors() as refused:
        print(refused, file=sys.stderr)
        return Exit.FAILED
    except bootstrap.DatabaseUnreachable as down:
        return _refuse([str(down)], Exit.FAILED)
    return Exit.OK


async def _run(app: App) -> int:
    if not app.runtimes:
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
    ticker: asyncio.Task[None] | None = None
    try:
        if app.http is not None:  # listening first: /healthz answers while platforms connect
            try:
                await app.http.start()
            except OSError as taken:
                where = f"{app.settings.http.host}:{app.settings.http.port}"
                return _refuse([f"HTTP_PORT: cannot listen on {where} ({taken.strerror or taken})"])
        for runtime in app.runtimes:
            try:
                if not await _unless_stopped(runtime.start(), stop):
                    return Exit.OK
            except bootstrap.setting_errors() as invalid:
                return _refuse([str(invalid)])
            except bootstrap.platform_errors() as refused:
                return _refuse([f"{runtime.name}: {refused}"], Exit.FAILED)
            log.info("platform started", extra={"platform": runtime.name})
        ticker = asyncio.create_task(
            weekly_loop(
                app.core,
                app.settings.defaults.weekly_tick_seconds,
                lambda: bootstrap.housekeeping(app),
            )
        )
        waiters = {asyncio.create_task(r.wait_closed()): r for r in app.runtimes}
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([*waiters, stopping], return_when=asyncio.FIRST_COMPLETED)
        for task in (*waiters, stopping):
            task.cancel()
        dead = [waiters[task] for task in done if task in waiters]
        if dead and not stop.is_set():
            # One dead platform ends the process with an error, so the service manager
            # restarts all of it rather than leaving a half-working bot up.
            for runtime in dead:
                log.error(
                    "platform stopped",
                    extra={"platform": runtime.name, "reason": runtime.failure or "closed"},
                )
            return Exit.FAILED
        log.info("stopping on a signal")
        return Exit.OK
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if ticker is not None:
            # Wait for it: a tick cancelled mid-statement closes its connection in the
            # background, and closing the pools under that close can hang it (bot.event_loop).
            ticker.cancel()
            await asyncio.wait([ticker], timeout=STOP_GRACE_SECONDS)
        await _stop_all(app)


async def _unless_stopped(starting: Awaitable[None], stop: asyncio.Event) -> bool:
    """Start a platform unless a signal comes first; False when it did."""
    start = asyncio.ensure_future(starting)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([start, stopping], return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if start.done():
        start.result()  # raises what the start raised
        return True
    start.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await start
    return False


async def _stop_all(app: App) -> None:
    """Stop every platform within the grace; what does not stop in time is abandoned (a
    request not yet acknowledged is redelivered by the platform, a stored story stays)."""

    async def stop_one(runtime: bootstrap.PlatformRuntime) -> None:
        with contextlib.suppress(Exception):
            await runtime.stop()

    stopping = [asyncio.create_task(stop_one(r)) for r in app.runtimes]
    if stopping:
        _, late = await asyncio.wait(stopping, timeout=STOP_GRACE_SECONDS)
        for task in late:
            task.cancel()
    if app.http is not None:
        with contextlib.suppress(Exception):
            await app.http.stop()


async def _console(app: App, args: argparse.Namespace) -> int:
    space, channel = bootstrap.console_space()
    actor = Actor(
        space=space,
        user_id=args.user.casefold().replace(" ", "-"),
        display_name=args.user,
        channel_id=channel,
        locale=args.lang,
        is_admin=args.moderator,
        space_name="console",  # shown as the platform's own (translated) name
    )
    if args.sample:
        added = await load_samples(app.core, space)
        print(f"Loaded {added} sample stories.", file=sys.stderr)
    ticker = asyncio.create_task(weekly_loop(app.core, app.settings.defaults.weekly_tick_seconds))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    session = asyncio.create_task(bootstrap.run_console(app, actor))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([session, stopping], return_when=asyncio.FIRST_COMPLETED)
        if session.done():
            session.result()  # what the session raised
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        for task in (ticker, session, stopping):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return Exit.OK


async def _web(app: App, args: argparse.Namespace) -> int:
    if args.sample:
        space = bootstrap.web_sample_space()
        await load_samples(app.core, space, publish=True)
        await bootstrap.open_sample_wall(app.core)
    port = app.settings.http.port if args.port is None else args.port
    await bootstrap.serve_web(app, port, sys.stdout)
    return Exit.OK


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
        names = await exporting.community_names(uow, {row["community"] for row in records})
    text = exporting.render(records, args.format, names)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"Wrote {len(records)} stories to {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


async def _bench(args: argparse.Namespace, argv: list[str]) -> int:
    runner, stats = bootstrap.bench_modules()

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
    outcomes = await app.core.run_weekly(dry_run=args.dry_run, force=args.force)
    for o in outcomes:
        community = community_label(o.community_id, o.spaces)
        if o.story_number is None:
            print(f"{community} {o.week}: nothing to feature")
            continue
        verb = "would feature" if args.dry_run else ("featured" if o.picked else "already had")
        problems = f", problems: {', '.join(o.problems)}" if o.problems else ""
        print(
            f"{community} {o.week}: {verb} #{o.story_number}, "
            f"announced in {o.announced} channel(s){problems}"
        )
    if not outcomes:
        print("No community is due.")
    return Exit.OK


if __name__ == "__main__":
    raise SystemExit(main())
