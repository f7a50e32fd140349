"""A field of a `multipart/form-data` body as UTF-8 text, or a 400 naming it.

Starlette decodes a multipart field that is not UTF-8 as Latin-1 (`\xff` became "ÿ" and was
stored); here the same parser (python-multipart, which Starlette uses) hands over the
field's bytes and they are decoded strictly.
"""

from __future__ import annotations

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import Field, File, create_form_parser

from releasedesk.core.errors import Invalid


def multipart_field(content_type: str, body: bytes, name: str) -> str | None:
    """The first field called `name` (not a file) of the body, as text; None if absent."""
    found: list[Field] = []

    def on_field(field: Field) -> None:
        if field.field_name == name.encode() and not found:
            found.append(field)

    def on_file(file: File) -> None:
        file.close()  # a file is no field; in memory (below), nothing to remove

    try:
        parser = create_form_parser(
            {"Content-Type": content_type.encode("latin-1")},
            on_field,
            on_file,
            config={"MAX_MEMORY_FILE_SIZE": len(body) + 1},
        )
        parser.write(body)
        parser.finalize()
    except (FormParserError, ValueError, UnicodeEncodeError) as exc:
        reason = str(exc)[:200] or type(exc).__name__
        raise Invalid(f"the multipart body cannot be read: {reason}", name) from None
    if not found:
        return None
    try:
        return (found[0].value or b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(
            f"'{name}' is not UTF-8 text: byte 0x{exc.object[exc.start]:02X} at {exc.start} "
            "of its value cannot start or continue a character",
            name,
        ) from None
