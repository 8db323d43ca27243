"""Some of a finished PDF's pages, as a PDF of their own: what Print to File writes when the
print dialog names a range of pages. The pages are copied as they are (text, fonts and
drawing), not drawn again, so the file is the pack's own, as printing all of it gives."""

from __future__ import annotations

import io
from collections.abc import Sequence


def pages_of(pdf: bytes, chosen: Sequence[int]) -> bytes:
    """The pages of ``pdf`` numbered in ``chosen`` (from 0, in that order), with its title,
    author and the rest of its document information."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for number in chosen:
        writer.add_page(reader.pages[number])
    if reader.metadata:
        writer.add_metadata(dict(reader.metadata))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
