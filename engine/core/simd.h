/* core/simd.h - internal: whether the hand-vectorised (AVX2) variants of
 * the hot loops may run. Every variant gives the same bits as its generic
 * twin; HASHSWEEP_NO_SIMD=1 forces the generic ones everywhere (to test
 * them on an AVX2 machine, or to rule them out). */
#ifndef HS_CORE_SIMD_H
#define HS_CORE_SIMD_H

/* 1 when the processor and the OS support AVX2 and HASHSWEEP_NO_SIMD is
 * unset, empty or "0". Decided once per process. */
int simd_avx2_allowed(void);

#endif
