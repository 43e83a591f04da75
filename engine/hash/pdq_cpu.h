/* hash/pdq_cpu.h - internal: the PDQ stages on the CPU, each callable on its
 * own so tests can check it against the reference traces. This is the
 * scalar oracle that the OpenCL kernels are diffed against; it shares only
 * kernels/hs_shared.h with them.
 *
 * Shapes: luma is H rows x W cols float32, row-major, `stride` floats per
 * row. A is the 64x64 blurred+decimated luma, row-major. B is the 16x16 DCT
 * (row i = vertical frequency i+1, col j = horizontal frequency j+1). */
#ifndef HS_HASH_PDQ_CPU_H
#define HS_HASH_PDQ_CPU_H

#include <stddef.h>

#include "hashsweep/hash.h"

#define PDQ_MIN_DIM 5

/* Box window for a side of `dim` pixels: ceil(dim / 128). */
static inline int pdq_window(int dim) { return (dim + 127) / 128; }

/* Decimation index i (0..63) for a side of `dim`: floor((i + 0.5) * dim / 64). */
static inline int pdq_sample_index(int i, int dim) { return (int)(((2 * i + 1) * (long)dim) / 128); }

/* The reference's 1-D box pass: out[k] = mean of the in[] that exist in
 * [k - (w - half), k + half - 1], half = (w + 2) / 2, as a float32 running
 * sum (add the entering sample, then subtract the leaving one). `stride` is
 * the element step along the line for both in and out. */
void pdq_box_1d(const float *in, float *out, int n, ptrdiff_t stride, int w);

/* Literal reference blur (H, V, H, V box passes over whole planes). `a` holds
 * the H x W luma (stride W) on entry and the blurred plane on exit; `b` is
 * scratch of the same size. Slow; the oracle for pdq_blur_decimate(). */
void pdq_blur_reference(float *a, float *b, int h, int w);

/* Blur and decimate in one streaming sweep over the luma: the same bits as
 * pdq_blur_reference() followed by pdq_decimate(), without whole-plane
 * intermediates. Returns HS_ERR_NOMEM when scratch cannot grow. */
hs_status pdq_blur_decimate(const hs_luma *luma, hs_workspace *ws, float A[64][64]);
/* The same with the SIMD variant forced off (generic != 0), for tests; and
 * the name of the variant pdq_blur_decimate() uses ("avx2", "generic"). */
hs_status pdq_blur_decimate_variant(const hs_luma *luma, hs_workspace *ws, float A[64][64],
                                    int generic);
const char *pdq_blur_variant(void);

/* Point-samples a blurred plane at the 64x64 cell centres. */
void pdq_decimate(const float *blurred, int h, int w, size_t stride, float A[64][64]);

/* Quality 0..100 from A (gradient sum / 90, capped). */
int pdq_quality(const float A[64][64]);

/* The 16x64 DCT-II matrix of frequencies 1..16, float32 from a double
 * product (built once, thread-safe). */
const float (*pdq_dct_matrix(void))[64];

/* B = D * A * D^T with float32 sums in k = 0..63 order. */
void pdq_dct16(const float A[64][64], float B[16][16]);

/* The 128th smallest of the 256 values (lower median). */
float pdq_median(const float B[16][16]);

/* Bit 16*i+j is set when B[i][j] > median (strict). */
void pdq_bits(const float B[16][16], hs_hash256 *out);

/* All 8 dihedral hashes from one B, each with its own median. */
void pdq_dihedral(const float B[16][16], hs_hash256 out[HS_DIH_COUNT]);

/* Luma of one 8-bit RGB pixel exactly as the reference: (0.299*R + 0.587*G)
 * + 0.114*B in float32, no contraction. */
static inline float pdq_luma_rgb(unsigned r, unsigned g, unsigned b) {
  float y = 0.299f * (float)r;
  y = y + 0.587f * (float)g;
  y = y + 0.114f * (float)b;
  return y;
}

#endif
