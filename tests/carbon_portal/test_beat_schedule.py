"""Every job in the beat schedule names a task the worker knows: a typo would fail silently at 08:00."""

import pytest

from carbon_portal.celery import app


@pytest.mark.parametrize("name", sorted(app.conf.beat_schedule))
def test_beat_entry_names_a_registered_task(name):
    app.loader.import_default_modules()
    assert app.conf.beat_schedule[name]["task"] in app.tasks
