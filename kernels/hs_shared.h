/* kernels/hs_shared.h - constants and record layouts shared by the OpenCL
 * kernels and the host. Included by the .cl files (OpenCL C 1.2) and by the
 * host code in engine/device, which _Static_asserts every record size so a
 * layout change on one side cannot go unnoticed on the other.
 *
 * Records use only 32- and 64-bit fields, 64-bit ones first, so OpenCL C
 * and the host C ABI lay them out identically. */
#ifndef HS_KERNELS_SHARED_H
#define HS_KERNELS_SHARED_H

#ifdef __OPENCL_VERSION__
#define HS_U32 uint
#define HS_I32 int
#define HS_U64 ulong
#else
#include <stdint.h>
#define HS_U32 uint32_t
#define HS_I32 int32_t
#define HS_U64 uint64_t
#endif

/* ---- PDQ ------------------------------------------------------------------ */

#define HS_PDQ_GRID 64     /* the decimated luma is 64 x 64 */
#define HS_PDQ_DCT 16      /* the DCT keeps 16 x 16 coefficients */
#define HS_PDQ_VARIANTS 8  /* dihedral hashes per image */
#define HS_PDQ_WORDS 4     /* 64-bit words per 256-bit hash */
/* Plane sides are padded to a multiple of this on the device so that a
 * work-item of up to HS_PDQ_PAD lanes never leaves its plane's region. */
#define HS_PDQ_PAD 16
/* Work-group size of the finishing kernel (quality, DCT, medians, bits);
 * its loops are strided, so any smaller size the device allows also works. */
#define HS_PDQ_FINISH_WG 256

/* The four box passes of the blur (spec section 4), in order. */
#define HS_PASS_H1 0 /* rows of the input          -> T (transposed)  */
#define HS_PASS_V1 1 /* columns (rows of T)        -> X (row-major)   */
#define HS_PASS_H2 2 /* rows of X, sampled columns -> S (64 x hp)     */
#define HS_PASS_V2 3 /* rows of S, sampled rows    -> A (64 x 64)     */
#define HS_PASS_COUNT 4

/* Plane flag: the input is exactly 64 x 64 and is used unblurred as A (the
 * reference copies it); such a plane takes part in no box pass. */
#define HS_PLANE_DIRECT 1u

/* One plane of a PDQ batch. Offsets are in floats.
 *  X buffer: the input (hp rows x wp cols, row-major) which the second pass
 *            overwrites, then S (64 rows x hp) and A (64 x 64).
 *  T buffer: the first pass's output, transposed (wp rows x hp cols).
 * group_start[p] is the first work-item of pass p that belongs to this plane
 * (a prefix sum over the batch; one work-item handles HS_LANES lines). */
typedef struct hs_cl_plane {
  HS_U64 x_off;
  HS_U64 s_off;
  HS_U64 a_off; /* == x_off for HS_PLANE_DIRECT planes */
  HS_U64 t_off;
  HS_U32 width, height; /* as given */
  HS_U32 wp, hp;        /* padded to HS_PDQ_PAD */
  HS_U32 wx, wy;        /* box windows: ceil(width / 128), ceil(height / 128) */
  HS_U32 group_start[HS_PASS_COUNT];
  HS_U32 flags;
  HS_U32 reserved;
} hs_cl_plane;
#define HS_CL_PLANE_SIZE 80

/* PDQ result of one plane: hash[v * 4 + w] is word w (hs_hash256 order) of
 * dihedral variant v. */
typedef struct hs_cl_pdq_out {
  HS_U64 hash[HS_PDQ_VARIANTS * HS_PDQ_WORDS];
  HS_I32 quality;
  HS_I32 reserved;
} hs_cl_pdq_out;
#define HS_CL_PDQ_OUT_SIZE 264

/* ---- Hamming search --------------------------------------------------------- */

/* One result, laid out as hs_match (engine/include/hashsweep/core.h) so the
 * host reads results straight into an hs_match_list. */
typedef struct hs_cl_match {
  HS_U64 target;
  HS_U32 query;
  HS_U32 distance;
} hs_cl_match;
#define HS_CL_MATCH_SIZE 16

#define HS_CL_TOPK_MAX 64            /* largest k of the top-k kernel */
#define HS_CL_NO_DISTANCE 0xffffffffu /* an empty top-k slot */

#endif
