"""The format registry, detection, and :func:`parse_file`.

``FORMATS`` maps a format name to its :class:`~reconciliation._base.EvidenceFormat` (a detection function
and a parser). Detection asks each registered format in registration order and takes the first that
claims the file; a new format (the fixed-width 回盘 files, the direct-link JSON) is one
:func:`register` call away. A file nobody claims is refused with :class:`~gateway.errors.FileUnreadable`.

After a parser returns, checks that span statements run for every format: statement number gaps,
duplicates and disorder per account, and balance continuity (a statement should open where the previous
one of the same account closed). They give warnings, never errors: a missing statement is a missing file,
not a bad one.
"""

from __future__ import annotations

from pathlib import Path

from gateway.errors import FileUnreadable
from reconciliation._base import (
    DEFAULT_OPTIONS,
    EvidenceFormat,
    ParseContext,
    ParseOptions,
    ParseResult,
    Sniff,
)
from reconciliation._xml import sniff_root
from reconciliation.banklink_push import BANKLINK_PUSH
from reconciliation.camt053 import CAMT053
from reconciliation.camt054 import CAMT054
from reconciliation.direct_link import DIRECT_LINK
from reconciliation.entry import Statement
from reconciliation.fixed_width import FIXED_WIDTH
from reconciliation.mt94x import MT940, MT942
from reconciliation.pain002 import PAIN002

FORMATS: dict[str, EvidenceFormat] = {}

_HEAD_BYTES = 65536


def register(fmt: EvidenceFormat, *, replace: bool = False) -> None:
    """Add a format. Names are unique unless ``replace`` is given (tests swap in fakes that way)."""
    if fmt.name in FORMATS and not replace:
        raise ValueError(f"evidence format {fmt.name!r} is already registered")
    FORMATS[fmt.name] = fmt


def unregister(name: str) -> None:
    FORMATS.pop(name, None)


for _fmt in (PAIN002, CAMT053, CAMT054, MT940, MT942, FIXED_WIDTH, DIRECT_LINK, BANKLINK_PUSH):
    register(_fmt)


def sniff_file(path: Path) -> Sniff:
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    namespace = root = None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        namespace, root, _doctype = sniff_root(head)
    return Sniff(head=head, text=head.decode("latin-1"), xml_namespace=namespace, xml_root=root)


def detect_format(path: str | Path) -> str:
    """The registered format name of the file, or :class:`~gateway.errors.FileUnreadable`."""
    path = Path(path)
    ctx = ParseContext(path, "evidence")
    try:
        sniff = sniff_file(path)
    except OSError as exc:
        raise ctx.unreadable(f"cannot read the file ({exc.__class__.__name__})") from None
    if not sniff.head.strip():
        raise ctx.unreadable("the file is empty")
    for name, fmt in FORMATS.items():
        if fmt.detect(sniff):
            return name
    if sniff.xml_root is not None:
        what = f"XML root {sniff.xml_root!r} in namespace {sniff.xml_namespace!r}"
        raise ctx.unreadable(f"not a supported bank evidence message ({what})", "UNKNOWN_FORMAT")
    if sniff.head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise ctx.unreadable("looks like XML but is not well-formed at its start", "UNKNOWN_FORMAT")
    raise ctx.unreadable(
        f"format not recognised (supported: {', '.join(FORMATS)})",
        "UNKNOWN_FORMAT",
    )


def parse_file(
    path: str | Path, format: str | None = None, *, options: ParseOptions | None = None
) -> ParseResult:
    """Parse a bank evidence file completely: every entry, or an error naming every problem.

    ``format`` forces a registered format instead of detecting it. Raises
    :class:`~gateway.errors.FileUnreadable` for a file that cannot be read or recognised and
    :class:`~gateway.errors.LineRejected` for a file with bad fields (all of them listed).
    """
    path = Path(path)
    options = options or DEFAULT_OPTIONS
    name = format or detect_format(path)
    fmt = FORMATS.get(name)
    if fmt is None:
        raise FileUnreadable(
            f"unknown evidence format {name!r} (known: {', '.join(FORMATS)})", "UNKNOWN_FORMAT"
        )
    ctx = ParseContext(path, name, options)
    statements, entries = fmt.parse(path, ctx)
    ctx.raise_if_problems()
    check_statement_chain(statements, ctx)
    return ParseResult(
        format=name,
        source_file=path.name,
        statements=tuple(statements),
        entries=tuple(entries),
        warnings=tuple(ctx.warnings),
    )


def check_statement_chain(statements: list[Statement] | tuple[Statement, ...], ctx: ParseContext) -> None:
    """Warn about statement-number gaps, duplicates and disorder, and balance continuity, per account.

    Numbers are MT940 ``:28C:`` number/page or the camt electronic sequence number. A number of 0 means the
    bank does not number its statements (Rabobank writes ``00000/00``): nothing to check then.
    """
    last: dict[str | None, Statement] = {}
    for stmt in statements:
        prev = last.get(stmt.account)
        last[stmt.account] = stmt
        if prev is None:
            continue
        _check_numbers(prev, stmt, ctx)
        if prev.closing is not None and stmt.opening is not None:
            same_currency = prev.closing.currency == stmt.opening.currency
            if not same_currency or prev.closing.amount_minor != stmt.opening.amount_minor:
                ctx.warn(
                    "BALANCE_CONTINUITY",
                    f"opening balance differs from the closing balance of the statement at {prev.position}",
                    stmt.position,
                )


def _check_numbers(prev: Statement, stmt: Statement, ctx: ParseContext) -> None:
    a, b = prev.statement_number, stmt.statement_number
    if not a or not b:
        return
    pa, pb = prev.page_number, stmt.page_number
    label = f"{a}/{pa}" if pa is not None else str(a)
    if b == a:
        if pa is not None and pb is not None:
            if pb == pa + 1:
                return
            if pb == pa:
                ctx.warn("SEQUENCE_DUPLICATE", f"statement {label} appears twice", stmt.position)
            elif pb > pa + 1:
                ctx.warn("SEQUENCE_GAP", f"statement {a}: pages {pa + 1}–{pb - 1} missing", stmt.position)
            else:
                ctx.warn("SEQUENCE_ORDER", f"statement {a}/{pb} comes after {label}", stmt.position)
        else:
            ctx.warn("SEQUENCE_DUPLICATE", f"statement {label} appears twice", stmt.position)
        return
    if b == a + 1:
        if pb is not None and pb > 1:
            ctx.warn("SEQUENCE_GAP", f"statement {b}: pages 1–{pb - 1} missing", stmt.position)
        return
    if b > a + 1:
        missing = f"{a + 1}" if b == a + 2 else f"{a + 1}–{b - 1}"
        ctx.warn(
            "SEQUENCE_GAP", f"statement number(s) {missing} missing between {label} and {b}", stmt.position
        )
        return
    ctx.warn("SEQUENCE_ORDER", f"statement {b} comes after {label}", stmt.position)
