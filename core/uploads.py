"""Documents people attach (hearing evidence, a candidate's CV): an allow-list of types.

A file is accepted only when its name ends in a listed extension and its first bytes are
those of that type, so a renamed program or an HTML page is refused. It is then stored
and later served with the listed content type, never the one the browser sent.
"""

from pathlib import PurePath

from django import forms
from django.utils.translation import gettext as _

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97–2003 files
ZIP = b"PK\x03\x04"  # Office Open XML and OpenDocument files
OFFICE = "application/vnd.openxmlformats-officedocument"
DOCUMENT_TYPES = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".doc": ("application/msword", OLE),
    ".xls": ("application/vnd.ms-excel", OLE),
    ".ppt": ("application/vnd.ms-powerpoint", OLE),
    ".docx": (f"{OFFICE}.wordprocessingml.document", ZIP),
    ".xlsx": (f"{OFFICE}.spreadsheetml.sheet", ZIP),
    ".pptx": (f"{OFFICE}.presentationml.presentation", ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    ".odp": ("application/vnd.oasis.opendocument.presentation", ZIP),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}


def checked_document(upload, *, max_megabytes: int):
    """The upload, its content type set from the allow-list; a ValidationError otherwise."""
    if upload.size > max_megabytes * 1024 * 1024:
        raise forms.ValidationError(
            _("The file is larger than %(size)s MB.") % {"size": max_megabytes}
        )
    extension = PurePath(upload.name).suffix.lower()
    if extension not in DOCUMENT_TYPES:
        raise forms.ValidationError(
            _(
                "Only PDF, Office documents (Word, Excel, PowerPoint, OpenDocument) and "
                "PNG or JPEG images can be attached."
            )
        )
    content_type, signature = DOCUMENT_TYPES[extension]
    upload.seek(0)
    start = upload.read(len(signature))
    upload.seek(0)
    if start != signature:
        raise forms.ValidationError(
            _("The file's content is not a %(type)s file.") % {"type": extension}
        )
    upload.content_type = content_type
    return upload
