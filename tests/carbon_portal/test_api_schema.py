"""The OpenAPI document is valid and complete, and the docs pages load nothing from a CDN."""

import re

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

REGISTRY_PATHS = {
    "/api/me/",
    "/api/registry/organisations/",
    "/api/registry/organisations/{id}/",
    "/api/registry/organisations/{id}/facilities/",
    "/api/registry/lists/",
    "/api/registry/lists/{year}/entries/",
    "/api/registry/criteria/",
    "/api/registry/admin/lists/",
    "/api/registry/admin/lists/{year}/",
    "/api/registry/admin/lists/{year}/entries/",
    "/api/registry/admin/lists/{year}/submit/",
    "/api/registry/admin/lists/{year}/approve/",
    "/api/registry/admin/lists/{year}/return/",
}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_a_valid_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document


def test_schema_lists_every_registry_endpoint(schema):
    assert REGISTRY_PATHS <= set(schema["paths"])


def test_decimals_are_documented_as_strings(schema):
    entry = schema["components"]["schemas"]["PublicEntryOutput"]["properties"]["basis_emissions_tco2e"]
    assert entry["type"] == "string" and entry["format"] == "decimal"


def test_schema_generates_without_warnings(tmp_path):
    """Same as `manage.py spectacular --validate --fail-on-warn` in CI."""
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert yaml.safe_load(out.read_text())["openapi"].startswith("3.")


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_only_local_assets(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert external == []
