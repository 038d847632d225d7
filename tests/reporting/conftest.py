import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(client):
    """Assert on the English source strings whatever translations the catalogue holds."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
