"""Each app contributes the pending tasks and deadlines a user sees on the dashboard.

Apps register a provider in their AppConfig.ready(); carbon_portal never imports them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Task:
    title: str
    url: str = ""
    due: date | None = None
    tag: str = ""  # a short status word shown as a tag
    tag_colour: str = "blue"
    basis: str = ""  # the legal article behind the task, in small print


_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def tasks_for(user) -> list[Task]:
    tasks: list[Task] = []
    for provider in _providers:
        tasks.extend(provider(user))
    return sorted(tasks, key=lambda t: (t.due is None, t.due or date.max, t.title))
