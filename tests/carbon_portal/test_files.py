"""Upload checks: files are judged by their content, and archives by what they would expand to."""

import base64
import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from carbon_portal.files import check_upload


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def xlsx_bytes(rows=(("uscc", "name_zh"), ("x", "y"))) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def workbook_shaped(extra: dict[str, bytes]) -> bytes:
    """A ZIP laid out like a workbook (so filetype calls it xlsx), with extra members."""
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", **extra})


def png_bytes() -> bytes:
    """A complete 1x1 grey PNG: signature, IHDR, IDAT and IEND with their CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")  # one row: filter byte, one grey pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# A complete 1x1 baseline JPEG (159 bytes), as an image editor saves one.
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAFA3PEY8MlBGQUZaVVBfeMiCeG5uePWvuZHI////////////////////////////////"
    "////////////////////wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAABP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAI"
    "AQEAAD8Aa//Z"
)


def pdf_bytes() -> bytes:
    """A complete one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def refused(content: bytes, name: str, **kwargs) -> str:
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile(name, content), **kwargs)
    return exc.value.code


def test_a_real_workbook_is_accepted():
    checked = check_upload(SimpleUploadedFile("orgs.xlsx", xlsx_bytes()))
    assert checked.kind == "xlsx"
    assert len(checked.sha256) == 64


def test_the_extension_is_compared_without_case():
    assert check_upload(SimpleUploadedFile("ORGS.XLSX", xlsx_bytes())).kind == "xlsx"


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("统一社会信用代码,单位名称\n1,上海\n".encode(), "utf-8-sig"),
        ("统一社会信用代码,单位名称\n1,上海\n".encode("utf-8-sig"), "utf-8-sig"),
        ("统一社会信用代码,单位名称\n1,上海\n".encode("gb18030"), "gb18030"),
    ],
)
def test_csv_in_utf8_with_or_without_bom_or_gb18030_is_decoded(content, encoding):
    checked = check_upload(SimpleUploadedFile("orgs.csv", content))
    assert checked.encoding == encoding
    assert checked.text.startswith("统一社会信用代码")


def test_a_renamed_executable_is_refused():
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    assert refused(exe, "orgs.xlsx") == "content_mismatch"
    assert refused(exe, "orgs.csv") == "content_mismatch"


def test_a_word_document_renamed_xlsx_is_refused():
    docx = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    assert refused(docx, "orgs.xlsx") == "content_mismatch"


def test_a_zip_that_is_not_a_workbook_is_refused():
    assert refused(zip_bytes({"readme.txt": b"hello", "data.csv": b"a,b"}), "orgs.xlsx") == "not_xlsx"


def test_a_damaged_zip_is_refused():
    assert refused(b"PK\x03\x04" + b"\x00garbage" * 20, "orgs.xlsx") == "corrupt"


def test_a_workbook_uploaded_as_csv_is_refused():
    assert refused(xlsx_bytes(), "orgs.csv") == "content_mismatch"


def test_an_unaccepted_extension_is_refused():
    assert refused(b"a,b\n1,2\n", "orgs.txt") == "extension"


def test_an_empty_file_is_refused():
    assert refused(b"", "orgs.csv") == "empty"


def test_an_oversize_file_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    assert refused(b"a,b\n" + b"1,2\n" * 300, "orgs.csv") == "too_big"


def test_the_size_is_measured_not_taken_from_the_client():
    class Lying(io.BytesIO):
        name = "orgs.csv"
        size = 10

    with pytest.raises(ValidationError) as exc:
        check_upload(Lying(b"a,b\n" * 1000), max_bytes=100)
    assert exc.value.code == "too_big"


def test_a_zip_bomb_expanding_past_the_total_limit_is_refused():
    # 60 MB of zeros compresses to about 60 KB: the archive's directory gives it away.
    bomb = workbook_shaped({"xl/worksheets/sheet1.xml": b"\x00" * (60 * 1024 * 1024)})
    assert len(bomb) < 200_000
    assert refused(bomb, "orgs.xlsx") == "zip_size"


def test_a_member_compressed_more_than_a_hundred_times_is_refused():
    bomb = workbook_shaped({"xl/sharedStrings.xml": b"\x00" * (5 * 1024 * 1024)})
    assert refused(bomb, "orgs.xlsx") == "zip_ratio"


def test_a_workbook_with_too_many_members_is_refused(settings):
    settings.UPLOAD_XLSX_MAX_MEMBERS = 50
    many = workbook_shaped({f"xl/media/{n}.bin": b"x" for n in range(60)})
    assert refused(many, "orgs.xlsx") == "zip_members"


def test_csv_with_nul_bytes_is_refused():
    assert refused(b"a,b\n1,\x002\n", "orgs.csv") == "binary"


def test_csv_in_neither_encoding_is_refused():
    assert refused(b"a,b\n\xff\xfe\xff,1\n", "orgs.csv") == "encoding"


def test_pdf_is_checked_by_content_for_later_apps():
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    assert check_upload(SimpleUploadedFile("review.pdf", pdf), allowed=("pdf",)).kind == "pdf"
    assert refused(b"MZ\x90\x00" + b"\x00" * 100, "review.pdf", allowed=("pdf",)) == "content_mismatch"


def test_messages_name_the_file():
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("orgs.xlsx", b"MZ\x90\x00" + b"\x00" * 100))
    assert "orgs.xlsx" in exc.value.messages[0]


IMAGES = ("png", "jpg")


def test_a_real_png_is_accepted_as_an_image():
    assert check_upload(SimpleUploadedFile("meter.png", png_bytes()), allowed=IMAGES).kind == "png"


@pytest.mark.parametrize("name", ["meter.jpg", "meter.jpeg", "METER.JPG"])
def test_a_real_jpeg_is_accepted_with_either_extension(name):
    assert check_upload(SimpleUploadedFile(name, JPEG), allowed=IMAGES).kind == "jpg"


def test_a_real_pdf_is_accepted():
    assert check_upload(SimpleUploadedFile("invoice.pdf", pdf_bytes()), allowed=("pdf",)).kind == "pdf"


@pytest.mark.parametrize("name", ["meter.png", "meter.jpg"])
def test_an_executable_renamed_as_an_image_is_refused(name):
    assert refused(EXE, name, allowed=IMAGES) == "content_mismatch"


def test_a_jpeg_renamed_png_is_refused():
    assert refused(JPEG, "meter.png", allowed=IMAGES) == "content_mismatch"


def test_a_png_renamed_jpg_is_refused():
    assert refused(png_bytes(), "meter.jpg", allowed=IMAGES) == "content_mismatch"


def test_images_are_refused_where_only_spreadsheets_are_accepted():
    assert refused(png_bytes(), "orgs.png") == "extension"


def test_the_refusal_lists_the_accepted_types():
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("scan.gif", b"GIF89a" + b"\x00" * 20), allowed=("pdf", "png", "jpg"))
    assert "PDF (.pdf), PNG image (.png), JPEG image (.jpg, .jpeg)" in exc.value.messages[0]
