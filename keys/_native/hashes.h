/* One-shot SHA-256 (FIPS 180-4) and SM3 (GB/T 32905-2016) for short messages, used by _merkle.c.
 *
 * Both hashes share the Merkle-Damgard padding (0x80, zeros, 64-bit big-endian bit length), so one
 * padding routine drives either compression function. SHA-256 picks its block function once at import:
 * the SHA-NI instructions when the CPU has them, portable C otherwise. */
#ifndef SILINK_HASHES_H
#define SILINK_HASHES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SILINK_DIGEST 32

typedef void (*silink_blocks_fn)(uint32_t state[8], const uint8_t *data, size_t nblocks);
/* outs[i] = H(prefix || msgs[i]) for n messages at once (several lanes in parallel). */
typedef void (*silink_many_fn)(int prefix, const uint8_t *const *msgs, const size_t *lens, uint8_t *const *outs,
                               size_t n);

typedef struct {
    const uint32_t *iv;
    silink_blocks_fn blocks;
    silink_many_fn many; /* NULL: one message at a time with `blocks` */
} silink_hash;

extern const uint32_t silink_sha256_iv[8];
extern const uint32_t silink_sm3_iv[8];

void silink_sha256_blocks_portable(uint32_t state[8], const uint8_t *data, size_t nblocks);
/* NULL when the CPU (or compiler) lacks the SHA extensions. */
silink_blocks_fn silink_sha256_blocks_shani(void);
void silink_sm3_blocks(uint32_t state[8], const uint8_t *data, size_t nblocks);
/* Eight SM3 messages at a time in AVX2 lanes; NULL when the CPU (or compiler) lacks AVX2. */
silink_many_fn silink_sm3_many_avx2(void);

/* out = H(prefix || msg); prefix is one byte, or none when prefix < 0. Inline: it runs once a leaf. */
static inline void silink_digest(const silink_hash *h, int prefix, const uint8_t *msg, size_t len,
                                 uint8_t out[32]) {
    uint32_t st[8];
    memcpy(st, h->iv, sizeof st);
    uint8_t block[128];
    size_t fill = 0;
    uint64_t bits = ((uint64_t)len + (prefix >= 0)) * 8;
    if (prefix >= 0) block[fill++] = (uint8_t)prefix;
    /* The prefix shifts the message by a byte: the first block is assembled in the buffer, the
     * remaining whole blocks are hashed where they lie. */
    size_t take = len < 64 - fill ? len : 64 - fill;
    memcpy(block + fill, msg, take);
    fill += take;
    msg += take;
    len -= take;
    if (fill == 64) {
        h->blocks(st, block, 1);
        size_t full = len / 64;
        if (full) h->blocks(st, msg, full);
        msg += full * 64;
        len -= full * 64;
        memcpy(block, msg, len);
        fill = len;
    }
    block[fill++] = 0x80;
    size_t end = fill <= 56 ? 64 : 128;
    memset(block + fill, 0, end - fill);
    for (int i = 0; i < 8; i++) block[end - 1 - i] = (uint8_t)(bits >> (8 * i));
    h->blocks(st, block, end / 64);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(st[i] >> 24);
        out[4 * i + 1] = (uint8_t)(st[i] >> 16);
        out[4 * i + 2] = (uint8_t)(st[i] >> 8);
        out[4 * i + 3] = (uint8_t)st[i];
    }
}

/* Every message through h->many when there is one, else one by one. */
static inline void silink_digest_all(const silink_hash *h, int prefix, const uint8_t *const *msgs,
                                     const size_t *lens, uint8_t *const *outs, size_t n) {
    if (h->many) {
        h->many(prefix, msgs, lens, outs, n);
        return;
    }
    for (size_t i = 0; i < n; i++) silink_digest(h, prefix, msgs[i], lens[i], outs[i]);
}

#endif
