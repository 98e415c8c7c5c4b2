"""A PDF file written directly from pages already drawn: the handful of objects a printed
report needs (PDF 1.7, ISO 32000-1), and nothing a reader does not.

An audit report of a hospital has some 5,000 pages. reportlab's document model made an
object per page, per stream and per dictionary entry and formatted each in pure Python,
then compressed every page on one core: seconds for a report. Here a page is its content
stream, compressed on a worker thread as soon as it is drawn (zlib lets go of the GIL),
and the file is a few formatted lines per page.

The objects: the catalog (with the attachment's name tree), the page tree, one resource
dictionary shared by every page (the standard fonts, WinAnsi-encoded, that the text of the
pages names), each page and its content stream, the document information, and the
attachment (a file specification and its embedded-file stream, PDF 1.7, 7.11.4).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    mime: str  # "text/csv"
    description: str


def pdf_string(text: str) -> bytes:
    """A PDF text string: ASCII as a literal string, anything else as UTF-16BE with its byte
    order mark (PDF 1.7, 7.9.2.2), which readers decode."""
    if text.isascii():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.replace("\r", "\\r").replace("\n", "\\n").encode() + b")"
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _name(text: str) -> str:
    """A PDF name: `/` and any byte outside ! to ~ written as #xx (7.3.5)."""
    return "/" + "".join(
        ch if "!" <= ch <= "~" and ch not in "/#()<>[]{}%" else f"#{ord(ch):02X}" for ch in text
    )


class PdfFile:
    """Pages of one size, added in order; `write` makes the file. Each page's content is
    compressed on a worker thread while the next one is drawn."""

    def __init__(self, size: tuple[float, float], fonts: Mapping[str, str]) -> None:
        self.size = size
        self.fonts = dict(fonts)  # the name a page's text uses (F1) -> base font (Helvetica)
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._pages: list[Future[bytes]] = []

    def add_page(self, content: str) -> None:
        self._pages.append(self._pool.submit(zlib.compress, content.encode("utf-8")))

    def write(self, info: Mapping[str, str], attachment: Attachment) -> bytes:
        """The file. `info`: the document information (Title, Subject, CreationDate...)."""
        try:
            return self._write(info, attachment)
        finally:
            self._pool.shutdown(cancel_futures=True)

    def _write(self, info: Mapping[str, str], attachment: Attachment) -> bytes:
        # Numbers: 1 catalog, 2 page tree, 3 resources, 4 information, 5 file specification,
        # 6 embedded file, then the fonts, then a page and its content stream per page.
        fonts = {name: 7 + i for i, name in enumerate(self.fonts)}
        first_page = 7 + len(fonts)
        pages = [first_page + 2 * i for i in range(len(self._pages))]
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets: list[int] = []

        def put(body: bytes, stream: bytes | None = None) -> None:
            offsets.append(len(out))
            out.extend(b"%d 0 obj\n" % len(offsets))
            out.extend(body)
            if stream is not None:
                out.extend(b"\nstream\n")
                out.extend(stream)
                out.extend(b"\nendstream")
            out.extend(b"\nendobj\n")

        name = pdf_string(attachment.name)
        put(
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [%b 5 0 R] >> >> >>"
            % name
        )
        kids = " ".join(f"{p} 0 R" for p in pages)
        put(f"<< /Type /Pages /Count {len(pages)} /Kids [{kids}] >>".encode())
        font_refs = " ".join(f"{_name(n)} {fonts[n]} 0 R" for n in self.fonts)
        put(f"<< /Font << {font_refs} >> /ProcSet [/PDF /Text] >>".encode())
        put(
            b"<< "
            + b" ".join(_name(k).encode() + b" " + pdf_string(v) for k, v in info.items())
            + b" >>"
        )
        put(
            b"<< /Type /Filespec /F %b /UF %b /Desc %b /EF << /F 6 0 R /UF 6 0 R >> >>"
            % (name, name, pdf_string(attachment.description))
        )
        packed = zlib.compress(attachment.data)
        put(
            b"<< /Type /EmbeddedFile /Subtype %b /Params << /Size %d >> /Filter /FlateDecode "
            b"/Length %d >>" % (_name(attachment.mime).encode(), len(attachment.data), len(packed)),
            packed,
        )
        for base in self.fonts.values():
            put(
                b"<< /Type /Font /Subtype /Type1 /BaseFont %b /Encoding /WinAnsiEncoding >>"
                % _name(base).encode()
            )
        box = b"[0 0 %.2f %.2f]" % self.size
        for i, page in enumerate(self._pages):
            content = page.result()
            put(
                b"<< /Type /Page /Parent 2 0 R /MediaBox %b /Resources 3 0 R /Contents %d 0 R >>"
                % (box, pages[i] + 1)
            )
            put(b"<< /Filter /FlateDecode /Length %d >>" % len(content), content)
        xref = len(out)
        out.extend(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
        out.extend(b"".join(b"%010d 00000 n \n" % o for o in offsets))
        # The file's identifier, from what it says: the same report, the same bytes.
        ident = (
            hashlib.sha256(b"".join(pdf_string(v) for v in info.values())).hexdigest()[:32].encode()
        )
        out.extend(
            b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R /ID [<%b> <%b>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(offsets) + 1, ident, ident, xref)
        )
        return bytes(out)
