"""A spreadsheet checked in a dry run, kept in the session so "Record" needs no second upload.

Used by every import with a dry run (organisations, report sources, market figures, the
exchange's transfers). Small files only: a larger one is simply chosen again."""

import base64

from django.core.files.uploadedfile import SimpleUploadedFile

MAX_BYTES = 2 * 1024 * 1024


def keep(request, key: str, upload, *, name: str, sha256: str) -> None:
    """Keeps the checked file under `key`, replacing what was kept there; nothing if it is too big."""
    request.session.pop(key, None)
    if upload.size <= MAX_BYTES:
        upload.seek(0)
        request.session[key] = {
            "name": name,
            "sha256": sha256,
            "content": base64.b64encode(upload.read()).decode("ascii"),
        }


def sha256_kept(request, key: str) -> str:
    """The hash of the file kept under `key`, or "" (the page offers "Record" only when it matches)."""
    pending = request.session.get(key)
    return pending["sha256"] if pending else ""


def take(request, key: str, sha256: str) -> SimpleUploadedFile | None:
    """The kept file if it is the one whose check the user saw (`sha256`), else None."""
    pending = request.session.get(key)
    if not pending or not sha256 or pending["sha256"] != sha256:
        return None
    return SimpleUploadedFile(pending["name"], base64.b64decode(pending["content"]))


def drop(request, key: str) -> None:
    request.session.pop(key, None)
