"""Safe, streaming XML reading shared by the ISO 20022 parsers.

Bank messages never need a DTD, so any DOCTYPE is refused outright: with no DTD there are no entity
declarations, so neither external entities (XXE) nor entity expansion bombs can happen. On top of that the
parser is told not to resolve entities, not to load DTDs and not to touch the network.

Files are read with ``iterparse`` restricted to the few element names a parser handles; the caller clears
each processed element so a camt file of a million entries stays small in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from lxml import etree

from reconciliation._base import ParseContext

_SAFE = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def sniff_root(head: bytes) -> tuple[str | None, str | None, bool]:
    """(namespace, local name, has DOCTYPE) of the root element in the first bytes of a file.

    Returns ``(None, None, False)`` when the bytes do not start an XML document.
    """
    parser = etree.XMLPullParser(events=("start",), **_SAFE)
    # Fed in small pieces so that a fault further down the file does not hide a well-formed root.
    for offset in range(0, len(head), 512):
        try:
            parser.feed(head[offset : offset + 512])
            for _event, elem in parser.read_events():
                qname = etree.QName(elem)
                return qname.namespace, qname.localname, bool(elem.getroottree().docinfo.doctype)
        except etree.XMLSyntaxError:
            break
    return None, None, False


def iterparse(path: Path, ctx: ParseContext, tags: Iterable[str], events=("start", "end")) -> Iterator:
    """``(event, element)`` for the named tags, refusing DOCTYPEs and turning syntax errors into
    :class:`~gateway.errors.FileUnreadable` with the line."""
    try:
        context = etree.iterparse(str(path), events=events, tag=list(tags), **_SAFE)
        checked = False
        for event, elem in context:
            if not checked:
                if elem.getroottree().docinfo.doctype:
                    raise ctx.unreadable("a DOCTYPE is not allowed in bank messages", "XML_DOCTYPE_FORBIDDEN")
                checked = True
            yield event, elem
    except etree.XMLSyntaxError as exc:
        # libxml2 messages name tags and entities, not content; keep them short all the same.
        raise ctx.unreadable(f"not well-formed XML: {str(exc.msg)[:200]}", line=exc.lineno) from None
    except OSError as exc:
        raise ctx.unreadable(f"cannot read the file ({exc.__class__.__name__})") from None


def drop(elem) -> None:
    """Free a processed element and the already processed siblings before it."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


class Names:
    """Cached Clark-notation paths in one namespace: ``q("Refs", "Id")`` → ``{ns}Refs/{ns}Id``."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self._cache: dict[tuple[str, ...], str] = {}

    def __call__(self, *names: str) -> str:
        path = self._cache.get(names)
        if path is None:
            path = "/".join(f"{{{self.ns}}}{n}" for n in names)
            self._cache[names] = path
        return path

    def local(self, elem) -> str:
        return etree.QName(elem).localname


class Flat:
    """A processed subtree indexed once by Clark path, answering ``find``/``findtext`` with a dict lookup.

    lxml's ``find`` with a path costs a few microseconds a call; an entry needs twenty of them. Walking
    the subtree once and indexing every element by its path (first occurrence wins) is several times
    cheaper. Subtrees under a ``stop`` tag are not indexed (they repeat and are read separately).
    """

    __slots__ = ("elem", "index")

    def __init__(self, elem, stop: frozenset[str] = frozenset()) -> None:
        self.elem = elem
        index: dict[str, object] = {}
        stack = [(elem, "")]
        while stack:
            parent, prefix = stack.pop()
            for child in parent:
                tag = child.tag  # lxml builds this string on every access: read it once
                if not isinstance(tag, str):
                    continue
                path = prefix + tag
                if path not in index:
                    index[path] = child
                if tag not in stop:
                    stack.append((child, path + "/"))
        self.index = index

    @property
    def sourceline(self) -> int | None:
        return self.elem.sourceline

    def find(self, path: str):
        return self.index.get(path)

    def findtext(self, path: str) -> str | None:
        elem = self.index.get(path)
        if elem is None:
            return None
        return elem.text or ""

    def findall(self, path: str) -> list:
        return self.elem.findall(path)

    def iterfind(self, path: str):
        return self.elem.iterfind(path)


def text(elem, path: str) -> str | None:
    """Stripped text of the first element at ``path`` under ``elem``; ``None`` when absent or empty."""
    if elem is None:
        return None
    value = elem.findtext(path)
    if value is None:
        return None
    value = value.strip()
    return value or None


def rel_path(elem, anchor, anchor_path: str) -> str:
    """XML path of ``elem`` written from ``anchor`` (whose own path is ``anchor_path``), with 1-based
    indexes where an element has same-named siblings."""
    anchor = getattr(anchor, "elem", anchor)
    steps: list[str] = []
    node = elem
    while node is not None and node is not anchor:
        parent = node.getparent()
        name = etree.QName(node).localname
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/".join([anchor_path, *reversed(steps)]) if steps else anchor_path


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: str) -> date:
    """ISO date (``2019-05-20``) or date-time (``2014-12-31T13:15:00+01:00``) → the date as written."""
    value = value.strip()
    if _DATE_RE.fullmatch(value):
        return date.fromisoformat(value)
    return parse_datetime(value).date()


def parse_datetime(value: str) -> datetime:
    value = value.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if len(value) < 19 or value[10] != "T":
        raise ValueError("not an ISO date-time")
    return datetime.fromisoformat(value)
