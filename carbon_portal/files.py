"""Hardened checks for uploaded files, shared by every app that accepts one.

A file is judged by its content, never by its name alone: the bytes must be of the kind its
extension claims (the `filetype` library reads the magic numbers), so `virus.exe` renamed
`orgs.xlsx` is refused before any parser sees it. Workbooks are ZIP archives and openpyxl
inflates every part it reads, so the archive's directory is inspected first: Python's zipfile
never inflates a member beyond the size its central directory declares, which makes those
declared sizes a sound bound to check against (zip-bomb defence).
"""

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass, field

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Limits for what an .xlsx may expand to. A real workbook of 20,000 rows inflates to a few MB
# and its parts compress 5-20 times; a zip bomb compresses zeros a thousand times.
# Each may be overridden by a setting of the same name prefixed with UPLOAD_ (read per call).
XLSX_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_MAX_MEMBERS = 1000
# Tiny parts (a 300-byte XML header) can exceed any ratio harmlessly; the total cap bounds them.
XLSX_RATIO_FLOOR_BYTES = 64 * 1024
_XLSX_REQUIRED_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class _Kind:
    extensions: tuple[str, ...]
    # What filetype may call the content. None: no binary signature at all (plain text).
    detected: frozenset[str | None]
    label: str  # lazy: shown in the uploader's language


KINDS = {
    # An .xlsx whose first parts are not where filetype looks is reported as a plain zip;
    # _check_xlsx then decides from the archive's member list.
    "xlsx": _Kind((".xlsx",), frozenset({"xlsx", "zip"}), gettext_lazy("Excel workbook (.xlsx)")),
    "csv": _Kind((".csv",), frozenset({None}), gettext_lazy("CSV (.csv)")),
    "pdf": _Kind((".pdf",), frozenset({"pdf"}), gettext_lazy("PDF (.pdf)")),
    # An animated PNG is still a PNG; filetype names it apng.
    "png": _Kind((".png",), frozenset({"png", "apng"}), gettext_lazy("PNG image (.png)")),
    "jpg": _Kind((".jpg", ".jpeg"), frozenset({"jpg"}), gettext_lazy("JPEG image (.jpg, .jpeg)")),
}


def kinds_label(kinds: tuple[str, ...]) -> str:
    """The accepted types in words, for messages and form hints."""
    return ", ".join(str(KINDS[k].label) for k in kinds)


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check, read into memory once."""

    name: str
    kind: str
    content: bytes = field(repr=False)
    sha256: str
    text: str | None = field(default=None, repr=False)  # CSV only: the decoded text
    encoding: str | None = None  # CSV only

    @property
    def size(self) -> int:
        return len(self.content)


def check_upload(
    uploaded_file, *, allowed: tuple[str, ...] = ("csv", "xlsx"), max_bytes: int | None = None
) -> CheckedUpload:
    """Returns a CheckedUpload or raises ValidationError with a message for the uploader."""
    limit = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    name = os.path.basename(getattr(uploaded_file, "name", "") or "")[:120] or _("the file")
    content = _read_limited(uploaded_file, limit, name)
    kind = _kind_from_extension(name, allowed)
    _check_signature(content, kind, name)
    if kind == "xlsx":
        _check_xlsx(content, name)
    text = encoding = None
    if kind == "csv":
        text, encoding = _decode_csv(content, name)
    return CheckedUpload(
        name=name,
        kind=kind,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        text=text,
        encoding=encoding,
    )


def _read_limited(uploaded_file, limit: int, name: str) -> bytes:
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > limit:
        raise _too_big(name, declared, limit)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    # Read one byte past the limit: the declared size comes from the client and may lie.
    content = uploaded_file.read(limit + 1)
    if len(content) > limit:
        raise _too_big(name, len(content), limit)
    if not content:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    return content


def _too_big(name: str, size: int, limit: int) -> ValidationError:
    return ValidationError(
        _("%(name)s is %(size)s; the limit is %(limit)s.")
        % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
        code="too_big",
    )


def _kind_from_extension(name: str, allowed: tuple[str, ...]) -> str:
    ext = os.path.splitext(name)[1].lower()
    for kind in allowed:
        if ext in KINDS[kind].extensions:
            return kind
    raise ValidationError(
        _("%(name)s is not an accepted type of file. Upload one of: %(types)s.")
        % {"name": name, "types": kinds_label(allowed)},
        code="extension",
    )


def _check_signature(content: bytes, kind: str, name: str) -> None:
    guess = filetype.guess(content[:8192])
    detected = guess.extension if guess else None
    if detected not in KINDS[kind].detected:
        raise ValidationError(
            _(
                "%(name)s does not contain what its name says (%(type)s): it looks like %(detected)s. "
                "Files are checked by what they contain, not only by their name."
            )
            % {
                "name": name,
                "type": KINDS[kind].label,
                "detected": _("a .%(ext)s file") % {"ext": detected} if detected else _("text or unknown data"),
            },
            code="content_mismatch",
        )


def _check_xlsx(content: bytes, name: str) -> None:
    """Refuses a damaged archive, a ZIP that is not a workbook, and anything that inflates too far."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ValidationError(_("%(name)s is damaged and cannot be opened.") % {"name": name}, code="corrupt")
    max_members = getattr(settings, "UPLOAD_XLSX_MAX_MEMBERS", XLSX_MAX_MEMBERS)
    max_total = getattr(settings, "UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES", XLSX_MAX_UNCOMPRESSED_BYTES)
    max_ratio = getattr(settings, "UPLOAD_XLSX_MAX_RATIO", XLSX_MAX_RATIO)
    unsafe = _("%(name)s is refused as unsafe: %(reason)s")
    if len(members) > max_members:
        reason = _("it has %(n)s parts (at most %(max)s).") % {"n": len(members), "max": max_members}
        raise ValidationError(unsafe % {"name": name, "reason": reason}, code="zip_members")
    total = sum(m.file_size for m in members)
    if total > max_total:
        reason = _("it expands to %(size)s when opened (at most %(max)s).") % {
            "size": filesizeformat(total),
            "max": filesizeformat(max_total),
        }
        raise ValidationError(unsafe % {"name": name, "reason": reason}, code="zip_size")
    for m in members:
        if m.file_size > XLSX_RATIO_FLOOR_BYTES and m.file_size > max_ratio * max(m.compress_size, 1):
            reason = _("a part is compressed more than %(ratio)s times.") % {"ratio": max_ratio}
            raise ValidationError(unsafe % {"name": name, "reason": reason}, code="zip_ratio")
    names = {m.filename for m in members}
    if not all(required in names for required in _XLSX_REQUIRED_MEMBERS):
        raise ValidationError(
            _("%(name)s is a ZIP archive but not an Excel workbook (.xlsx).") % {"name": name}, code="not_xlsx"
        )


def _decode_csv(content: bytes, name: str) -> tuple[str, str]:
    if b"\x00" in content:
        raise ValidationError(
            _("%(name)s is not a text file: it contains binary data.") % {"name": name}, code="binary"
        )
    for encoding in CSV_ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _('%(name)s is not UTF-8 or GB18030 text. Save it as "CSV UTF-8" and upload it again.') % {"name": name},
        code="encoding",
    )
