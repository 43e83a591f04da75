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
typedef struct pv8 {
  uint64_t l[8];
} pv8;

static inline __attribute__((always_inline)) pv8 pv_load(const uint64_t *p) {
  pv8 v;
  memcpy(v.l, p, sizeof v.l);
  return v;
}
static inline __attribute__((always_inline)) pv8 pv_set1(uint64_t x) {
  pv8 v;
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    v.l[j] = x;
  return v;
}
static inline __attribute__((always_inline)) pv8 pv_xor(pv8 a, pv8 b) {
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    a.l[j] ^= b.l[j];
  return a;
}
static inline __attribute__((always_inline)) pv8 pv_add(pv8 a, pv8 b) {
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    a.l[j] += b.l[j];
  return a;
}
static inline __attribute__((always_inline)) pv8 pv_min(pv8 a, pv8 b) {
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    a.l[j] = (int64_t)b.l[j] < (int64_t)a.l[j] ? b.l[j] : a.l[j];
  return a;
}
static inline __attribute__((always_inline)) pv8 pv_pop(pv8 a) {
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    a.l[j] = (uint64_t)__builtin_popcountll(a.l[j]);
  return a;
}
static inline __attribute__((always_inline)) unsigned pv_le(pv8 a, pv8 t) {
  unsigned m = 0;
  _Pragma("GCC unroll 8")
  for (int j = 0; j < 8; j++)
    m |= (unsigned)((int64_t)a.l[j] <= (int64_t)t.l[j]) << j;
  return m;
}
static inline __attribute__((always_inline)) void pv_store(uint64_t *p, pv8 v) {
  memcpy(p, v.l, sizeof v.l);
}

#define hb_v8 pv8
#define hb_load pv_load
#define hb_set1 pv_set1
#define hb_xor pv_xor
#define hb_add pv_add
#define hb_min pv_min
#define hb_pop pv_pop
#define hb_le pv_le
#define hb_store pv_store

/* Generic: whatever the build target has (a software popcount on baseline
 * x86-64, a native one elsewhere). */
#define HB_ATTR
#define HB_NAME(x) x##_generic
#include "match/hamming_body.h"
#undef HB_ATTR
#undef HB_NAME

const hamming_kernels hamming_kernels_generic = {scan64_generic, scan256_generic,
                                                 scan256_early_generic};

#ifdef HAMMING_X86
/* POPCNT: x86-64 processors since 2008 (x86-64-v2). */
#define HB_ATTR __attribute__((target("popcnt")))
#define HB_NAME(x) x##_popcnt
#include "match/hamming_body.h"
#undef HB_ATTR
#undef HB_NAME

const hamming_kernels hamming_kernels_popcnt = {scan64_popcnt, scan256_popcnt,
                                                scan256_early_popcnt};
#else
const hamming_kernels hamming_kernels_popcnt = {0, 0, 0};
#endif

#undef hb_v8
#undef hb_load
#undef hb_set1
#undef hb_xor
#undef hb_add
#undef hb_min
#undef hb_pop
#undef hb_le
#undef hb_store

#ifdef HAMMING_X86
/* ---- AVX-512: one zmm register is 8 lanes; VPOPCNTQ counts each lane. The
 * compare writes a mask register directly. ---- */
#define hb_v8 __m512i
#define hb_load(p) _mm512_load_si512((const void *)(p))
#define hb_set1(x) _mm512_set1_epi64((long long)(x))
#define hb_xor _mm512_xor_si512
#define hb_add _mm512_add_epi64
#define hb_min _mm512_min_epi64
#define hb_pop _mm512_popcnt_epi64
#define hb_le(a, t) ((unsigned)_mm512_cmple_epi64_mask((a), (t)))
#define hb_store(p, v) _mm512_storeu_si512((void *)(p), (v))

#define HB_ATTR __attribute__((target("avx512f,avx512vpopcntdq")))
#define HB_NAME(x) x##_avx512
#include "match/hamming_body.h"
#undef HB_ATTR
#undef HB_NAME

const hamming_kernels hamming_kernels_avx512 = {scan64_avx512, scan256_avx512,
                                                scan256_early_avx512};
#else
const hamming_kernels hamming_kernels_avx512 = {0, 0, 0};
#endif
