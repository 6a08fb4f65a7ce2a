"""The local shell: the same bot, no Slack (after Hubot's shell adapter and Errbot's text backend).

Lines go through the same parse → resolve → render path as Slack requests; replies are printed
as readable text. Buttons are numbered, and typing a number presses one, so drill-down works
here too.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from bot import answering, render, terminal
from bot.render import Message
from bot.store import KnowledgeStore

PROMPT = "immuno> "
BANNER = (
    "immuno local shell — no Slack tokens configured, so replies print here.\n"
    "Type /immuno <question> or @immuno <question> (the prefix is optional), "
    "a number to press a button, or 'quit'."
)

_PRESSABLE = (render.ACTION_SECTION, render.ACTION_CHOOSE)


class Shell:
    def __init__(self, store: KnowledgeStore, out: TextIO = sys.stdout) -> None:
        self.store = store
        self.out = out
        self.buttons: list[dict[str, Any]] = []

    def _show(self, message: Message) -> None:
        self.buttons = [
            e
            for b in message.blocks
            if b.get("type") == "actions"
            for e in b["elements"]
            if e["action_id"].split("#")[0] in _PRESSABLE
        ]
        text = terminal.to_text(message)
        if self.buttons:
            labels = " ".join(f"[{n}] {b['text']['text']}" for n, b in enumerate(self.buttons, 1))
            text += f"\nPress: {labels}"
        print(text, file=self.out)

    def _press(self, number: int) -> Message | None:
        if not 1 <= number <= len(self.buttons):
            return None
        button = self.buttons[number - 1]
        entry_id, _, section = button["value"].partition("|")
        return answering.entry_card(self.store.index, entry_id, section or None)

    def handle(self, line: str) -> bool:
        """Answer one line; False when the user asked to leave."""
        line = line.strip()
        if not line:
            return True
        if line.lower() in ("quit", "exit", r"\q", ":q"):
            return False
        self.store.refresh()
        if line.isdigit():
            message = self._press(int(line))
            if message is None:
                print(f"No button {line}.", file=self.out)
                return True
            self._show(message)
            return True
        for prefix in ("/immuno", "@immuno"):
            if line.lower().startswith(prefix):
                line = line[len(prefix) :]
                break
        reply = answering.answer(line, self.store.index, rejected=self.store.rejected_summary)
        self._show(reply.message)
        return True

    def run(self, stdin: TextIO = sys.stdin) -> int:
        interactive = stdin.isatty()
        if interactive:
            print(BANNER, file=self.out)
        while True:
            if interactive:
                try:
                    line = input(PROMPT)
                except (EOFError, KeyboardInterrupt):
                    print(file=self.out)
                    return 0
            else:
                line = stdin.readline()
                if not line:
                    return 0
                print(PROMPT + line.rstrip("\n"), file=self.out)
            if not self.handle(line):
                return 0
