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
#pragma GCC unroll 52
        for (int j = 16; j < 68; j++) {
            uint32_t x = w[j - 16] ^ w[j - 9] ^ ROTL(w[j - 3], 15);
            w[j] = P1(x) ^ ROTL(w[j - 13], 7) ^ w[j - 6];
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        /* Fully unrolled: the eight working variables then stay in registers, renamed, not moved. */
#pragma GCC unroll 16
        for (int j = 0; j < 16; j++) ROUND(j, FF0, GG0);
#pragma GCC unroll 48
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

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

/* Eight lanes: vector i holds word i of the eight messages. AVX2 has no rotate, hence shift|shift. */
#define VROTL(x, n) _mm256_or_si256(_mm256_slli_epi32((x), (n)), _mm256_srli_epi32((x), 32 - (n)))
#define VXOR3(x, y, z) _mm256_xor_si256(_mm256_xor_si256((x), (y)), (z))
#define VP0(x) VXOR3((x), VROTL((x), 9), VROTL((x), 17))
#define VP1(x) VXOR3((x), VROTL((x), 15), VROTL((x), 23))
#define VFF1(x, y, z) _mm256_or_si256(_mm256_and_si256((x), (y)), _mm256_and_si256(_mm256_or_si256((x), (y)), (z)))
#define VGG1(x, y, z) _mm256_xor_si256(_mm256_and_si256(_mm256_xor_si256((y), (z)), (x)), (z))

#define VROUND(j, FF, GG)                                                                          \
    do {                                                                                           \
        __m256i a12 = VROTL(a, 12);                                                                \
        __m256i s = _mm256_add_epi32(_mm256_add_epi32(a12, e), _mm256_set1_epi32((int)TJ[j]));     \
        __m256i ss1 = VROTL(s, 7);                                                                 \
        __m256i ss2 = _mm256_xor_si256(ss1, a12);                                                  \
        __m256i tt1 = _mm256_add_epi32(_mm256_add_epi32(FF(a, b, c), d),                           \
                                       _mm256_add_epi32(ss2, _mm256_xor_si256(w[j], w[(j) + 4]))); \
        __m256i tt2 = _mm256_add_epi32(_mm256_add_epi32(GG(e, f, g), h), _mm256_add_epi32(ss1, w[j])); \
        d = c;                                                                                     \
        c = VROTL(b, 9);                                                                           \
        b = a;                                                                                     \
        a = tt1;                                                                                   \
        h = g;                                                                                     \
        g = VROTL(f, 19);                                                                          \
        f = e;                                                                                     \
        e = VP0(tt2);                                                                              \
    } while (0)

/* One block in each lane; lanes whose bit is clear in `active` keep their state. */
__attribute__((target("avx2"))) static void sm3_block_x8(__m256i v[8], const uint8_t *const blk[8],
                                                          __m256i active) {
    __m256i w[68];
    for (int j = 0; j < 16; j++) {
        uint32_t x[8];
        for (int l = 0; l < 8; l++) x[l] = load_be32(blk[l] + 4 * j);
        w[j] = _mm256_loadu_si256((const __m256i *)x);
    }
#pragma GCC unroll 52
    for (int j = 16; j < 68; j++) {
        __m256i x = VXOR3(w[j - 16], w[j - 9], VROTL(w[j - 3], 15));
        w[j] = VXOR3(VP1(x), VROTL(w[j - 13], 7), w[j - 6]);
    }
    __m256i a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) VROUND(j, VXOR3, VXOR3);
#pragma GCC unroll 48
    for (int j = 16; j < 64; j++) VROUND(j, VFF1, VGG1);
    __m256i n[8] = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; i++) v[i] = _mm256_blendv_epi8(v[i], _mm256_xor_si256(v[i], n[i]), active);
}

/* Longer messages than this go one at a time (lines are a few hundred bytes; nodes 65). */
#define LANE_BYTES 1024

__attribute__((target("avx2"))) static void sm3_many_avx2(int prefix, const uint8_t *const *msgs,
                                                           const size_t *lens, uint8_t *const *outs,
                                                           size_t n) {
    static const silink_hash scalar = {silink_sm3_iv, silink_sm3_blocks, NULL};
    uint8_t lane[8][LANE_BYTES];
    size_t i = 0;
    while (i < n) {
        /* Take up to 8 messages that fit a lane; a longer one is hashed alone, in order. */
        size_t idx[8], k = 0;
        int nb[8];
        while (i < n && k < 8) {
            size_t total = lens[i] + (prefix >= 0);
            size_t padded = (total + 9 + 63) / 64 * 64;
            if (padded > LANE_BYTES) {
                silink_digest(&scalar, prefix, msgs[i], lens[i], outs[i]);
                i++;
                continue;
            }
            uint8_t *p = lane[k];
            size_t fill = 0;
            if (prefix >= 0) p[fill++] = (uint8_t)prefix;
            memcpy(p + fill, msgs[i], lens[i]);
            fill += lens[i];
            p[fill++] = 0x80;
            memset(p + fill, 0, padded - fill);
            uint64_t bits = (uint64_t)total * 8;
            for (int q = 0; q < 8; q++) p[padded - 1 - q] = (uint8_t)(bits >> (8 * q));
            nb[k] = (int)(padded / 64);
            idx[k++] = i++;
        }
        if (k == 0) break;
        int most = 0;
        for (size_t l = 0; l < k; l++) most = nb[l] > most ? nb[l] : most;
        for (size_t l = k; l < 8; l++) nb[l] = 0; /* idle lanes read lane 0 and discard the result */
        __m256i v[8];
        for (int w = 0; w < 8; w++) v[w] = _mm256_set1_epi32((int)silink_sm3_iv[w]);
        __m256i counts = _mm256_setr_epi32(nb[0], nb[1], nb[2], nb[3], nb[4], nb[5], nb[6], nb[7]);
        for (int b = 0; b < most; b++) {
            const uint8_t *blk[8];
            for (int l = 0; l < 8; l++) {
                int own = l < (int)k && b < nb[l];
                blk[l] = own ? lane[l] + 64 * b : lane[0];
            }
            __m256i active = _mm256_cmpgt_epi32(counts, _mm256_set1_epi32(b));
            sm3_block_x8(v, blk, active);
        }
        uint32_t words[8][8];
        for (int w = 0; w < 8; w++) _mm256_storeu_si256((__m256i *)words[w], v[w]);
        for (size_t l = 0; l < k; l++) {
            uint8_t *o = outs[idx[l]];
            for (int w = 0; w < 8; w++) {
                uint32_t x = words[w][l];
                o[4 * w] = (uint8_t)(x >> 24);
                o[4 * w + 1] = (uint8_t)(x >> 16);
                o[4 * w + 2] = (uint8_t)(x >> 8);
                o[4 * w + 3] = (uint8_t)x;
            }
        }
    }
}

silink_many_fn silink_sm3_many_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return NULL;
    /* AVX needs the OS to save the YMM registers (OSXSAVE, then XCR0 bits 1 and 2). */
    if (!((c >> 27) & 1) || !((c >> 28) & 1)) return NULL;
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return NULL;
    if (__get_cpuid_max(0, NULL) < 7) return NULL;
    __cpuid_count(7, 0, a, b, c, d);
    return ((b >> 5) & 1) ? sm3_many_avx2 : NULL;
}
#else
silink_many_fn silink_sm3_many_avx2(void) { return NULL; }
#endif
