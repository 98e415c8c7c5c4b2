"""The audit report as a PDF: A4 landscape pages a compliance officer can print and file,
carrying the report's CSV inside so that `lrs report verify` checks it like the CSV.

The pages: the title, the report's metadata (unit, as-of date, store, generation time and
digests), the summary figures per unit (the strings of `Report.summary()`, as in the CSV
and the HTML), a bar chart per unit of its status counts, then the table of learners and
requirements, its header row repeated on every page; every page's footer carries the
digest and `page i of n`.

Why the CSV rides along as an embedded file (the PDF's `/EmbeddedFiles` name tree, named
`audit-report.csv`) rather than in the document information or XMP metadata:
- verify needs the exact cells, and text extracted from drawn pages is not exact (wrapped
  cells, dropped spaces, glyphs a font lacks);
- the embedded file is the report's own CSV, byte for byte what `--format csv` writes, so
  `parse_csv` reads it and verify checks its rows digest and evidence exactly as it does a
  CSV file, and an edit to it fails the rows digest;
- it is the PDF's standard place for data that comes with a document (PDF 1.3+, PDF/A-3
  invoices do the same with their XML): a reader's attachments pane shows it, and an
  auditor can save it and open it in a spreadsheet; the information dictionary holds
  short text strings and XMP would mean escaping a table into XML.

Who draws what: reportlab's platypus lays out the pages before the table (title, metadata,
summary, charts: a few pages), on a canvas that keeps their content streams; this module
draws the table's pages itself; analytics.pdf_file writes the file, the CSV embedded.
pypdf (pure Python) reads it back.
What verify checks is the embedded data; the drawn pages are made from the same rows
when the report is made, but an edit to the drawn text alone is not detected.
"""

from __future__ import annotations

import bisect
import functools
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any
from xml.sax.saxutils import escape

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from analytics.collector import collector_paused
from analytics.pdf_file import Attachment, PdfFile
from analytics.report import (
    STATUS_COLOURS,
    STATUSES,
    SUMMARY_COLUMNS,
    Report,
    ReportError,
    parse_csv,
    to_csv,
)

ATTACHMENT = "audit-report.csv"
PRODUCER = "lrs report audit"
PAGE = landscape(A4)
MARGIN = 14 * mm
WIDTH = PAGE[0] - 2 * MARGIN
GRID = colors.HexColor("#9e9e9e")
HEADER_FILL = colors.HexColor("#e0e0e0")
STRIPE = colors.HexColor("#f5f5f5")

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("title", parent=_styles["Title"], fontSize=16, alignment=0)
HEADING = ParagraphStyle("heading", parent=_styles["Heading2"], spaceBefore=8, spaceAfter=4)
CELL = ParagraphStyle("cell", parent=_styles["Normal"], fontSize=7.5, leading=9)
MONO = ParagraphStyle("mono", parent=CELL, fontName="Courier", fontSize=6.5, leading=8)
HEAD = ParagraphStyle("head", parent=CELL, fontName="Helvetica-Bold")


def _p(text: str, style: ParagraphStyle = CELL) -> Paragraph:
    """A table cell that wraps; long IRIs and keys break inside a word when they must."""
    return Paragraph(escape(text), style)


def _grid() -> list[tuple[Any, ...]]:
    """Ruled cells, a grey header row and striped rows, so a row can be followed across."""
    return [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]


# --------------------------------------------------------------------------- sections


def _scope(report: Report) -> str:
    return report.unit or "all units"


def _metadata(report: Report) -> Table:
    meta = report.metadata()
    lines = [
        ("Unit", _scope(report)),
        ("As of", meta["as_of"]),
        ("Store", meta["tenant"]),
        ("Generated at (UTC)", meta["generated_at"]),
        ("Digest", meta["digest"]),
        ("Rows digest", meta["rows_digest"]),
        ("Evidence digest", meta["evidence_digest"]),
    ]
    cells = [[_p(k, HEAD), _p(v, MONO if "digest" in k.lower() else CELL)] for k, v in lines]
    table = Table(cells, colWidths=[32 * mm, 130 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _summary_table(summary: Sequence[Sequence[str]]) -> Table:
    head = [_p(c.replace("_", " "), HEAD) for c in SUMMARY_COLUMNS]
    body = [[_p(c) for c in row] for row in summary]
    table = Table([head, *body], hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle(_grid()))
    return table


CHART_SIZE = (80 * mm, 68 * mm)


def status_chart(unit: str, counts: dict[str, int]) -> Drawing:
    """A bar per status, coloured as in the HTML, its count above it, both axes titled."""
    width, height = CHART_SIZE
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 34, 42, width - 44, height - 68
    chart.data = [[counts.get(s, 0) for s in STATUSES]]
    chart.barWidth = 10
    chart.groupSpacing = 8
    for i, status in enumerate(STATUSES):
        chart.bars[(0, i)].fillColor = colors.HexColor(STATUS_COLOURS[status])
    chart.bars.strokeColor = None
    peak = max([*chart.data[0], 1])
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = peak * 1.15
    chart.valueAxis.valueStep = max(1, round(peak / 4))
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d"
    chart.categoryAxis.categoryNames = [s.replace(" ", "\n") for s in STATUSES]
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.textAnchor = "middle"
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    drawing.add(
        String(
            width / 2,
            height - 12,
            f"{unit}: requirements per status",
            fontName="Helvetica-Bold",
            textAnchor="middle",
        )
    )
    drawing.add(String(chart.x + chart.width / 2, 3, "status", fontSize=7, textAnchor="middle"))
    y_title = Group(
        String(0, 0, "requirements (learner-course pairs)", fontSize=7, textAnchor="middle")
    )
    y_title.translate(9, chart.y + chart.height / 2)
    y_title.rotate(90)
    drawing.add(y_title)
    return drawing


def _charts(summary: Sequence[Sequence[str]]) -> Table:
    """The units' charts side by side, three to a row."""
    drawings = [
        status_chart(s[0], {st: int(s[3 + i]) for i, st in enumerate(STATUSES)}) for s in summary
    ]
    rows = [drawings[i : i + 3] for i in range(0, len(drawings), 3)] or [[""]]
    rows[-1] += [""] * (len(rows[0]) - len(rows[-1]))
    return Table(rows, colWidths=CHART_SIZE[0] + 6 * mm, hAlign="LEFT")


ROW_HEADER = ("Learner", "Unit / role", "Requirement", "Status", "Completed at", "Evidence")
ROW_WIDTHS = (0.24, 0.065, 0.245, 0.075, 0.16, 0.215)
PAD = 2.0
MAX_EVIDENCE_LINES = 30  # a row always fits a page; the embedded CSV has every id
MAX_CELL_LINES = 40


@dataclass(frozen=True, eq=False)  # keys of dicts: hashed by identity, cheaply
class _Style:
    font: str
    size: float
    leading: float
    colour: colors.Color = colors.black


_NAME = _Style("Helvetica", 7.5, 9)
_HEAD = _Style("Helvetica-Bold", 7.5, 9)
_NOTE = _Style("Helvetica", 6.5, 8, colors.dimgrey)
_KEY = _Style("Courier", 6.5, 8, colors.dimgrey)
_ID = _Style("Courier", 6.5, 8)
# The bars' hues, darkened: amber and grey text on white would be too faint to read in print.
_STATUS = {
    status: _Style("Helvetica-Bold", 7.5, 9, colors.HexColor(hex))
    for status, hex in {
        "complete": "#1b5e20",
        "waived": "#34597d",
        "in progress": "#8d5a00",
        "not started": "#555555",
        "overdue": "#b71c1c",
    }.items()
}


# A byte of a PDF string as written: WinAnsi's upper half in octal, the delimiters escaped.
_ESCAPED = {b: f"\\{b:03o}" for b in range(128, 256)} | {ord(c): "\\" + c for c in "\\()"}


def _pdf_text(text: str) -> str:
    """`text` as the inside of a PDF string in the standard fonts' encoding (WinAnsi): a
    character it lacks prints as `?`."""
    if text.isascii():
        if "\\" in text or "(" in text or ")" in text:
            return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return text  # most cells: nothing to escape
    return text.encode("cp1252", "replace").decode("latin-1").translate(_ESCAPED)


# The glyph widths (1/1000 em) of the standard fonts the cells use, by WinAnsi byte.
_GLYPHS = {font: getFont(font).widths for font in ("Helvetica", "Helvetica-Bold")}


def _units(text: str, font: str) -> Iterator[int]:
    """Each character's width as drawn in a standard font, in 1/1000 em: its WinAnsi byte's
    glyph (one WinAnsi lacks prints as `?`: see _pdf_text)."""
    return map(_GLYPHS[font].__getitem__, text.encode("cp1252", "replace"))


def _wrap(text: str, style: _Style, width: float) -> tuple[str, ...]:
    """The lines `text` takes in a cell `width` wide. Courier is cut by character count
    (every glyph is 0.6 em); Helvetica at spaces, and inside a word only when it must.
    Lines are as reportlab's simpleSplit makes them, widths summed as its stringWidth does
    (`units * 0.001 * size`, to the last rounding) but from the font's widths table:
    stringWidth, in pure Python, encodes each text through a chain of substitute fonts
    and was most of the cost of laying out the rows."""
    if style.font == "Courier":
        per_line = max(1, int(width / (0.6 * style.size)))
        return tuple(text[i : i + per_line] for i in range(0, len(text), per_line)) or ("",)
    size = style.size
    if len(text) * size * 1.02 <= width:
        return (text,)  # suffices for a short text: no glyph is wider than 1.02 em
    font = style.font

    def units(part: str) -> Iterator[int]:
        return _units(part, font)

    def measure(part: str) -> float:
        return sum(units(part)) * 0.001 * size

    if measure(text) <= width:
        return (text,)
    lines = []
    for line in _split(text, measure, width):
        upto = list(accumulate(units(line), initial=0))  # upto[i]: line[:i]'s width
        start, end = 0, len(line)
        while (upto[end] - upto[start]) * 0.001 * size > width and end - start > 1:
            cut = end - 1  # the longest head that fits, at least one character
            while cut > start + 1 and (upto[cut] - upto[start]) * 0.001 * size > width:
                cut -= 1
            lines.append(line[start:cut])
            start = cut
        lines.append(line[start:])
    return tuple(lines)


def _split(text: str, measure: Callable[[str], float], width: float) -> list[str]:
    """reportlab's simpleSplit with our `measure`: words are put on a line while they fit,
    a word longer than the line alone on one (_wrap cuts it)."""
    lines = []
    space = measure(" ")
    for paragraph in text.split("\n"):
        words: list[str] = []
        used = -space
        for word in paragraph.split():
            taken = measure(word)
            if used + space + taken <= width or not words:
                words.append(word)
                used = used + space + taken
            else:
                lines.append(" ".join(words))
                words = [word]
                used = taken
        if words:
            lines.append(" ".join(words))
    return lines


_Cell = tuple[tuple[_Style, str], ...]  # its lines


@functools.lru_cache(maxsize=8192)  # most cells repeat: a learner's, a unit's, a course's
def _cell(parts: tuple[tuple[_Style, str], ...], column: int) -> tuple[_Cell, float]:
    """A cell's lines, wrapped to its column, and their height."""
    width = ROW_WIDTHS[column] * WIDTH - 2 * PAD
    lines = tuple((style, line) for style, text in parts for line in _wrap(text, style, width))
    if len(lines) > MAX_CELL_LINES:  # an absurdly long key or name must not outgrow a page
        lines = (*lines[: MAX_CELL_LINES - 1], (_NOTE, f"(cut: see {ATTACHMENT})"))
    return lines, sum(style.leading for style, _ in lines)


def _layout(cells: Sequence[tuple[tuple[_Style, str], ...]]) -> tuple[list[_Cell], float]:
    """Each cell's lines, wrapped to its column, and the row's height."""
    laid = [_cell(parts, column) for column, parts in enumerate(cells)]
    return [lines for lines, _ in laid], max(height for _, height in laid) + 2 * PAD


def _row_cells(r: Sequence[str]) -> list[tuple[tuple[_Style, str], ...]]:
    learner, name, unit, role, requirement, requirement_name, due, status, done, evidence = r
    ids = evidence.split()
    if len(ids) > MAX_EVIDENCE_LINES:
        more = len(ids) - MAX_EVIDENCE_LINES + 1
        ids = [*ids[: MAX_EVIDENCE_LINES - 1], f"and {more} more: see {ATTACHMENT}"]
    return [
        ((_NAME, name), (_KEY, learner)) if name else ((_KEY, learner),),
        ((_NAME, unit), (_NOTE, role)),
        ((_NAME, requirement_name or requirement), (_KEY, requirement), (_NOTE, f"due {due}")),
        ((_STATUS[status], status),),
        ((_NAME, done),),
        tuple((_ID, sid) for sid in ids),
    ]


def _rgb(colour: colors.Color) -> str:
    return f"{colour.red:.3f} {colour.green:.3f} {colour.blue:.3f}"


FRAME_PAD = 6.0  # platypus's frame padding: the table lines up with the pages before it
LEFT = MARGIN + FRAME_PAD
TOP = PAGE[1] - MARGIN - FRAME_PAD
BOTTOM = MARGIN + FRAME_PAD
FONTS = ("Helvetica", "Helvetica-Bold", "Courier")
CLOSING = (
    "Verify with lrs report verify FILE: it recomputes the digest from the rows embedded in "
    f"this PDF ({ATTACHMENT}) and the store's current copy of every cited statement."
)


class _Table:
    """The learner x requirement table, drawn straight into content streams: a hospital's
    report has some 70,000 rows on 5,000 pages, and reportlab's Table of Paragraphs took
    about 2.6 ms a row to lay out (minutes for the report). Rows are laid out once; a page
    takes the rows that fit under the header."""

    def __init__(self, rows: list[tuple[list[_Cell], float]], fonts: dict[str, str]) -> None:
        self.rows = rows
        self.header = _layout([((_HEAD, c),) for c in ROW_HEADER])
        self.tops = [0.0]  # tops[i]: the height of the rows before row i
        for _, height in rows:
            self.tops.append(self.tops[-1] + height)
        self.lefts = [0.0]
        for fraction in ROW_WIDTHS:
            self.lefts.append(self.lefts[-1] + fraction * WIDTH)
        styles = (_NAME, _HEAD, _NOTE, _KEY, _ID, *_STATUS.values())
        self.start_text = {  # each line: BT, its font and colour, where, what, ET
            s: f"BT /{fonts[s.font]} {s.size} Tf {_rgb(s.colour)} rg" for s in styles
        }
        self.lift = {s: (s.leading - s.size) / 2 + 1 for s in styles}
        self.drawn: dict[tuple[_Cell, int], str] = {}  # a cell's text, drawn once

    def fits(self, start: int, height: float) -> int:
        """The end of the rows from `start` that fit under the header in `height`."""
        limit = self.tops[start] + height - self.header[1]
        return bisect.bisect_right(self.tops, limit, lo=start) - 1

    def height(self, start: int, stop: int) -> float:
        return self.header[1] + self.tops[stop] - self.tops[start]

    def ops(self, start: int, stop: int, top: float) -> str:
        """The header and rows start..stop, the header's top at `top` (from the page's foot)."""
        height = self.height(start, stop)
        ops: list[str] = [f"q 1 0 0 1 {LEFT:.2f} {top - height:.2f} cm"]
        at = height
        drawn, lefts, start_text, lift = self.drawn, self.lefts, self.start_text, self.lift

        def cell_ops(cell: _Cell, column: int) -> str:
            """The cell's text, placed from its row's top: drawn once however often the
            same cell recurs (a row is moved to its place by its own transformation)."""
            y, lines = -PAD, []
            for style, line in cell:
                y -= style.leading
                lines.append(
                    f"{start_text[style]} {lefts[column] + PAD:.2f} {y + lift[style]:.2f} Td "
                    f"({_pdf_text(line)}) Tj ET"
                )
            found = drawn[cell, column] = "\n".join(lines)
            return found

        def row(cells: list[_Cell], row_height: float, fill: str | None) -> None:
            nonlocal at
            if fill is not None:
                ops.append(f"{fill} rg 0 {at - row_height:.2f} {WIDTH:.2f} {row_height:.2f} re f")
            ops.append(f"q 1 0 0 1 0 {at:.2f} cm")
            for column, cell in enumerate(cells):  # most cells recur: a lookup, not a call
                found = drawn.get((cell, column))
                ops.append(cell_ops(cell, column) if found is None else found)
            ops.append("Q")
            at -= row_height

        stripe = _rgb(STRIPE)  # formatted once, not per row
        row(*self.header, _rgb(HEADER_FILL))
        for i in range(start, stop):
            row(*self.rows[i], stripe if (i - start) % 2 else None)
        # the grid: a rule under every row, and the columns' sides
        under = height - self.header[1] + self.tops[start]
        rules = [height, height - self.header[1]]
        rules += [under - self.tops[i + 1] for i in range(start, stop)]
        ops.append(f"{_rgb(GRID)} RG 0.4 w")
        ops += [f"0 {y:.2f} m {WIDTH:.2f} {y:.2f} l" for y in rules]
        ops += [f"{x:.2f} 0 m {x:.2f} {height:.2f} l" for x in lefts]
        ops.append("S Q")
        return "\n".join(ops)


# --------------------------------------------------------------------------- pages


def _story(report: Report, end: _End) -> list[Any]:
    """What comes before the table, laid out by reportlab's platypus; `end` learns where
    it ends."""
    summary = report.summary()
    return [
        Paragraph(
            escape(f"Compliance audit report: {_scope(report)}, as of {report.as_of}"), TITLE
        ),
        _metadata(report),
        Paragraph("Summary per unit", HEADING),
        _summary_table(summary),
        Spacer(1, 4 * mm),
        _charts(summary),
        CondPageBreak(45 * mm),  # not a heading and one row alone at the foot of a page
        Paragraph("Learners and requirements", HEADING),
        end,
    ]


class _End(Flowable):  # type: ignore[misc]  # reportlab has no type information
    """Takes no room: marks the page and the height where the pages before the table end."""

    page, y = 0, 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0.0, 0.0

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # reportlab's name
        self.page, self.y = canvas.getPageNumber(), y


class _Capture(Canvas):  # type: ignore[misc]  # reportlab has no type information
    """A canvas that keeps each page's content stream instead of writing a document, and
    the names its text gives the fonts."""

    def __init__(self, *args: Any, pages: list[str], fonts: dict[str, str], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.pages, self.fonts = pages, fonts

    def showPage(self) -> None:  # reportlab's name
        # Text, lines and fills only: a page needing other resources (transparency, images,
        # shadings) would need them in the file too (analytics.pdf_file shares fonts only).
        if self._extgstate.getState() or self._formsinuse or self._shadingUsed:
            raise AssertionError("the pages before the table need resources beyond fonts")
        self.pages.append("\n".join([self._preamble, *self._code]))
        self._startPage()

    def save(self) -> None:
        for font in FONTS:  # the table's, whether or not the pages before it used them
            self._doc.getInternalFontName(font)
        self.fonts.update({ref[1:]: font for font, ref in self._doc.fontMapping.items()})


def _front(report: Report) -> tuple[list[str], dict[str, str], _End]:
    """The pages before the table (content streams), the fonts they name, and their end."""
    pages: list[str] = []
    fonts: dict[str, str] = {}
    end = _End()
    doc = SimpleDocTemplate(
        io.BytesIO(),
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
    )
    doc.build(
        _story(report, end), canvasmaker=functools.partial(_Capture, pages=pages, fonts=fonts)
    )
    return pages, fonts, end


def _text(font: str, size: float, x: float, y: float, text: str) -> str:
    return f"BT /{font} {size} Tf {x:.2f} {y:.2f} Td ({_pdf_text(text)}) Tj ET"


def _render(report: Report) -> bytes:
    """The pages, the CSV embedded."""
    digest = report.digest  # hashes every row: once, not per page
    front, fonts, end = _front(report)
    internal = {font: name for name, font in fonts.items()}
    table = _Table([_layout(_row_cells(r)) for r in report.rows], internal)

    # Where each page's rows go: (the page, first row, end, the header's top), from the
    # height the pages before the table leave on their last page.
    placed: list[tuple[int, int, int, float]] = []
    page, top, start, count = end.page - 1, end.y, 0, len(report.rows)
    while True:
        stop = table.fits(start, top - BOTTOM)
        if (stop < start or stop == start < count) and top != TOP:
            page, top = page + 1, TOP  # not one row fits: the next page
            continue
        # on a page of its own: a row at least (cells are cut to fit one, see _cell), or
        # the header alone when there are no rows
        stop = max(stop, min(start + 1, count))
        placed.append((page, start, stop, top))
        top -= table.height(start, stop)
        start = stop
        if start == count:
            break
        page, top = page + 1, TOP
    closing = [(_NAME, line) for line in _wrap(CLOSING, _NAME, WIDTH - 2 * FRAME_PAD)]
    top -= 3 * mm
    if top - _NAME.leading * len(closing) < BOTTOM:
        page, top = page + 1, TOP
    bodies: list[list[str]] = [[f"q\n{body}\nQ"] for body in front]  # its state its own
    bodies += [[] for _ in range(page + 1 - len(bodies))]
    for p, s, e, t in placed:
        bodies[p].append(table.ops(s, e, t))

    out = PdfFile(PAGE, fonts)
    grey = _rgb(colors.dimgrey)
    line = f"Audit report {_scope(report)}, as of {report.as_of}, {digest}"
    regular = internal["Helvetica"]
    for number, body in enumerate(bodies, start=1):
        ops = [f"q {grey} rg {_text(regular, 7, MARGIN, MARGIN / 2, line)} Q", *body]
        if number == len(bodies):  # as a Paragraph would: its first baseline a size down
            for i, (style, text) in enumerate(closing):
                y = top - style.size - i * style.leading
                ops.append("0 g " + _text(regular, style.size, LEFT, y, text))
        counter = f"page {number} of {len(bodies)}"
        width = sum(_units(counter, "Helvetica")) * 0.001 * 7
        ops.append(
            f"q {grey} rg {_text(regular, 7, PAGE[0] - MARGIN - width, MARGIN / 2, counter)} Q"
        )
        out.add_page("\n".join(ops))
    made = _pdf_date(report.generated_at)
    return out.write(
        {
            "Title": f"Audit report: {_scope(report)} as of {report.as_of}",
            "Subject": digest,
            "Author": "lrs",
            "Creator": "lrs report audit",
            "Producer": PRODUCER,
            "CreationDate": made,
            "ModDate": made,
        },
        Attachment(
            ATTACHMENT,
            to_csv(report).encode("utf-8"),
            "text/csv",
            "The report's rows and digests: lrs report verify",
        ),
    )


def _pdf_date(utc: str) -> str:
    """`2024-03-22T08:00:00.000000Z` as a PDF date, `D:20240322080000Z`."""
    return "D:" + "".join(ch for ch in utc[:19] if ch.isdigit()) + "Z"


@collector_paused()
def to_pdf(report: Report) -> bytes:
    """The report as PDF bytes, its CSV embedded as `audit-report.csv`."""
    return _render(report)


def parse_pdf(data: bytes) -> tuple[Report, dict[str, str]]:
    """The report and its metadata from the embedded CSV of a PDF made by `to_pdf`."""
    try:
        found = PdfReader(io.BytesIO(data)).attachments.get(ATTACHMENT, [])
    except PyPdfError as exc:
        raise ReportError(f"not a readable PDF: {exc}") from exc
    if len(found) != 1:
        raise ReportError(
            f"not an audit report PDF: expected one embedded {ATTACHMENT}, found {len(found)}"
        )
    try:
        text = found[0].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(f"the embedded {ATTACHMENT} is not UTF-8") from exc
    return parse_csv(text)
