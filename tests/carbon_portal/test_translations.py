"""Every page and message exists in Simplified Chinese: no string may be left untranslated."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE = Path(settings.BASE_DIR) / "locale"


def _untranslated(po_text: str) -> list[str]:
    """msgids whose msgstr is empty or marked fuzzy (a tiny .po reader: gettext's format is simple)."""
    missing = []
    for block in po_text.split("\n\n"):
        if "msgid " not in block:
            continue
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$', block.split("msgstr")[0], re.M))
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"\n?((?:".*"\n?)*)', block, re.M)
        translated = all((first + rest.replace('"', "").strip()) for first, rest in msgstrs)
        if msgid and (not translated or "#, fuzzy" in block):
            missing.append(msgid)
    return missing


def test_every_message_has_a_chinese_translation(tmp_path, settings):
    if not shutil.which("xgettext"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("gettext must be installed in CI")
        pytest.skip("xgettext not installed (apt-get install gettext)")
    # makemessages writes into the locale directory nearest each source file, so it runs on a
    # copy of the sources: the checkout's .po is never rewritten by a test run.
    tree = tmp_path / "tree"
    shutil.copytree(
        settings.BASE_DIR,
        tree,
        ignore=shutil.ignore_patterns(".*", "var", "staticfiles", "test-results", "node_modules", "__pycache__"),
    )
    settings.LOCALE_PATHS = []
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        call_command("makemessages", locale=["zh_Hans"], ignore_patterns=["tests/*", "bench/*"], verbosity=0)
    finally:
        os.chdir(cwd)
    po = (tree / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    missing = _untranslated(po)
    assert not missing, f"{len(missing)} untranslated: {missing[:20]}"


def test_compiled_catalogue_matches_the_po_file(tmp_path):
    import subprocess

    if not shutil.which("msgfmt"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("gettext must be installed in CI")
        pytest.skip("msgfmt not installed (apt-get install gettext)")
    po = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
    assert fresh.read_bytes() == po.with_suffix(".mo").read_bytes(), "run manage.py compilemessages"
