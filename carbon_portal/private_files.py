"""Files kept under PRIVATE_MEDIA_ROOT, outside the web root: evidence and generated documents.

Stored by the SHA-256 of their bytes, so the same file uploaded twice is kept once and a stored
file is never overwritten with other content. Views stream them with `file_response` only after
their own permission check; nothing here decides who may read what.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "png": "image/png",
    "jpg": "image/jpeg",
}


def root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


def store_bytes(content: bytes, *, area: str, suffix: str) -> tuple[str, str]:
    """Writes `content` once under `area` and returns (path relative to the root, SHA-256)."""
    digest = hashlib.sha256(content).hexdigest()
    relative = f"{area}/{digest[:2]}/{digest}.{suffix.lstrip('.')}"
    target = root() / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, target)
    return relative, digest


def absolute(relative: str) -> Path:
    """The stored file's path; a path that leaves the root (../) is refused."""
    base = root().resolve()
    path = (base / relative).resolve()
    if base not in path.parents:
        raise Http404
    return path


def read_bytes(relative: str) -> bytes:
    return absolute(relative).read_bytes()


def file_response(relative: str, *, filename: str, kind: str, inline: bool = False) -> FileResponse:
    """Streams a stored file as a download the browser will not sniff or cache."""
    path = absolute(relative)
    if not path.is_file():
        raise Http404
    response = FileResponse(
        path.open("rb"),
        as_attachment=not inline,
        filename=filename,
        content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
