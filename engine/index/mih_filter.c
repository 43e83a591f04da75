/* index/mih_filter.c - the partner-chunk filters of the multi-index search,
 * one per instruction-set tier (mih_filter.h). */
#include "index/mih_filter.h"

#if defined(MIH_FILTER_X86)
#include <immintrin.h>
#endif

/* The reference: one entry at a time. */
static inline __attribute__((always_inline)) size_t
filter_scalar(const uint16_t *part, size_t n, unsigned qp, int above, int upto, uint16_t *hits) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    int d = __builtin_popcount((unsigned)part[i] ^ qp);
    if (d <= upto && d > above)
      hits[k++] = (uint16_t)i;
  }
  return k;
}

size_t mih_filter_generic(const uint16_t *part, size_t n, unsigned qp, int above, int upto,
                          uint16_t *hits) {
  return filter_scalar(part, n, qp, above, upto, hits);
}

#if defined(MIH_FILTER_X86)
__attribute__((target("popcnt"))) size_t mih_filter_popcnt(const uint16_t *part, size_t n,
                                                            unsigned qp, int above, int upto,
                                                            uint16_t *hits) {
  return filter_scalar(part, n, qp, above, upto, hits);
}

/* 16 lanes: popcount by a 16-entry table per nibble (VPSHUFB), the two byte
 * counts of a lane added, the window compared signed (counts are 0..16).
 * Vectors past n read the padding (MIH_FILTER_PAD) and are masked off. */
__attribute__((target("avx2"))) size_t mih_filter_avx2(const uint16_t *part, size_t n, unsigned qp,
                                                       int above, int upto, uint16_t *hits) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                       1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i nib = _mm256_set1_epi8(0x0F), lowbyte = _mm256_set1_epi16(0x00FF);
  const __m256i q = _mm256_set1_epi16((short)qp);
  const __m256i lo = _mm256_set1_epi16((short)above), hi = _mm256_set1_epi16((short)upto);
  size_t k = 0;
  for (size_t i = 0; i < n; i += 16) {
    __m256i x = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(part + i)), q);
    __m256i c8 = _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(x, nib)),
                                 _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib)));
    __m256i c16 = _mm256_add_epi16(_mm256_and_si256(c8, lowbyte), _mm256_srli_epi16(c8, 8));
    __m256i in = _mm256_andnot_si256(_mm256_cmpgt_epi16(c16, hi), _mm256_cmpgt_epi16(c16, lo));
    /* Two mask bits per lane: keep the low one. */
    uint32_t m = (uint32_t)_mm256_movemask_epi8(in) & 0x55555555u;
    if (n - i < 16)
      m &= (1u << (2 * (n - i))) - 1;
    for (; m; m &= m - 1)
      hits[k++] = (uint16_t)(i + (unsigned)__builtin_ctz(m) / 2);
  }
  return k;
}

/* 32 lanes with the population count instruction for 16-bit lanes. */
__attribute__((target("avx512f,avx512bw,avx512bitalg"))) size_t
mih_filter_avx512(const uint16_t *part, size_t n, unsigned qp, int above, int upto,
                  uint16_t *hits) {
  const __m512i q = _mm512_set1_epi16((short)qp);
  const __m512i lo = _mm512_set1_epi16((short)above), hi = _mm512_set1_epi16((short)upto);
  size_t k = 0;
  for (size_t i = 0; i < n; i += 32) {
    __m512i c = _mm512_popcnt_epi16(_mm512_xor_si512(_mm512_loadu_si512(part + i), q));
    uint32_t m = (uint32_t)(_mm512_cmpgt_epi16_mask(c, lo) & _mm512_cmple_epi16_mask(c, hi));
    if (n - i < 32)
      m &= (1u << (n - i)) - 1;
    for (; m; m &= m - 1)
      hits[k++] = (uint16_t)(i + (unsigned)__builtin_ctz(m));
  }
  return k;
}
#endif
