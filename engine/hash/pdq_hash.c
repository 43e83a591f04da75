/* hash/pdq_hash.c - PDQ of a luma plane on the CPU (the scalar reference
 * the device kernels are checked against). */
#include <string.h>

#include "core/error.h"
#include "hash/pdq_cpu.h"

hs_status hs_pdq_from_luma(const hs_luma *luma, hs_workspace *ws, hs_pdq *out) {
  HS_CHECK(luma && ws && out, HS_ERR_INVALID_ARG, "hs_pdq_from_luma: NULL argument");
  HS_CHECK(luma->width >= 0 && luma->height >= 0 && (luma->data || !luma->width || !luma->height),
           HS_ERR_INVALID_ARG, "hs_pdq_from_luma: bad plane %dx%d", luma->width, luma->height);
  memset(out, 0, sizeof *out);
  /* Below 5 pixels the reference returns the zero hash with quality 0 and
   * runs no blur. */
  if (luma->width < PDQ_MIN_DIM || luma->height < PDQ_MIN_DIM)
    return HS_OK;

  float A[64][64], B[16][16];
  if (luma->width == 64 && luma->height == 64) {
    /* The reference copies a 64x64 input unblurred. */
    for (int i = 0; i < 64; i++)
      memcpy(A[i], luma->data + (size_t)i * luma->stride, sizeof A[i]);
  } else {
    HS_TRY(pdq_blur_decimate(luma, ws, A));
  }
  out->quality = pdq_quality((const float(*)[64])A);
  pdq_dct16((const float(*)[64])A, B);
  pdq_dihedral((const float(*)[16])B, out->hash);
  return HS_OK;
}
