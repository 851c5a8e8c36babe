"""Slow pure-Python SM3, SM4 (block, CBC, GCM) and SM2 signatures, written from the standards' text.

This module exists so that the tests can check the real implementations (hashlib / cryptography /
libcrypto) against something independent of OpenSSL: GB/T 32905 (SM3), GB/T 32907 (SM4), NIST SP
800-38D (GCM) and GB/T 32918 parts 2 and 5 (SM2). It is NOT constant-time and NOT fast; never use it to
protect anything. Nonces come from :mod:`secrets` all the same, because a reference that taught bad habits
would be a trap.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

_M32 = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    n %= 32
    return ((x << n) | (x >> (32 - n))) & _M32


# --- SM3 (GB/T 32905-2016) -------------------------------------------------------------------------

_SM3_IV = (0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600, 0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E)


def _p0(x: int) -> int:
    return x ^ _rotl(x, 9) ^ _rotl(x, 17)


def _p1(x: int) -> int:
    return x ^ _rotl(x, 15) ^ _rotl(x, 23)


def _sm3_compress(v: tuple[int, ...], block: bytes) -> tuple[int, ...]:
    w = [int.from_bytes(block[i : i + 4], "big") for i in range(0, 64, 4)]
    for j in range(16, 68):
        w.append(_p1(w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)) ^ _rotl(w[j - 13], 7) ^ w[j - 6])
    w1 = [w[j] ^ w[j + 4] for j in range(64)]
    a, b, c, d, e, f, g, h = v
    for j in range(64):
        t = 0x79CC4519 if j < 16 else 0x7A879D8A
        ss1 = _rotl((_rotl(a, 12) + e + _rotl(t, j)) & _M32, 7)
        ss2 = ss1 ^ _rotl(a, 12)
        if j < 16:
            ff, gg = a ^ b ^ c, e ^ f ^ g
        else:
            ff = (a & b) | (a & c) | (b & c)
            gg = (e & f) | (~e & _M32 & g)
        tt1 = (ff + d + ss2 + w1[j]) & _M32
        tt2 = (gg + h + ss1 + w[j]) & _M32
        a, b, c, d = tt1, a, _rotl(b, 9), c
        e, f, g, h = _p0(tt2), e, _rotl(f, 19), g
    return tuple(x ^ y for x, y in zip((a, b, c, d, e, f, g, h), v, strict=True))


def sm3(message: bytes) -> bytes:
    """SM3 digest of ``message`` (32 bytes)."""
    bits = len(message) * 8
    padded = message + b"\x80" + b"\x00" * ((55 - len(message)) % 64) + bits.to_bytes(8, "big")
    v = _SM3_IV
    for i in range(0, len(padded), 64):
        v = _sm3_compress(v, padded[i : i + 64])
    return b"".join(x.to_bytes(4, "big") for x in v)


# --- SM4 (GB/T 32907-2016) -------------------------------------------------------------------------


def _gf256_mul(a: int, b: int) -> int:
    # GF(2^8) with the SM4 S-box polynomial x^8+x^7+x^6+x^5+x^4+x^2+1.
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if a & 0x100:
            a ^= 0x1F5
    return r


def _affine(x: int) -> int:
    # The S-box's affine map: a circulant bit matrix (row pattern 0xD3) and the constant 0xD3.
    out = 0
    for i in range(8):
        row = ((0xD3 >> i) | (0xD3 << (8 - i))) & 0xFF
        out |= (bin(row & x).count("1") & 1) << (7 - i)
    return out ^ 0xD3


def _build_sbox() -> bytes:
    # The standard prints the S-box as a table; it is the affine-inverse-affine composition below, and
    # deriving it avoids a 256-entry transcription (the test vectors check every entry indirectly).
    inverse = [0] * 256
    for x in range(1, 256):
        for y in range(1, 256):
            if _gf256_mul(x, y) == 1:
                inverse[x] = y
                break
    return bytes(_affine(inverse[_affine(x)]) for x in range(256))


SM4_SBOX = _build_sbox()
_FK = (0xA3B1BAC6, 0x56AA3350, 0x677D9197, 0xB27022DC)
_CK = tuple(int.from_bytes(bytes(((4 * i + j) * 7) % 256 for j in range(4)), "big") for i in range(32))


def _tau(x: int) -> int:
    return int.from_bytes(bytes(SM4_SBOX[b] for b in x.to_bytes(4, "big")), "big")


def _round_keys(key: bytes) -> list[int]:
    if len(key) != 16:
        raise ValueError("SM4 keys are 16 bytes")
    k = [int.from_bytes(key[i : i + 4], "big") ^ _FK[i // 4] for i in range(0, 16, 4)]
    for i in range(32):
        t = _tau(k[i + 1] ^ k[i + 2] ^ k[i + 3] ^ _CK[i])
        k.append(k[i] ^ t ^ _rotl(t, 13) ^ _rotl(t, 23))
    return k[4:]


def _sm4_rounds(rk: list[int], block: bytes) -> bytes:
    x = [int.from_bytes(block[i : i + 4], "big") for i in range(0, 16, 4)]
    for i in range(32):
        t = _tau(x[i + 1] ^ x[i + 2] ^ x[i + 3] ^ rk[i])
        x.append(x[i] ^ t ^ _rotl(t, 2) ^ _rotl(t, 10) ^ _rotl(t, 18) ^ _rotl(t, 24))
    return b"".join(v.to_bytes(4, "big") for v in reversed(x[32:]))


class SM4:
    """The SM4 block cipher with one key."""

    def __init__(self, key: bytes) -> None:
        self._enc = _round_keys(key)
        self._dec = self._enc[::-1]

    def encrypt_block(self, block: bytes) -> bytes:
        return _sm4_rounds(self._enc, block)

    def decrypt_block(self, block: bytes) -> bytes:
        return _sm4_rounds(self._dec, block)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=False))


def sm4_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """SM4-CBC with PKCS#7 padding; returns the ciphertext only (no IV prefix)."""
    c = SM4(key)
    pad = 16 - len(plaintext) % 16
    data = plaintext + bytes([pad]) * pad
    out, prev = [], iv
    for i in range(0, len(data), 16):
        prev = c.encrypt_block(_xor(data[i : i + 16], prev))
        out.append(prev)
    return b"".join(out)


def sm4_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Inverse of :func:`sm4_cbc_encrypt`; raises ValueError on bad length or padding."""
    if not ciphertext or len(ciphertext) % 16:
        raise ValueError("bad length")
    c = SM4(key)
    out, prev = [], iv
    for i in range(0, len(ciphertext), 16):
        block = ciphertext[i : i + 16]
        out.append(_xor(c.decrypt_block(block), prev))
        prev = block
    data = b"".join(out)
    pad = data[-1]
    if not 1 <= pad <= 16 or data[-pad:] != bytes([pad]) * pad:
        raise ValueError("bad padding")
    return data[:-pad]


def _gf128_mul(x: int, y: int) -> int:
    # SP 800-38D Algorithm 1: bits are numbered from the most significant, R = 11100001 ‖ 0^120.
    r = 0xE1 << 120
    z, v = 0, y
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= v
        v = (v >> 1) ^ r if v & 1 else v >> 1
    return z


def _ghash(h: int, data: bytes) -> int:
    y = 0
    for i in range(0, len(data), 16):
        y = _gf128_mul(y ^ int.from_bytes(data[i : i + 16], "big"), h)
    return y


def _pad16(b: bytes) -> bytes:
    return b + b"\x00" * (-len(b) % 16)


def _gctr(c: SM4, counter: int, data: bytes) -> bytes:
    out = []
    for i in range(0, len(data), 16):
        ks = c.encrypt_block(counter.to_bytes(16, "big"))
        out.append(_xor(data[i : i + 16], ks))
        counter = (counter & ~_M32) | ((counter + 1) & _M32)  # inc32
    return b"".join(out)


def sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> tuple[bytes, bytes]:
    """SM4-GCM with a 96-bit nonce; returns (ciphertext, 16-byte tag)."""
    if len(nonce) != 12:
        raise ValueError("this reference takes 96-bit nonces only")
    c = SM4(key)
    h = int.from_bytes(c.encrypt_block(b"\x00" * 16), "big")
    j0 = int.from_bytes(nonce + b"\x00\x00\x00\x01", "big")
    ct = _gctr(c, j0 + 1, plaintext)
    lengths = (len(aad) * 8).to_bytes(8, "big") + (len(ct) * 8).to_bytes(8, "big")
    s = _ghash(h, _pad16(aad) + _pad16(ct) + lengths)
    tag = _xor(c.encrypt_block(j0.to_bytes(16, "big")), s.to_bytes(16, "big"))
    return ct, tag


# --- SM2 signatures (GB/T 32918.2-2016, curve from GB/T 32918.5-2017) ------------------------------


@dataclass(frozen=True)
class Curve:
    """A short Weierstrass curve y² = x³ + ax + b over F_p with base point G of prime order n."""

    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int


SM2_CURVE = Curve(
    p=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    a=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    b=0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    gx=0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    gy=0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
    n=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
)

Point = tuple[int, int] | None  # None is the point at infinity


def _add(c: Curve, p1: Point, p2: Point) -> Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        if (y1 + y2) % c.p == 0:
            return None
        lam = (3 * x1 * x1 + c.a) * pow(2 * y1, -1, c.p) % c.p
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, c.p) % c.p
    x3 = (lam * lam - x1 - x2) % c.p
    return x3, (lam * (x1 - x3) - y1) % c.p


def _mul(c: Curve, k: int, pt: Point) -> Point:
    acc: Point = None
    while k:
        if k & 1:
            acc = _add(c, acc, pt)
        pt = _add(c, pt, pt)
        k >>= 1
    return acc


def on_curve(c: Curve, pt: tuple[int, int]) -> bool:
    x, y = pt
    return 0 <= x < c.p and 0 <= y < c.p and (y * y - x * x * x - c.a * x - c.b) % c.p == 0


def public_key(d: int, c: Curve = SM2_CURVE) -> tuple[int, int]:
    """P = dG."""
    pt = _mul(c, d, (c.gx, c.gy))
    assert pt is not None
    return pt


def public_point_bytes(pt: tuple[int, int], c: Curve = SM2_CURVE) -> bytes:
    size = (c.p.bit_length() + 7) // 8
    return b"\x04" + pt[0].to_bytes(size, "big") + pt[1].to_bytes(size, "big")


def z_value(user_id: bytes, pub: tuple[int, int], c: Curve = SM2_CURVE) -> bytes:
    """Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A), ENTL_A the ID length in bits (2 bytes)."""
    size = (c.p.bit_length() + 7) // 8
    parts = [(len(user_id) * 8).to_bytes(2, "big"), user_id]
    parts += [v.to_bytes(size, "big") for v in (c.a, c.b, c.gx, c.gy, pub[0], pub[1])]
    return sm3(b"".join(parts))


def sign(
    d: int, message: bytes, user_id: bytes = b"1234567812345678", c: Curve = SM2_CURVE, k: int | None = None
) -> tuple[int, int]:
    """(r, s); ``k`` may be fixed only to reproduce a published example."""
    e = int.from_bytes(sm3(z_value(user_id, public_key(d, c), c) + message), "big")
    while True:
        kk = k if k is not None else secrets.randbelow(c.n - 1) + 1
        pt = _mul(c, kk, (c.gx, c.gy))
        assert pt is not None
        r = (e + pt[0]) % c.n
        if r == 0 or r + kk == c.n:
            if k is not None:
                raise ValueError("the fixed k is unusable")
            continue
        s = pow(1 + d, -1, c.n) * (kk - r * d) % c.n
        if s == 0:
            if k is not None:
                raise ValueError("the fixed k is unusable")
            continue
        return r, s


def verify(
    pub: tuple[int, int],
    message: bytes,
    rs: tuple[int, int],
    user_id: bytes = b"1234567812345678",
    c: Curve = SM2_CURVE,
) -> bool:
    r, s = rs
    if not (1 <= r < c.n and 1 <= s < c.n) or not on_curve(c, pub):
        return False
    e = int.from_bytes(sm3(z_value(user_id, pub, c) + message), "big")
    t = (r + s) % c.n
    if t == 0:
        return False
    pt = _add(c, _mul(c, s, (c.gx, c.gy)), _mul(c, t, pub))
    return pt is not None and (e + pt[0]) % c.n == r


def _der_int(v: int) -> bytes:
    body = v.to_bytes(v.bit_length() // 8 + 1, "big")  # one spare byte keeps the sign bit clear
    while len(body) > 1 and body[0] == 0 and body[1] < 0x80:
        body = body[1:]
    return b"\x02" + bytes([len(body)]) + body


def der_signature(rs: tuple[int, int]) -> bytes:
    """DER SEQUENCE { r INTEGER, s INTEGER }."""
    body = _der_int(rs[0]) + _der_int(rs[1])
    return b"\x30" + bytes([len(body)]) + body


def parse_der_signature(sig: bytes) -> tuple[int, int]:
    """Strict DER decoding of (r, s); ValueError for anything non-canonical."""
    if len(sig) < 8 or sig[0] != 0x30 or sig[1] != len(sig) - 2:
        raise ValueError("not a DER sequence")
    out, i = [], 2
    for _ in range(2):
        if sig[i] != 0x02:
            raise ValueError("not an INTEGER")
        n = sig[i + 1]
        body = sig[i + 2 : i + 2 + n]
        if len(body) != n or n == 0 or body[0] & 0x80 or (n > 1 and body[0] == 0 and body[1] < 0x80):
            raise ValueError("non-canonical INTEGER")
        out.append(int.from_bytes(body, "big"))
        i += 2 + n
    if i != len(sig):
        raise ValueError("trailing bytes")
    return out[0], out[1]
