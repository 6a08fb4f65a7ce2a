"""The local shell: the same bot, no Slack (after Hubot's shell adapter and Errbot's text backend).

Lines go through the same parse → resolve → render path as Slack requests; replies are printed
as readable text. Buttons are numbered, and typing a number presses one, so drill-down works
here too.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from bot import answering, grade_form, grade_prompts, grade_reply, listing, render, terminal
from bot.render import Message
from bot.store import KnowledgeStore

PROMPT = "immuno> "
BANNER = (
    "immuno local shell — no Slack tokens configured, so replies print here.\n"
    "Type /immuno <question> or @immuno <question> (the prefix is optional), "
    "grade <side effect> for the grading calculator, a number to press a button, or 'quit'."
)

_PRESSABLE = (render.ACTION_SECTION, render.ACTION_CHOOSE, listing.ACTION_PAGE)


def _elements(message: Message) -> list[dict[str, Any]]:
    """Buttons and menus, in reading order: in actions blocks and as section accessories."""
    out: list[dict[str, Any]] = []
    for block in message.blocks:
        if block.get("type") == "actions":
            out += block["elements"]
        elif block.get("accessory"):
            out.append(block["accessory"])
    return out


class Shell:
    def __init__(self, store: KnowledgeStore, out: TextIO = sys.stdout) -> None:
        self.store = store
        self.out = out
        self.buttons: list[dict[str, Any]] = []
        self.stdin: TextIO | None = None
        self.interactive = False

    def _show(self, message: Message) -> None:
        self.buttons = [
            e
            for e in _elements(message)
            if e.get("type") == "button" and e["action_id"].split("#")[0] in _PRESSABLE
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
        if button["action_id"].split("#")[0] == listing.ACTION_PAGE:
            wanted = listing.parse_page_value(button["value"])
            return listing.page(self.store.index.knowledge, *wanted) if wanted else None
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
        graded = self._grade(line)
        if graded is not None:
            self._show(graded)
            return True
        reply = answering.answer(line, self.store.index, rejected=self.store.rejected_summary)
        self._show(reply.message)
        return True

    def ask(self, prompt: str) -> str | None:
        """One answer to a prompt (the grading calculator's fields); None at end of input."""
        if self.interactive:
            try:
                return input(prompt)
            except (EOFError, KeyboardInterrupt):
                return None
        line = self.stdin.readline() if self.stdin else ""
        if not line:
            return None
        print(prompt + line.rstrip("\n"), file=self.out)
        return line

    def say(self, text: str) -> None:
        print(text, file=self.out)

    def _grade(self, line: str) -> Message | None:
        """`grade <side effect>`: the calculator, one prompt per field."""
        index = self.store.index
        effect = grade_prompts.requested(line, index)
        if effect is None:
            return None
        answers = grade_prompts.ask_answers(effect, index, self.ask, self.say)
        if answers.empty:
            return render.error_message("Nothing entered, so nothing to grade.")
        found = grade_form.grade(effect, index.knowledge, answers)
        return grade_reply.result(effect, found, answers, shareable=False)

    def run(self, stdin: TextIO = sys.stdin) -> int:
        interactive = stdin.isatty()
        self.stdin, self.interactive = stdin, interactive
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
