/* hash/hash_file.c - one file end to end on the CPU: decode, the mode's
 * grid (stock stretch), PDQ. */
#include <string.h>

#include "core/error.h"
#include "core/workspace.h"
#include "hash/pdq_cpu.h"
#include "image/normalise.h"

static const char *const mode_names[] = {"fast", "exact", "stock"};

const char *hs_mode_name(hs_mode mode) {
  return (unsigned)mode < sizeof mode_names / sizeof mode_names[0] ? mode_names[mode] : "?";
}

hs_status hs_mode_parse(const char *name, hs_mode *out) {
  for (unsigned i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
    if (name && strcmp(name, mode_names[i]) == 0) {
      *out = (hs_mode)i;
      return HS_OK;
    }
  return error_set(HS_ERR_INVALID_ARG, "unknown mode '%s' (expected fast, exact or stock)",
                   name ? name : "");
}

hs_status hs_hash_file(const char *path, const hs_decode_options *opts, hs_workspace *ws,
                       hs_pdq *pdq, hs_image_info *info) {
  HS_CHECK(pdq, HS_ERR_INVALID_ARG, "hs_hash_file: NULL result");
  memset(pdq, 0, sizeof *pdq);
  hs_luma luma;
  HS_TRY(hs_decode_file(path, opts, ws, &luma, info));
  if (luma.width < PDQ_MIN_DIM || luma.height < PDQ_MIN_DIM)
    return error_set(HS_ERR_TOO_SMALL, "%s: image is %dx%d, below PDQ's minimum of %dx%d", path,
                     luma.width, luma.height, PDQ_MIN_DIM, PDQ_MIN_DIM);
  if (opts->mode == HS_MODE_STOCK && (luma.width > 512 || luma.height > 512)) {
    hs_luma stretched = {0};
    stretched.data = workspace_get(ws, WS_LUMA2, sizeof(float) * 512 * 512);
    if (!stretched.data)
      return error_prefix(HS_ERR_NOMEM, "%s: ", path);
    normalise_stretch512(&luma, &stretched);
    luma = stretched;
  }
  info->hashed_width = luma.width;
  info->hashed_height = luma.height;
  hs_status st = hs_pdq_from_luma(&luma, ws, pdq);
  if (st != HS_OK)
    return error_prefix(st, "%s: ", path);
  return HS_OK;
}
