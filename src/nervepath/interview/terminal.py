"""The interview in a plain terminal: one line of input per step, no full-screen UI.

Typed replies are turned into option values here; the flow itself is ``Interview``'s.
Every prompt takes ``b`` (back one step, undoing its answer) and ``q`` (stop and see the
result); bad input is explained and asked again; end of input (Ctrl-D) finishes like ``q``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from nervepath.assessment.service import Assessor
from nervepath.assessment.summary import render_assessment
from nervepath.errors import CaseError
from nervepath.interview.machine import Interview
from nervepath.interview.steps import CHECKLISTS, Progress, Step
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base

__all__ = ["PROMPT", "parse_reply", "run_interview"]

PROMPT = "> "
_YES = {"y", "yes", "1"}
_NO = {"n", "no", "2"}
_DONT_KNOW = {"d", "dk", "?", "3", "u", "unknown", "don't know", "dont know", "not sure"}
_SIDES = {"1": "left", "l": "left", "2": "right", "r": "right", "3": "both"}
_EMERGENCY = {"c": "continue", "s": "stop"}
_STOPPED = {
    "confident": "The answer is clear enough: stopping the questions.",
    "nothing_left": "No remaining question would change the result much: stopping.",
    "unsure": 'Several "don\'t know" answers in a row: stopping. The result rests on the '
    "answers you could give.",
    "max_questions": "That was the last question.",
    "quit": "Stopped on request.",
    "stopped": "Stopped after the emergency warning.",
}
_BANNER = "bold white on red"


def parse_reply(step: Step, reply: str) -> list[str]:
    """Option values from a typed reply; ``ValueError`` says what is expected instead."""
    text = " ".join(reply.strip().lower().replace("’", "'").split())
    if not text:
        raise ValueError("please type an answer")
    values = [o.value for o in step.options]
    if step.kind == "side":
        side = _SIDES.get(text, text)
        if side not in values:
            raise ValueError("type 1 (left), 2 (right) or 3 (both)")
        return [side]
    if step.kind in CHECKLISTS and text in ("0", "n", "no", "none", "none of these"):
        return [step.exclusive or "none"]
    if step.phase == "start":
        if text.isdigit() and 1 <= int(text) <= len(values):
            return [values[int(text) - 1]]
        if text in values:
            return [text]
        raise ValueError(f"type a number from 1 to {len(values)}")
    if step.multiple:
        picked: list[str] = []
        for word in re.split(r"[,\s]+", text):
            if word.isdigit() and 1 <= int(word) <= len(values):
                picked.append(values[int(word) - 1])
            elif word in values:
                picked.append(word)
            else:
                raise ValueError(
                    f"{word!r} is not on the list: type the numbers, e.g. 1 3 (1 to {len(values)})"
                )
        return picked
    if step.kind == "emergency":
        choice = _EMERGENCY.get(text, text)
        if choice not in values:
            raise ValueError("type c to continue the questions or s to stop here")
        return [choice]
    if text in _DONT_KNOW:
        return ["unknown"]
    if "present" in values:
        if text in _YES:
            return ["present"]
        if text in _NO:
            return ["absent"]
        raise ValueError("type y (yes), n (no) or d (don't know)")
    if text in values:
        return [text]
    grades = ", ".join(v for v in values if v != "unknown")
    raise ValueError(f"type one of {grades}, or d (don't know)")


def run_interview(
    *,
    setting: str = "self_check",
    save: Path | None = None,
    kb: KnowledgeBase | None = None,
    console: Console | None = None,
    read: Callable[[str], str] | None = None,
) -> int:
    """Run one interview; returns the exit status (0, or 130 when interrupted)."""
    out = console or Console(highlight=False)
    ask = read or out.input
    interview = Interview(Assessor(kb or load_knowledge_base()), setting=setting)
    _intro(out, setting)
    ended = False  # end of input: no more prompts
    try:
        while interview.step.kind != "done":
            step = interview.step
            _show(out, step, interview.progress(), setting)
            try:
                reply = ask(PROMPT)
            except EOFError:
                out.print("\n(end of input: finishing with the answers so far)")
                ended = True
                interview.quit()
                break
            word = reply.strip().lower()
            if word in ("q", "quit"):
                interview.quit()
            elif word in ("b", "back"):
                if interview.can_go_back:
                    interview.back()
                else:
                    out.print("[yellow]This is the first question: there is nothing to go back to.")
            else:
                try:
                    interview.answer(*parse_reply(step, reply))
                except (ValueError, CaseError) as exc:
                    out.print(f"[yellow]Sorry, I did not understand that: {exc}.", markup=True)
        _finish(out, interview, setting, save, ask if not ended else None)
    except KeyboardInterrupt:
        out.print("\nInterview cancelled; nothing was saved.")
        if interview.progress().urgency == "emergency":
            out.print(Text(_EMERGENCY_LINE, style=_BANNER))
        return 130
    return 0


_EMERGENCY_LINE = "Your answers need emergency care: go to an emergency department (A&E) now."


def _intro(out: Console, setting: str) -> None:
    out.print(
        Panel(
            Text(
                "nervepath interview: a few questions about you, where you feel it, the "
                "warning signs on one list, then a few about your symptoms.\nAt any "
                "question: b = go back, q = stop and see the result. Decision support, "
                "not a diagnosis: if you feel very unwell, call "
                "an ambulance or go to an emergency department now."
                if setting == "self_check"
                else "nervepath interview (clinician): history and examination findings, "
                "red flags first.\nAt any prompt: b = back, q = stop and assess."
            ),
            border_style="cyan",
        )
    )


def _show(out: Console, step: Step, progress: Progress, setting: str) -> None:
    out.print()
    if step.kind == "emergency":
        _show_emergency(out, step, setting)
        out.print("Type c to continue the questions, or s to stop and see the summary.")
        return
    if step.kind == "side":
        out.print(f"[bold]{step.text}")
        out.print("  1 left   2 right   3 both")
        return
    if step.phase in ("start", "body_map") or step.kind in CHECKLISTS:
        out.print(Text(step.text, style="bold"))
        group = None
        shown = [o for o in step.options if o.value != step.exclusive]
        for number, option in enumerate(shown, 1):
            if option.group != group:
                group = option.group
                out.print(f"  [bold cyan]{(group or '').capitalize()}")
            out.print(Text(f"    {number:2d}  {option.label}"))
        if step.kind in CHECKLISTS:
            out.print("Type 0 (none of these), or the numbers of those you have (e.g. 2 5).")
        elif step.multiple:
            out.print("Type the numbers, separated by spaces (e.g. 1 2).")
        else:
            out.print("Type a number.")
        return
    out.print(_progress_line(step, progress), style="dim")
    if progress.urgency == "emergency":
        out.print(Text(_EMERGENCY_LINE, style=_BANNER))
    out.print(Text(step.text, style="bold"))
    if setting == "clinician" and step.plain != step.text:
        out.print(Text(f"(to ask: {step.plain})", style="dim"))
    if "present" in (o.value for o in step.options):
        out.print("  y = yes   n = no   d = don't know   (b = back, q = stop)")
    else:
        grades = " / ".join(o.value for o in step.options if o.value != "unknown")
        out.print(f"  {grades}   d = don't know   (b = back, q = stop)")


def _progress_line(step: Step, p: Progress) -> str:
    where = "warning-sign follow-up" if step.phase == "follow_up" else "most useful next question"
    line = f"Question {step.number} · {where}"
    if p.leading_name is not None:
        side = f" ({p.leading_side})" if p.leading_side else ""
        filled = round(p.leading_probability * 20)
        bar = "█" * filled + "·" * (20 - filled)
        line += (
            f" · most likely so far: {p.leading_name}{side} {bar} "
            f"{100 * p.leading_probability:.0f}%"
        )
    return line


def _show_emergency(out: Console, step: Step, setting: str) -> None:
    body = Text()
    body.append(step.text + "\n", style="bold")
    body.append("Do not wait to see if it settles, and do not wait for a GP appointment.\n")
    for alert in step.alerts:
        body.append("\n⚠ ")
        body.append(alert.clinical if setting == "clinician" else alert.plain)
        body.append(f"\n  source: {alert.citation}", style="dim")
    out.print(Panel(body, title="EMERGENCY", style=_BANNER))


def _finish(
    out: Console,
    interview: Interview,
    setting: str,
    save: Path | None,
    ask: Callable[[str], str] | None,
) -> None:
    reason = interview.step.reason or "quit"
    out.print()
    out.print(_STOPPED.get(reason, reason))
    assessment = interview.assessment()
    out.print(render_assessment(assessment))
    unanswered = interview.warning_signs_unanswered()
    if unanswered:
        out.print(
            Panel(
                Text(
                    f"{len(unanswered)} warning-sign question(s) were not answered (or answered "
                    "don't know), so the urgency above does not take them into account. Go to "
                    "an emergency department (A&E) now if you notice numbness between your "
                    "legs or around your back passage, new trouble with your bladder or bowels, "
                    "a leg getting weaker quickly, or a foot turning cold and pale."
                ),
                title="Not checked",
                border_style="yellow",
            )
        )
    if save is not None:
        _save(out, interview, save)
        return
    if ask is None:
        return
    while True:
        try:
            name = ask("Save the answers to a file? Type a file name, or press Enter to skip: ")
        except EOFError:
            return
        if not name.strip():
            return
        if _save(out, interview, Path(name.strip()).expanduser()):
            return


def _save(out: Console, interview: Interview, path: Path) -> bool:
    text = json.dumps(interview.case_document(), indent=2, ensure_ascii=False) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        out.print(f"[red]Could not save to {path}: {exc.strerror}.")
        return False
    out.print(f"Saved the answers to {path}")
    return True
