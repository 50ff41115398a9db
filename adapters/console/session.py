"""The console chat loop: `/story …` lines in, rendered replies out.

Reads standard input line by line, so it works typed by hand or scripted through a pipe.
A form asks its fields one at a time; typing a button's number presses it.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import IO, Any

from adapters.console.lines import LineReader
from adapters.console.render import render
from bot.commands import Actor
from bot.core import Core
from bot.domain import ChannelRef, Language, Platform, SpaceRef
from bot.i18n import Translator, language_for
from bot.replies import Attachment, Button, FieldKind, Form, FormField, Reply

SPACE = SpaceRef(Platform.CONSOLE, "local")
CHANNEL = "general"
QUIT = {"/quit", "/exit", "/q"}


class ConsoleAnnouncer:
    """Announcements go to the same terminal, marked with the channel they are for."""

    platform = Platform.CONSOLE

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    async def announce(self, channel: ChannelRef, reply: Reply) -> None:
        self.out.write(f"\n[#{channel.channel_id}] {render(reply, [])}\n")
        self.out.flush()


class ConsoleSession:
    def __init__(
        self,
        core: Core,
        actor: Actor,
        *,
        stdin: IO[str] | None = None,
        stdout: IO[str] | None = None,
        export_dir: Path | None = None,
    ) -> None:
        self.core = core
        self.actor = actor
        self.stdin = stdin or sys.stdin
        self.out = stdout or sys.stdout
        self.export_dir = export_dir or Path.cwd()
        self.interactive = self.stdin.isatty()
        self.lines = LineReader(self.stdin)
        self.buttons: list[Button] = []
        self.t = Translator(language_for(actor.locale, Language.EN))

    async def run(self) -> None:
        self.say(self.t("Storybot console. Type /story help, a button's number, or /quit."))
        while (line := await self.read("> ")) is not None:
            line = line.strip()
            if line in QUIT:
                break
            if not line:
                continue
            await self.handle_line(line)

    async def handle_line(self, line: str) -> None:
        if line.isdigit() and 0 < int(line) <= len(self.buttons):
            reply = await self.core.handle_action(self.buttons[int(line) - 1].action, self.actor)
        elif line.startswith("/story"):
            reply = await self.core.handle_text(line, self.actor, self.client_key())
        else:
            self.say(self.t("Commands start with /story. Try /story help."))
            return
        await self.show(reply)

    async def show(self, reply: Reply) -> None:
        if reply.form is not None:
            await self.fill(reply.form, Translator(reply.language))
            return
        self.buttons = []
        self.say(render(reply, self.buttons))
        for block in reply.blocks:
            if isinstance(block, Attachment):
                self.save(block)
        if reply.broadcast is not None:
            self.say(f"[#{CHANNEL}] " + render(reply.broadcast, self.buttons))

    async def fill(self, form: Form, t: Translator) -> None:
        """Ask each field in turn; on a refusal ask again only for the field at fault, with
        what was typed as the answer an empty line keeps, however many times it is refused."""
        self.say(
            form.title + " " + t("(an empty answer keeps the value in brackets; /cancel stops)")
        )
        values: dict[str, Any] = {}
        for field in form.fields:
            answer = await self.ask(field, field.initial, t)
            if answer is _CANCEL:
                self.say(t("Cancelled."))
                return
            values[field.id] = answer
        while True:
            # Each try is a new submission: a refused one stored nothing.
            reply = await self.core.handle_form(form.action, values, self.actor, self.client_key())
            wrong = [f for f in form.fields if f.id in reply.field_errors]
            if not (reply.error and wrong):
                break
            self.say("⚠ " + reply.field_errors[wrong[0].id])
            answer = await self.ask(wrong[0], values[wrong[0].id], t)
            if answer is _CANCEL:
                self.say(t("Cancelled."))
                return
            values[wrong[0].id] = answer
        await self.show(reply)

    async def ask(self, field: FormField, current: Any, t: Translator) -> Any:
        shown = ""
        if isinstance(current, tuple | list):
            shown = ", ".join(current)
        elif isinstance(current, bool):
            shown = "y" if current else "n"
        elif current:
            shown = current.replace("\n", " ")[:60]
        if field.kind is FieldKind.TAGS and field.options:
            self.say("  " + t("Tags") + ": " + ", ".join(o.label for o in field.options))
        suffix = " " + t("(y/n)") if field.kind is FieldKind.CHECKBOX else ""
        prompt = f"{field.label}{suffix}" + (f" [{shown}]" if shown else "") + ": "
        line = await self.read(prompt, always=True)
        if line is None or line.strip() == "/cancel":
            return _CANCEL
        answer = line.strip()
        if not answer:
            return (
                current
                if current is not None
                else ("" if field.kind is not FieldKind.CHECKBOX else False)
            )
        if field.kind is FieldKind.CHECKBOX:
            return answer.casefold() in {"y", "yes", "j", "ja", "true", "1"}
        if field.kind is FieldKind.TAGS:
            return [answer]  # the core splits typed tags on commas and hashes
        if field.kind is FieldKind.USERS:
            return [part for part in answer.replace(",", " ").split() if part]
        return answer

    def save(self, attachment: Attachment) -> None:
        path = self.export_dir / attachment.filename
        path.write_bytes(attachment.content)
        self.say(self.t("Saved {path}", path=str(path)))

    async def read(self, prompt: str, *, always: bool = False) -> str | None:
        if self.interactive or always:
            self.out.write(prompt if self.interactive else prompt + "\n")
            self.out.flush()
        line = await self.lines.readline()
        return line.rstrip("\n") if line else None

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    @staticmethod
    def client_key() -> str:
        return f"console-{uuid.uuid4().hex}"


_CANCEL = object()
