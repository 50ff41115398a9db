"""Run the bench: per size, a fresh database, the seed, then every figure beside its floor.

Core operations go through Core.handle exactly as an adapter calls it; their floor is the SQL
that very call issued, recorded and replayed through the bare driver, sample by sample in
turn with the core so both see the same machine. Storage and adapters are imported lazily:
bot/ stays free of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import corpus
from bench.stats import Figure, SizeRun, platform_bound
from bot import actions
from bot import commands as c
from bot.bootstrap import bootstrap
from bot.commands import Actor, StoryInput
from bot.config import Settings
from bot.core import Core
from bot.domain import Platform, SpaceRef
from bot.replies import Pager, Reply

log = logging.getLogger(__name__)

DEEP_PAGES = 50
LARGE = 1  # bench.database.LARGE_COMMUNITY: the seeded community the figures read


@dataclass
class Options:
    database: str | None  # None: a new SQLite file in a temporary directory
    sizes: Sequence[int]
    samples: int = 200
    platforms: bool = True
    keep: bool = False
    small_communities: int = 1000
    out: Callable[[str], None] = print


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BenchError(RuntimeError):
    """The bench could not run an operation as intended (the reply was an error)."""


def _ok(reply: Reply) -> Reply:
    if reply.error:
        raise BenchError(f"the core answered with an error: {reply.blocks}")
    return reply


def _next_page(reply: Reply) -> c.Command | None:
    pager = next((b for b in reply.blocks if isinstance(b, Pager)), None)
    if pager is None or pager.next is None:
        return None
    return actions.decode(pager.next.action)


async def run(options: Options) -> list[SizeRun]:
    runs = []
    for size in options.sizes:
        runs.append(await run_size(options, size))
    return runs


def _database_url(options: Options, size: int, workdir: str) -> str:
    """One new database per size: with several sizes, the given name gets the size appended
    (so --keep can keep them all)."""
    if options.database is None:
        folder = Path.cwd() if options.keep else Path(workdir)
        return f"sqlite+aiosqlite:///{folder / f'storybot-bench-{size}.db'}"
    if len(options.sizes) == 1:
        return options.database
    if options.database.startswith("sqlite"):
        base = options.database.rsplit(".", 1)
        return f"{base[0]}-{size}.{base[1]}" if len(base) == 2 else f"{base[0]}-{size}"
    head, _, name = options.database.rpartition("/")
    name, query_sep, query = name.partition("?")
    return f"{head}/{name}_{size}{query_sep}{query}"


async def run_size(options: Options, size: int) -> SizeRun:
    from bench import database as storage_bench

    with tempfile.TemporaryDirectory(prefix="storybot-bench-") as workdir:
        url = _database_url(options, size, workdir)
        database = await storage_bench.fresh_database(url)
        try:
            options.out(f"seeding {size:,} stories into {database.dialect} …")
            started = time.perf_counter()
            plan = await storage_bench.seed(database.url, size, small=options.small_communities)
            seeded = time.perf_counter() - started
            options.out(f"seeded in {seeded:.1f} s")
            result = SizeRun(stories=size, seed_seconds=seeded)
            large_count = storage_bench.last_numbers(plan)[storage_bench.LARGE_COMMUNITY]
            storage = await storage_bench.open_storage(database.url)
            try:
                await _measure_core(storage, size, large_count, options, result, plan.communities)
                if options.platforms:
                    await _measure_platforms(
                        storage, large_count // 2, options, result, Path(workdir)
                    )
                    if size == max(options.sizes) and not result.skipped:
                        await _measure_rss(database.url, large_count, options, result, workdir)
                else:
                    result.skipped.append("platforms (--skip-platforms)")
            finally:
                await storage.close()
        finally:
            if not options.keep:
                await database.drop()
            else:
                options.out(f"kept the database: {database.url}")
    return result


async def _measure_core(
    storage: Any,
    size: int,
    large_count: int,
    options: Options,
    result: SizeRun,
    communities: int,
) -> None:
    from bench import database as storage_bench

    core = (await bootstrap(Settings.load(None), uow=storage.uow, clock=_utcnow)).core
    space = SpaceRef(Platform(storage_bench.LARGE_SPACE[0]), storage_bench.LARGE_SPACE[1])
    reader = Actor(space=space, user_id="U00001", display_name="Bench reader")
    samples = options.samples
    rng = random.Random(size)

    async def case(
        name: str,
        command: Callable[[int], c.Command],
        *,
        actor: Callable[[int], Actor] = lambda _: reader,
        swap: Callable[[int], dict[Any, Any]] = lambda _: {},
        count: int = samples,
        note: str = "",
    ) -> Figure:
        async def operation(i: int) -> None:
            _ok(await core.handle(command(i), actor(i)))

        figure = await _case(storage, name, operation, swap, count, note)
        result.figures.append(figure)
        options.out(
            f"  {name}: p99 {figure.p(99):.2f} ms (floor {figure.floor_p99:.2f} ms) {figure.note}"
        )
        return figure

    # 1. Submit, one after another; each sample by another author (the rate limit).
    def author(i: int) -> Actor:
        return Actor(space=space, user_id=f"bench-author-{i}", display_name="Bench author")

    def submit(i: int) -> c.Command:
        story = StoryInput(
            text=f"The {corpus.COMMON_WORD} had missed the train. We booked a taxi at once.",
            title="Saved the trip",
            tags=("speed", "follow-up"),
        )
        return c.Submit(story, client_key=f"bench-submit-{i}")

    started = time.perf_counter()
    try:
        figure = await _submit_case(storage, core, submit, author, samples)
    except Exception as failure:
        figure = _failed("submit", 0, failure)
    result.figures.append(figure)
    elapsed = sum(figure.samples_ms) / 1000
    result.submit_per_second = len(figure.samples_ms) / elapsed if elapsed else float("nan")
    options.out(
        f"  submit: p99 {figure.p(99):.2f} ms, {result.submit_per_second:.0f} stories/s "
        f"({time.perf_counter() - started:.1f} s)"
    )

    # 2. Browse: first page and 50 pages deep, all stories and a rare tag.
    for label, tag in (("all", None), ("rare tag", corpus.rare_tag())):
        first = c.Browse(tag=tag)
        await case(f"browse {label}, first page", lambda _, cmd=first: cmd)
        try:
            deep, depth = await _walk(core, reader, first, DEEP_PAGES)
        except Exception as failure:
            result.figures.append(_failed(f"browse {label}, {DEEP_PAGES} pages deep", 0, failure))
            continue
        note = f"page {depth + 1}" if depth < DEEP_PAGES else ""
        await case(f"browse {label}, {DEEP_PAGES} pages deep", lambda _, cmd=deep: cmd, note=note)

    # 3. Search.
    for label, words in (
        ("common word", corpus.COMMON_WORD),
        ("rare word", corpus.RARE_WORD),
        ("Swedish inflected", corpus.SWEDISH_INFLECTED),
        ("two words", corpus.TWO_WORDS),
        ("compound part", corpus.COMPOUND_PART),
    ):
        await case(f"search {label}", lambda _, w=words: c.Search(words=w), note=f"“{words}”")

    # 4. Show (a different story each time), tag list, weekly job.
    numbers = [rng.randint(2, large_count) for _ in range(samples + WARMUP + 2)]
    recorded = numbers[0]
    await case(
        "show one story",
        lambda i: c.Show(numbers[i]),
        swap=lambda i: {recorded: numbers[i]},
    )
    await case("tag list", lambda _: c.ListTags())
    weekly = await _weekly_case(storage, core, max(3, samples // 20))
    result.figures.append(weekly)
    options.out(f"  weekly job: p99 {weekly.p(99):.1f} ms (floor {weekly.floor_p99:.1f} ms)")

    # 5. A weekly tick with nothing due, as every process runs one every WEEKLY_TICK_SECONDS.
    idle = await _weekly_idle_case(storage, core, samples, communities)
    result.figures.append(idle)
    options.out(f"  weekly tick, nothing due: p99 {idle.p(99):.2f} ms {idle.note}")

    # 6. Submit with 50 concurrent submitters, into the large community (one counter).
    crowd = await _concurrent_submit_case(storage, core, space, CROWD, CROWD_EACH)
    result.figures.append(crowd)
    options.out(f"  {crowd.name}: {crowd.per_second:.0f} stories/s, p99 {crowd.p(99):.1f} ms")

    # 7. The public wall (issue 17): pages and feeds through the web adapter, server time.
    await _measure_web(storage, core, size, options, result)


async def _measure_web(
    storage: Any, core: Core, size: int, options: Options, result: SizeRun
) -> None:
    from bench import database as storage_bench
    from bench.web import measure_web

    figures = await measure_web(
        core,
        storage.engine,
        storage_bench.LARGE_COMMUNITY,
        storage_bench.WALL_TOKEN,
        corpus.rare_tag(),
        options.samples,
        seed=size,
    )
    for figure in figures:
        result.figures.append(figure)
        options.out(f"  {figure.name}: p99 {figure.p(99):.2f} ms (server time) {figure.note}")


async def _timed(operation: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await operation()
    return (time.perf_counter() - started) * 1000


WARMUP = 3
FIGURE_BUDGET_SECONDS = 60.0
MIN_SAMPLES = 5


async def _case(
    storage: Any,
    name: str,
    operation: Callable[[int], Awaitable[None]],
    swap: Callable[[int], dict[Any, Any]],
    count: int,
    note: str = "",
    warmup: int = WARMUP,
) -> Figure:
    """A figure that fails on any sample (an error answer, a timeout, a driver error in the
    floor) is reported as failed with its reason, and the bench goes on with the next."""
    i = 0
    try:
        with storage.recorder.recording() as steps:
            started = time.perf_counter()
            await operation(0)
            first = time.perf_counter() - started
        # A slow figure gets fewer samples, so one miss cannot hold the whole bench for hours.
        count = max(min(count, int(FIGURE_BUDGET_SECONDS / 2 / max(first, 1e-6))), MIN_SAMPLES)
        warmup = min(warmup, 1) if count == MIN_SAMPLES else warmup
        core_ms: list[float] = []
        floor_ms: list[float] = []
        for i in range(1, count + warmup + 1):
            spent = await _timed(lambda i=i: operation(i))
            floor = await _timed(lambda i=i: storage.raw.replay(steps, swap(i)))
            if i > warmup:
                core_ms.append(spent)
                floor_ms.append(floor)
    except Exception as failure:  # a finding, not a crash
        return _failed(name, i, failure)
    return Figure(name, core_ms, floor_ms, "raw SQL", note)


def _failed(name: str, sample: int, failure: BaseException) -> Figure:
    reason = f"failed on sample {sample + 1}: {type(failure).__name__}: {failure}"[:300]
    log.warning("%s %s", name, reason)
    return Figure(name, [], [], "raw SQL", reason)


async def _submit_case(
    storage: Any,
    core: Core,
    command: Callable[[int], c.Command],
    author: Callable[[int], Actor],
    count: int,
) -> Figure:
    """The floor replays the recorded INSERTs with a new client key and author each time,
    and with the story number and id the database hands out now."""
    with storage.recorder.recording() as steps:
        _ok(await core.handle(command(0), author(0)))
    async with storage.uow() as uow:
        stored = await uow.stories.by_client_key(LARGE, "bench-submit-0")
    assert stored is not None and stored.id is not None
    learn = [("UPDATE communities", stored.number), ("INSERT INTO stories ", stored.id)]
    core_ms: list[float] = []
    floor_ms: list[float] = []
    for i in range(1, count + WARMUP + 1):
        cmd, who = command(i), author(i)
        spent = await _timed(lambda cmd=cmd, who=who: _submitted(core, cmd, who))
        swap = {"bench-submit-0": f"bench-floor-{i}", "bench-author-0": f"bench-floor-{i}"}
        floor = await _timed(lambda swap=swap: storage.raw.replay(steps, swap, learn))
        if i > WARMUP:
            core_ms.append(spent)
            floor_ms.append(floor)
    return Figure("submit", core_ms, floor_ms, "raw SQL")


async def _submitted(core: Core, command: c.Command, actor: Actor) -> None:
    _ok(await core.handle(command, actor))


async def _weekly_case(storage: Any, core: Core, count: int) -> Figure:
    """The weekly job over every community, as a dry run so each run does the full pick."""

    async def operation(_: int) -> None:
        outcomes = await core.run_weekly(dry_run=True, force=True)
        if not outcomes:
            raise BenchError("the weekly job found no community")

    figure = await _case(
        storage, "weekly job, all communities", operation, lambda _: {}, count, warmup=1
    )
    figure.note = "dry run over every community"
    return figure


async def _weekly_idle_case(storage: Any, core: Core, count: int, communities: int) -> Figure:
    """One real tick settles every community (the seed has no highlight channels, so the
    picks are announced nowhere); then each tick finds nothing due."""
    name = "weekly tick, nothing due"
    try:
        await core.run_weekly()
    except Exception as failure:
        return _failed(name, 0, failure)

    async def operation(_: int) -> None:
        outcomes = await core.run_weekly()
        if outcomes:
            raise BenchError(f"{len(outcomes)} communities were still due")

    figure = await _case(storage, name, operation, lambda _: {}, count)
    figure.note = figure.note or f"{communities:,} communities"
    return figure


CROWD = 50  # concurrent submitters
CROWD_EACH = 10  # submissions each, one after another: 500 stories, a steadier rate than 200


async def _concurrent_submit_case(
    storage: Any, core: Core, space: SpaceRef, submitters: int, each: int
) -> Figure:
    """`submitters` tasks at once, each submitting `each` stories (by a new author every time,
    so the rate limit does not refuse); then every story is looked up by its client key:
    nothing lost, nothing stored twice, numbers without gaps. A first, unmeasured round of one
    story each warms up what a running service has warm, as the other figures' first samples
    do: the pools' connections, opened by the first burst, and their prepared statements."""
    name = f"submit, {submitters} concurrent submitters"

    async def submitter(s: int, stories: int = each, key: str = "bench-crowd") -> list[float]:
        spent = []
        for k in range(stories):
            who = Actor(space=space, user_id=f"{key}-{s}-{k}", display_name="Crowd")
            story = StoryInput(
                text=f"The {corpus.COMMON_WORD} lost a bag; the driver brought it home at once.",
                title="Brought it home",
                tags=("speed",),
            )
            cmd = c.Submit(story, client_key=f"{key}-{s}-{k}")
            spent.append(await _timed(lambda cmd=cmd, who=who: _submitted(core, cmd, who)))
        return spent

    try:
        await asyncio.gather(*(submitter(s, 1, "bench-crowd-warmup") for s in range(submitters)))
        started = time.perf_counter()
        latencies = await asyncio.gather(*(submitter(s) for s in range(submitters)))
        elapsed = time.perf_counter() - started
        numbers = []
        async with storage.uow(read_only=True) as uow:
            for s in range(submitters):
                for k in range(each):
                    stored = await uow.stories.by_client_key(LARGE, f"bench-crowd-{s}-{k}")
                    if stored is None:
                        raise BenchError(f"bench-crowd-{s}-{k} was confirmed but not stored")
                    numbers.append(stored.number)
        total = submitters * each
        if sorted(numbers) != list(range(min(numbers), min(numbers) + total)):
            raise BenchError(f"numbers not gap-free and unique: {sorted(numbers)[:20]}…")
    except Exception as failure:
        return _failed(name, 0, failure)
    figure = Figure(name, [ms for spent in latencies for ms in spent], [], "none")
    figure.per_second = total / elapsed
    figure.target_per_second = CROWD_TARGETS.get(storage.engine.dialect.name)
    figure.note = f"{total} stories, none lost or duplicated, numbers gap-free"
    return figure


CROWD_TARGETS = {"postgresql": 500.0, "sqlite": 200.0}  # stories/s, issue 15


async def _walk(core: Core, actor: Actor, first: c.Command, pages: int) -> tuple[c.Command, int]:
    """The command for the page `pages` pages on from `first`, following Next (or the
    deepest page there is, and how deep that was)."""
    command, depth = first, 0
    while depth < pages:
        found = _next_page(_ok(await core.handle(command, actor)))
        if found is None:
            break
        command, depth = found, depth + 1
    return command, depth


async def _measure_platforms(
    storage: Any, number: int, options: Options, result: SizeRun, workdir: Path
) -> None:
    _find_source_checkout()
    try:
        from tests.fakes.discord import FakeDiscord
        from tests.fakes.slack import TEAM, FakeSlack
    except ImportError:
        why = (
            "platforms: the Slack and Discord fakes (tests/) are not importable; "
            "run the bench from a source checkout"
        )
        options.out(f"  skipped {why}")
        result.skipped.append(why)
        return
    from bench import database as storage_bench
    from bench.discord import measure_discord
    from bench.slack import measure_slack

    # As many samples as the core's figures: with half, a p99 was the slowest of 50.
    count = max(3, options.samples)
    slack = FakeSlack()
    await slack.start()
    try:
        await storage_bench.add_space(storage.engine, storage_bench.LARGE_COMMUNITY, "slack", TEAM)
        figures = await measure_slack(storage.uow, slack, TEAM, f"show {number}", count)
    except Exception as failure:  # a finding, not a crash: the run goes on
        figures = [_failed("slack /story show", 0, failure)]
    finally:
        await slack.stop()
    discord = FakeDiscord()
    await discord.start()
    try:
        await storage_bench.add_space(
            storage.engine, storage_bench.LARGE_COMMUNITY, "discord", str(discord.guild_id)
        )
        figures += await measure_discord(storage.uow, discord, number, count, workdir)
    except Exception as failure:
        figures.append(_failed("discord /story show", 0, failure))
    finally:
        await discord.close()
    show = next((f for f in result.figures if f.name == "show one story"), None)
    for figure in figures:
        if show is not None and not show.failed and not figure.failed:
            figure.bound_ms = platform_bound(figure, show)
        result.figures.append(figure)
        options.out(f"  {figure.name}: p99 {figure.p(99):.2f} ms")


async def _measure_rss(
    url: str, large_count: int, options: Options, result: SizeRun, workdir: str
) -> None:
    """Resident memory of a real `storybot run` (Slack and Discord, against the fakes) on
    this database, after it has served reads of every kind."""
    from tests.fakes import slack_payloads as payloads
    from tests.fakes.discord import FakeDiscord
    from tests.fakes.slack import FakeSlack
    from tests.harness.bot_process import BotProcess, bot_env

    slack, discord = FakeSlack(), FakeDiscord()
    await slack.start()
    await discord.start()
    slack.add_user("U0RSS", "Bench")
    env = bot_env(url, slack=slack, discord=discord)
    bot = BotProcess(env, Path(workdir) / "rss", name="rss")
    try:
        await bot.start()
        await bot.wait_http(within=120)
        await discord.wait_connected(within=60)
        lines = ["browse", f"search {corpus.COMMON_WORD}", "tags", f"show {large_count // 3}"]
        for i in range(40):
            body = payloads.command(
                lines[i % len(lines)], user="U0RSS", response_url=slack.response_url(f"rss-{i}")
            )
            status, _ = await bot.slack_post(body, within=60)
            if status != 200:
                raise BenchError(f"storybot run answered {status}")
            await slack.wait_for_responses(i + 1, within=120)
        result.rss_mb = bot.rss_bytes() / 2**20
        result.peak_rss_mb = bot.peak_rss_bytes() / 2**20
        options.out(
            f"  storybot run: RSS {result.rss_mb:.0f} MB (peak {result.peak_rss_mb:.0f} MB)"
        )
    except Exception as failure:  # the other figures still stand
        result.skipped.append(f"RSS of storybot run: {failure}\n{bot.log()[-2000:]}")
    finally:
        await bot.stop()
        await discord.close()
        await slack.stop()


def _find_source_checkout() -> None:
    """The platform fakes live in tests/ of a source checkout; the `storybot` script does not
    put the checkout on sys.path, so add it when this package was installed from one."""
    root = Path(__file__).resolve().parents[1]
    fake = root / "tests" / "fakes" / "slack.py"
    if fake.exists() and str(root) not in sys.path:
        sys.path.append(str(root))


def meta(argv: Sequence[str], dialect: str) -> dict[str, Any]:
    return {
        "command": "storybot " + " ".join(argv),
        "date": _utcnow().isoformat(timespec="seconds"),
        "database": dialect,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
    }
