"""Reading PDFs in tests with poppler-utils: skipped on a laptop without it, required in CI."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import IN_CI


def require_poppler() -> None:
    if shutil.which("pdftotext") and shutil.which("pdffonts"):
        return
    if IN_CI:
        pytest.fail("CI needs poppler-utils (pdftotext, pdffonts) to check generated PDFs")
    pytest.skip("poppler-utils not installed (apt-get install poppler-utils)")


def _run(args: list[str], data: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        return subprocess.run(
            [*args, str(path), *(["-"] if args[0] == "pdftotext" else [])], capture_output=True, check=True
        ).stdout.decode("utf-8")


def pdf_text(data: bytes, *, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return _run(["pdftotext", "-enc", "UTF-8", *pages], data)


def embedded_fonts(data: bytes) -> list[str]:
    """Names of the fonts the PDF embeds (the `emb` column of pdffonts says yes)."""
    lines = _run(["pdffonts"], data).splitlines()[2:]
    found = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the flags sit five from the end.
        if len(parts) >= 6 and parts[-5] == "yes":
            found.append(parts[0])
    return found


def page_count(data: bytes) -> int:
    return pdf_text(data).count("\f")
