/* SM3 compression function (GB/T 32905-2016 §5.3): message expansion to W[0..67] and W'[0..63], then
 * 64 rounds; rounds 0-15 and 16-63 differ only in their boolean functions and constant T. */
#include "hashes.h"

const uint32_t silink_sm3_iv[8] = {
    0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
};

#define ROTL(x, n) (((x) << ((n) & 31)) | ((x) >> ((32 - ((n) & 31)) & 31)))
#define P0(x) ((x) ^ ROTL((x), 9) ^ ROTL((x), 17))
#define P1(x) ((x) ^ ROTL((x), 15) ^ ROTL((x), 23))

/* T_j <<< (j mod 32), precomputed: T_j = 79cc4519 for rounds 0-15, 7a879d8a for 16-63. */
static const uint32_t TJ[64] = {
    0x79cc4519, 0xf3988a32, 0xe7311465, 0xce6228cb, 0x9cc45197, 0x3988a32f, 0x7311465e, 0xe6228cbc,
    0xcc451979, 0x988a32f3, 0x311465e7, 0x6228cbce, 0xc451979c, 0x88a32f39, 0x11465e73, 0x228cbce6,
    0x9d8a7a87, 0x3b14f50f, 0x7629ea1e, 0xec53d43c, 0xd8a7a879, 0xb14f50f3, 0x629ea1e7, 0xc53d43ce,
    0x8a7a879d, 0x14f50f3b, 0x29ea1e76, 0x53d43cec, 0xa7a879d8, 0x4f50f3b1, 0x9ea1e762, 0x3d43cec5,
    0x7a879d8a, 0xf50f3b14, 0xea1e7629, 0xd43cec53, 0xa879d8a7, 0x50f3b14f, 0xa1e7629e, 0x43cec53d,
    0x879d8a7a, 0x0f3b14f5, 0x1e7629ea, 0x3cec53d4, 0x79d8a7a8, 0xf3b14f50, 0xe7629ea1, 0xcec53d43,
    0x9d8a7a87, 0x3b14f50f, 0x7629ea1e, 0xec53d43c, 0xd8a7a879, 0xb14f50f3, 0x629ea1e7, 0xc53d43ce,
    0x8a7a879d, 0x14f50f3b, 0x29ea1e76, 0x53d43cec, 0xa7a879d8, 0x4f50f3b1, 0x9ea1e762, 0x3d43cec5,
};

static inline uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

#define ROUND(j, FF, GG)                                          \
    do {                                                          \
        uint32_t a12 = ROTL(a, 12);                               \
        uint32_t ss1 = ROTL(a12 + e + TJ[j], 7);                  \
        uint32_t ss2 = ss1 ^ a12;                                 \
        uint32_t tt1 = FF(a, b, c) + d + ss2 + (w[j] ^ w[j + 4]); \
        uint32_t tt2 = GG(e, f, g) + h + ss1 + w[j];              \
        d = c;                                                    \
        c = ROTL(b, 9);                                           \
        b = a;                                                    \
        a = tt1;                                                  \
        h = g;                                                    \
        g = ROTL(f, 19);                                          \
        f = e;                                                    \
        e = P0(tt2);                                              \
    } while (0)

#define FF0(x, y, z) ((x) ^ (y) ^ (z))
#define FF1(x, y, z) (((x) & (y)) | ((x) & (z)) | ((y) & (z)))
#define GG0(x, y, z) ((x) ^ (y) ^ (z))
#define GG1(x, y, z) (((x) & (y)) | (~(x) & (z)))

void silink_sm3_blocks(uint32_t state[8], const uint8_t *data, size_t nblocks) {
    uint32_t w[68];
    for (; nblocks; nblocks--, data += 64) {
        for (int j = 0; j < 16; j++) w[j] = load_be32(data + 4 * j);
        for (int j = 16; j < 68; j++) {
            uint32_t x = w[j - 16] ^ w[j - 9] ^ ROTL(w[j - 3], 15);
            w[j] = P1(x) ^ ROTL(w[j - 13], 7) ^ w[j - 6];
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int j = 0; j < 16; j++) ROUND(j, FF0, GG0);
        for (int j = 16; j < 64; j++) ROUND(j, FF1, GG1);
        state[0] ^= a;
        state[1] ^= b;
        state[2] ^= c;
        state[3] ^= d;
        state[4] ^= e;
        state[5] ^= f;
        state[6] ^= g;
        state[7] ^= h;
    }
}
