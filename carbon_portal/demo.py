"""Demo data steps of the apps that build on the registry. The registry's `seed_demo` writes the
population and lists, then runs these in the order the apps were installed; each app registers
its step in its AppConfig.ready(), so the registry never imports the apps that depend on it."""

from collections.abc import Callable

Step = Callable[..., None]
_steps: list[tuple[str, Step]] = []


def register(name: str, step: Step) -> None:
    if name not in {n for n, _ in _steps}:
        _steps.append((name, step))


def run_steps(*, log: Callable[[str], None] = print) -> None:
    for name, step in _steps:
        log(f"{name}:")
        step(log=log)
