"""Test settings: the same schema as production, with fast hashing and no TLS redirect."""

import os

os.environ.setdefault("DJANGO_SECURE", "false")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijkl")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"  # noqa: F405
MEDIA_ROOT = PRIVATE_MEDIA_ROOT

# Tests fund accounts with allowances of any vintage as carried-over opening balances, whatever
# plans exist; the rule that later vintages need their published plan is tested with the
# production value set explicitly (tests/trading/test_issuance.py).
REGISTRY_CARRIED_OVER_UNTIL_VINTAGE = 2100
