"""RFC 9162 Merkle trees over a submission's lines: streaming roots, inclusion proofs, verification.

Hashes (RFC 9162 §2.1.1, with SHA-256 or SM3)::

    MTH({})      = H()
    leaf         = H(0x00 ‖ line)
    MTH(D[0:n])  = H(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))   k = the largest power of two < n

:class:`RootBuilder` appends lines one at a time (or in bulk) keeping O(log n) subtree hashes plus one
bounded batch; :func:`inclusion_proof` recomputes a proof from the leaf hashes of a submission (storing
every proof costs far more than recomputing it, see CRYPTO.md); :func:`verify_inclusion` checks one
(RFC 9162 §2.1.3.2) and returns False, never raising, for any malformed proof.

Speed: hashing dominates. Leaves are hashed in batches with list comprehensions over a pre-built hash
(``.copy()`` of a primed object, or hashlib's one-shot constructor where that is cheaper), and each full
batch of 2^k leaves is reduced level by level, so Python does one loop iteration per hash and nothing more.

When the optional C extension ``keys._native._merkle`` is built (``NATIVE``), leaves, batch reductions
and :func:`row_leaf_hashes` (canonicalise and leaf-hash fused) run in C instead: 1.5-1.8 M lines/s of
CPU time against 0.3-0.4 M for the code here (``benchmarks/bench_signing.py``), with identical results, which
tests/keys/test_native_merkle.py checks against the code here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from gateway.errors import InvalidInput

from .algorithms._api import CRYPTO_MISUSE
from .algorithms._hashes import HashAlgorithm, hash_algorithm, new_hash
from .canonical import canonical_row

try:
    from ._native import _merkle as _native
except ImportError:  # built without a C compiler: the pure-Python code below does everything
    _native = None

# Read at every call (not captured at import) so tests can switch the C path off.
NATIVE = _native is not None
_NATIVE_ALG = {HashAlgorithm.SHA256: 0, HashAlgorithm.SM3: 1}

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32

# Leaves are reduced in complete subtrees of this many (a power of two): big enough that the Python loop
# overhead per hash vanishes, small enough to stay a constant amount of memory.
BATCH_HEIGHT = 10
BATCH = 1 << BATCH_HEIGHT


class _Hasher:
    """Leaf and node hashing for one algorithm, specialised for speed."""

    __slots__ = ("alg", "code", "empty", "node", "py_leaves", "py_node", "py_reduce")

    def __init__(self, alg: HashAlgorithm) -> None:
        self.alg = alg
        self.code = _NATIVE_ALG[alg]
        self.empty = new_hash(alg).digest()
        if alg is HashAlgorithm.SHA256:
            # hashlib's one-shot sha256 constructor beats copy()+update() for short messages.
            sha = hashlib.sha256

            def leaves(lines: Iterable[bytes]) -> list[bytes]:
                return [sha(b"\x00" + line).digest() for line in lines]

            def node(left: bytes, right: bytes) -> bytes:
                return sha(b"\x01" + left + right).digest()

            def reduce(level: list[bytes]) -> list[bytes]:
                it = iter(level)
                return [sha(b"\x01" + a + b).digest() for a, b in zip(it, it, strict=True)]

        else:
            # SM3 (and anything else): copy a primed object; the per-call name lookup of
            # hashlib.new("sm3") costs more than the copy.
            leaf_base = new_hash(alg, LEAF_PREFIX)
            node_base = new_hash(alg, NODE_PREFIX)
            leaf_copy, node_copy = leaf_base.copy, node_base.copy

            def leaves(lines: Iterable[bytes]) -> list[bytes]:
                out = []
                append = out.append
                for line in lines:
                    h = leaf_copy()
                    h.update(line)
                    append(h.digest())
                return out

            def node(left: bytes, right: bytes) -> bytes:
                h = node_copy()
                h.update(left + right)
                return h.digest()

            def reduce(level: list[bytes]) -> list[bytes]:
                it = iter(level)
                return [node(a, b) for a, b in zip(it, it, strict=True)]

        self.py_leaves = leaves
        self.py_node = self.node = node
        self.py_reduce = reduce
        if _native is not None and alg is not HashAlgorithm.SHA256:
            # One C call beats copy()+update()+digest(); hashlib's one-shot SHA-256 is already as fast.
            digest, code = _native.digest, self.code

            def native_node(left: bytes, right: bytes) -> bytes:
                if NATIVE and len(left) == len(right) == HASH_SIZE:
                    return digest(left + right, code, 1)
                return node(left, right)

            self.node = native_node

    def leaves(self, lines: Iterable[bytes]) -> list[bytes]:
        if not NATIVE:
            return self.py_leaves(lines)
        if not isinstance(lines, list | tuple):
            lines = list(lines)
        hashes, redo = _native.leaf_hashes(lines, self.code)
        for i in redo:  # anything but exact bytes: Python hashes it, or raises, exactly as without C
            hashes[i] = self.py_leaves([lines[i]])[0]
        return hashes

    def rows(self, rows: Iterable[tuple]) -> list[bytes]:
        if not NATIVE:
            return self.py_leaves(map(canonical_row, rows))
        if not isinstance(rows, list | tuple):
            rows = list(rows)
        hashes, redo = _native.row_leaf_hashes(rows, self.code)
        # Rows C leaves alone (see _merkle.c) go through canonical_row, in order, so the first bad row
        # raises the same InvalidInput as the pure path would.
        for i in redo:
            hashes[i] = self.py_leaves([canonical_row(rows[i])])[0]
        return hashes

    def subtree(self, level: list[bytes]) -> bytes:
        """The root of a complete subtree (len(level) a power of two)."""
        if NATIVE:
            return _native.subtree_root(level, self.code)
        reduce = self.py_reduce
        while len(level) > 1:
            level = reduce(level)
        return level[0]


_HASHERS: dict[HashAlgorithm, _Hasher] = {}


def _hasher(hash_alg: str | HashAlgorithm) -> _Hasher:
    alg = hash_algorithm(hash_alg)
    h = _HASHERS.get(alg)
    if h is None:
        h = _HASHERS[alg] = _Hasher(alg)
    return h


def _check_line(line: object) -> bytes:
    if isinstance(line, bytes):
        return line
    raise InvalidInput("Merkle leaves are bytes", CRYPTO_MISUSE)


def leaf_hash(line: bytes, hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256) -> bytes:
    """H(0x00 ‖ line)."""
    return _hasher(hash_alg).leaves([_check_line(line)])[0]


def leaf_hashes(lines: Iterable[bytes], hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256) -> list[bytes]:
    """The leaf hash of every line, in order (what a submission keeps to answer proofs later)."""
    return _hasher(hash_alg).leaves(lines)


def row_leaf_hashes(
    rows: Iterable[tuple], hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256
) -> list[bytes]:
    """``leaf_hashes(map(canonical_row, rows))``, fused into one C call when ``NATIVE``; raises the same
    ``InvalidInput(LINE_NOT_CANONICAL)`` for the first row that cannot be canonicalised."""
    return _hasher(hash_alg).rows(rows)


def node_hash(left: bytes, right: bytes, hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256) -> bytes:
    """H(0x01 ‖ left ‖ right)."""
    return _hasher(hash_alg).node(left, right)


class RootBuilder:
    """Streams lines into an RFC 9162 root with O(log n) state.

    ``stack`` holds (height, hash) of complete subtrees, strictly decreasing in height from the left —
    the binary decomposition of the size. Leaves wait in ``pending`` until a full batch of ``BATCH`` can
    be reduced to a single subtree in one go.
    """

    __slots__ = ("_h", "_pending", "_size", "_stack")

    def __init__(self, hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256) -> None:
        self._h = _hasher(hash_alg)
        self._stack: list[tuple[int, bytes]] = []
        self._pending: list[bytes] = []
        self._size = 0

    @property
    def hash_alg(self) -> HashAlgorithm:
        return self._h.alg

    @property
    def size(self) -> int:
        return self._size + len(self._pending)

    def append(self, line: bytes) -> None:
        """Add one line."""
        self._append_hashes(self._h.leaves([_check_line(line)]))

    def extend(self, lines: Iterable[bytes]) -> None:
        """Add many lines; hashes them a batch at a time."""
        batch: list[bytes] = []
        for line in lines:
            batch.append(line)
            if len(batch) == BATCH:
                self._append_hashes(self._h.leaves(batch))
                batch = []
        if batch:
            self._append_hashes(self._h.leaves(batch))

    def append_leaf_hashes(self, hashes: Sequence[bytes]) -> None:
        """Add leaves whose H(0x00 ‖ line) is already known (e.g. stored when the lines were approved)."""
        # Two C-level passes instead of a Python loop: this sits on the release path.
        if not (set(map(type, hashes)) <= {bytes} and set(map(len, hashes)) <= {HASH_SIZE}):
            raise InvalidInput("leaf hashes are 32-byte strings", CRYPTO_MISUSE)
        self._append_hashes(hashes)

    def _append_hashes(self, hashes: Sequence[bytes]) -> None:
        # The unchecked path for hashes this module computed itself.
        pending = self._pending
        i = 0
        n = len(hashes)
        while i < n:
            take = min(BATCH - len(pending), n - i)
            if not pending and take == BATCH:
                self._push_batch(list(hashes[i : i + BATCH]))
            else:
                pending.extend(hashes[i : i + take])
                if len(pending) == BATCH:
                    self._push_batch(pending)
                    pending = self._pending = []
            i += take

    def _push_batch(self, level: list[bytes]) -> None:
        self._push(self._stack, BATCH_HEIGHT, self._h.subtree(level))
        self._size += BATCH

    def _push(self, stack: list[tuple[int, bytes]], height: int, digest: bytes) -> None:
        node = self._h.node
        while stack and stack[-1][0] == height:
            digest = node(stack.pop()[1], digest)
            height += 1
        stack.append((height, digest))

    def root(self) -> bytes:
        """The root of everything appended so far (the builder can keep going afterwards)."""
        stack = list(self._stack)
        for digest in self._pending:
            self._push(stack, 0, digest)
        if not stack:
            return self._h.empty
        node = self._h.node
        acc = stack[-1][1]
        for _, left in reversed(stack[:-1]):
            acc = node(left, acc)
        return acc


def merkle_root(lines: Iterable[bytes], hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256) -> bytes:
    """The RFC 9162 root of ``lines``."""
    b = RootBuilder(hash_alg)
    b.extend(lines)
    return b.root()


def root_from_leaf_hashes(
    hashes: Sequence[bytes], hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256
) -> bytes:
    """The root over known leaf hashes."""
    b = RootBuilder(hash_alg)
    b.append_leaf_hashes(hashes)
    return b.root()


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(
    hashes: Sequence[bytes], index: int, hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256
) -> list[bytes]:
    """PATH(index, D[0:n]) of RFC 9162 §2.1.3.1, from the n leaf hashes, leaf-side sibling first."""
    n = len(hashes)
    if not 0 <= index < n:
        raise InvalidInput("leaf index out of range", CRYPTO_MISUSE)
    h = _hasher(hash_alg)
    path: list[bytes] = []
    lo, hi = 0, n
    # Walk down from the root; each step records the other subtree's hash, so reverse at the end.
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index - lo < k:
            path.append(_subtree_root(h, hashes[lo + k : hi]))
            hi = lo + k
        else:
            path.append(_subtree_root(h, hashes[lo : lo + k]))
            lo += k
    path.reverse()
    return path


def _subtree_root(h: _Hasher, hashes: Sequence[bytes]) -> bytes:
    b = RootBuilder(h.alg)
    b.append_leaf_hashes(hashes)
    return b.root()


def verify_inclusion_hash(
    leaf: bytes,
    index: int,
    tree_size: int,
    proof: Sequence[bytes],
    root: bytes,
    hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256,
) -> bool:
    """RFC 9162 §2.1.3.2 for a known leaf hash; False (never an exception) for any bad proof."""
    h = _hasher(hash_alg)
    if not (isinstance(index, int) and isinstance(tree_size, int) and 0 <= index < tree_size):
        return False
    if len(leaf) != HASH_SIZE or len(root) != HASH_SIZE:
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if not isinstance(p, bytes) or len(p) != HASH_SIZE or sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = h.node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = h.node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_inclusion(
    line: bytes,
    index: int,
    tree_size: int,
    proof: Sequence[bytes],
    root: bytes,
    hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256,
) -> bool:
    """Whether ``line`` is leaf ``index`` of the tree of ``tree_size`` leaves with this ``root``."""
    return verify_inclusion_hash(leaf_hash(line, hash_alg), index, tree_size, proof, root, hash_alg)


__all__ = [
    "BATCH",
    "HASH_SIZE",
    "NATIVE",
    "RootBuilder",
    "inclusion_proof",
    "leaf_hash",
    "leaf_hashes",
    "merkle_root",
    "node_hash",
    "root_from_leaf_hashes",
    "row_leaf_hashes",
    "verify_inclusion",
    "verify_inclusion_hash",
]
