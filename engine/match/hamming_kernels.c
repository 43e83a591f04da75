/* match/hamming_kernels.c - the scan body (hamming_body.h) compiled per
 * instruction-set tier with target attributes, so one binary carries every
 * tier and hamming.c picks one at run time from what the processor has. */
#include <string.h>

#include "match/hamming_scan.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAMMING_X86 1
#endif

/* ---- portable lanes: 8 x uint64 in a struct; the compiler keeps them in
 * registers or on the stack and emits whatever popcount the tier has. ---- */
typedef struct pv_v8 {
  uint64_t l[8];
} pv_v8;

static inline __attribute__((always_inline)) pv_v8 pv_load(const uint64_t *p) {
  pv_v8 v;
  memcpy(v.l, p, sizeof v.l);
  return v;
}
static inline __attribute__((always_inline)) pv_v8 pv_set1(uint64_t x) {
  pv_v8 v;
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    v.l[j] = x;
  return v;
}
static inline __attribute__((always_inline)) pv_v8 pv_xor(pv_v8 a, pv_v8 b) {
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    a.l[j] ^= b.l[j];
  return a;
}
static inline __attribute__((always_inline)) pv_v8 pv_add(pv_v8 a, pv_v8 b) {
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    a.l[j] += b.l[j];
  return a;
}
static inline __attribute__((always_inline)) pv_v8 pv_min(pv_v8 a, pv_v8 b) {
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    a.l[j] = (int64_t)b.l[j] < (int64_t)a.l[j] ? b.l[j] : a.l[j];
  return a;
}
static inline __attribute__((always_inline)) pv_v8 pv_pop(pv_v8 a) {
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    a.l[j] = (uint64_t)__builtin_popcountll(a.l[j]);
  return a;
}
static inline __attribute__((always_inline)) unsigned pv_le(pv_v8 a, pv_v8 t) {
  unsigned m = 0;
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    m |= (unsigned)((int64_t)a.l[j] <= (int64_t)t.l[j]) << j;
  return m;
}
static inline __attribute__((always_inline)) void pv_store(uint64_t *p, pv_v8 v) {
  memcpy(p, v.l, sizeof v.l);
}


/* Generic: whatever the build target has (a software popcount on baseline
 * x86-64, a native one elsewhere). */
#define HB_ATTR
#define HB_NAME(x) x##_generic
#define HB_OP(op) pv_##op
#define HB_POP pv_pop
#include "match/hamming_body.h"

const hamming_kernels hamming_kernels_generic = {scan64_generic, scan256_generic,
                                                 scan256_early_generic};

#ifdef HAMMING_X86
/* POPCNT: x86-64 processors since 2008 (x86-64-v2). */
#define HB_ATTR __attribute__((target("popcnt")))
#define HB_NAME(x) x##_popcnt
#define HB_OP(op) pv_##op
#define HB_POP pv_pop
#include "match/hamming_body.h"

const hamming_kernels hamming_kernels_popcnt = {scan64_popcnt, scan256_popcnt,
                                                scan256_early_popcnt};
#else
const hamming_kernels hamming_kernels_popcnt = {0, 0, 0};
#endif


#ifdef HAMMING_X86
/* ---- AVX2: 8 lanes in two ymm registers. AVX2 has no popcount: each byte
 * is counted by a 16-entry table lookup per nibble (VPSHUFB), and VPSADBW
 * sums the 8 byte counts of each lane. ---- */
#define AVX2 __attribute__((always_inline, target("avx2")))
typedef struct av_v8 {
  __m256i a, b;
} av_v8;

static inline AVX2 av_v8 av_load(const uint64_t *p) {
  return (av_v8){_mm256_load_si256((const __m256i *)p), _mm256_load_si256((const __m256i *)p + 1)};
}
static inline AVX2 av_v8 av_set1(uint64_t x) {
  __m256i v = _mm256_set1_epi64x((long long)x);
  return (av_v8){v, v};
}
static inline AVX2 av_v8 av_xor(av_v8 x, av_v8 y) {
  return (av_v8){_mm256_xor_si256(x.a, y.a), _mm256_xor_si256(x.b, y.b)};
}
static inline AVX2 av_v8 av_add(av_v8 x, av_v8 y) {
  return (av_v8){_mm256_add_epi64(x.a, y.a), _mm256_add_epi64(x.b, y.b)};
}
static inline AVX2 __m256i av_min1(__m256i x, __m256i y) {
  return _mm256_blendv_epi8(x, y, _mm256_cmpgt_epi64(x, y));
}
static inline AVX2 av_v8 av_min(av_v8 x, av_v8 y) { return (av_v8){av_min1(x.a, y.a), av_min1(x.b, y.b)}; }
static inline AVX2 __m256i av_pop1(__m256i x) {
  const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                                         2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i nib = _mm256_set1_epi8(0x0f);
  __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(x, nib));
  __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib));
  return _mm256_sad_epu8(_mm256_add_epi8(lo, hi), _mm256_setzero_si256());
}
static inline AVX2 av_v8 av_pop(av_v8 x) { return (av_v8){av_pop1(x.a), av_pop1(x.b)}; }
static inline AVX2 unsigned av_le1(__m256i x, __m256i t) {
  return ~(unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(x, t))) & 15u;
}
static inline AVX2 unsigned av_le(av_v8 x, av_v8 t) { return av_le1(x.a, t.a) | av_le1(x.b, t.b) << 4; }
static inline AVX2 void av_store(uint64_t *p, av_v8 v) {
  _mm256_storeu_si256((__m256i *)p, v.a);
  _mm256_storeu_si256((__m256i *)p + 1, v.b);
}


#define HB_ATTR __attribute__((target("avx2")))
#define HB_NAME(x) x##_avx2
#define HB_OP(op) av_##op
#define HB_POP av_pop
#include "match/hamming_body.h"

const hamming_kernels hamming_kernels_avx2 = {scan64_avx2, scan256_avx2, scan256_early_avx2};

/* ---- AVX-512: one zmm register is 8 lanes; the compare writes a mask
 * register directly. Two tiers differ only in the popcount: VPOPCNTQ
 * (Ice Lake, Zen 4 and later), or the nibble table of the AVX2 tier at
 * twice the width (AVX-512BW: Skylake-SP, Cascade Lake). ---- */
#define AVX512 __attribute__((always_inline, target("avx512f")))
typedef __m512i z_v8;
static inline AVX512 z_v8 z_load(const uint64_t *p) { return _mm512_load_si512((const void *)p); }
static inline AVX512 z_v8 z_set1(uint64_t x) { return _mm512_set1_epi64((long long)x); }
static inline AVX512 z_v8 z_xor(z_v8 a, z_v8 b) { return _mm512_xor_si512(a, b); }
static inline AVX512 z_v8 z_add(z_v8 a, z_v8 b) { return _mm512_add_epi64(a, b); }
static inline AVX512 z_v8 z_min(z_v8 a, z_v8 b) { return _mm512_min_epi64(a, b); }
static inline AVX512 unsigned z_le(z_v8 a, z_v8 t) { return _mm512_cmple_epi64_mask(a, t); }
static inline AVX512 void z_store(uint64_t *p, z_v8 v) { _mm512_storeu_si512((void *)p, v); }

static inline __attribute__((always_inline, target("avx512f,avx512bw"))) __m512i
pop_table512(__m512i x) {
  const __m512i table = _mm512_broadcast_i32x4(
      _mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4));
  const __m512i nib = _mm512_set1_epi8(0x0f);
  __m512i lo = _mm512_shuffle_epi8(table, _mm512_and_si512(x, nib));
  __m512i hi = _mm512_shuffle_epi8(table, _mm512_and_si512(_mm512_srli_epi16(x, 4), nib));
  return _mm512_sad_epu8(_mm512_add_epi8(lo, hi), _mm512_setzero_si512());
}

#define HB_ATTR __attribute__((target("avx512f,avx512bw")))
#define HB_NAME(x) x##_avx512bw
#define HB_OP(op) z_##op
#define HB_POP pop_table512
#include "match/hamming_body.h"

const hamming_kernels hamming_kernels_avx512bw = {scan64_avx512bw, scan256_avx512bw,
                                                  scan256_early_avx512bw};

static inline __attribute__((always_inline, target("avx512f,avx512vpopcntdq"))) __m512i
pop_vpopcnt(__m512i x) {
  return _mm512_popcnt_epi64(x);
}

#define HB_ATTR __attribute__((target("avx512f,avx512vpopcntdq")))
#define HB_NAME(x) x##_avx512
#define HB_OP(op) z_##op
#define HB_POP pop_vpopcnt
#include "match/hamming_body.h"

const hamming_kernels hamming_kernels_avx512 = {scan64_avx512, scan256_avx512,
                                                scan256_early_avx512};
#else
const hamming_kernels hamming_kernels_avx2 = {0, 0, 0};
const hamming_kernels hamming_kernels_avx512bw = {0, 0, 0};
const hamming_kernels hamming_kernels_avx512 = {0, 0, 0};
#endif
