/* hash/hash_file.c - one file end to end on the CPU: decode, the mode's
 * grid (stock stretch), PDQ. */
#include <string.h>

#include "core/error.h"
#include "core/workspace.h"
#include "hash/pdq_cpu.h"
#include "image/border.h"
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

hs_status hs_grid_for_mode(const char *name, const hs_decode_options *opts, hs_workspace *ws,
                           const hs_luma *decoded, hs_image_info *info, hs_luma *grid) {
  if (decoded->width < PDQ_MIN_DIM || decoded->height < PDQ_MIN_DIM)
    return error_set(HS_ERR_TOO_SMALL, "%s: image is %dx%d, below PDQ's minimum of %dx%d", name,
                     decoded->width, decoded->height, PDQ_MIN_DIM, PDQ_MIN_DIM);
  *grid = *decoded;
  if (opts->mode == HS_MODE_STOCK && (decoded->width > 512 || decoded->height > 512)) {
    grid->data = workspace_get(ws, WS_LUMA2, sizeof(float) * 512 * 512);
    if (!grid->data)
      return error_prefix(HS_ERR_NOMEM, "%s: ", name);
    normalise_stretch512(decoded, grid);
  }
  info->hashed_width = grid->width;
  info->hashed_height = grid->height;
  return HS_OK;
}

hs_status hs_hash_file(const char *path, const hs_decode_options *opts, hs_workspace *ws,
                       hs_pdq *pdq, hs_image_info *info) {
  HS_CHECK(pdq, HS_ERR_INVALID_ARG, "hs_hash_file: NULL result");
  memset(pdq, 0, sizeof *pdq);
  hs_luma luma, grid;
  HS_TRY(hs_decode_file(path, opts, ws, &luma, info));
  HS_TRY(hs_grid_for_mode(path, opts, ws, &luma, info, &grid));
  hs_status st = hs_pdq_from_luma(&grid, ws, pdq);
  if (st != HS_OK)
    return error_prefix(st, "%s: ", path);
  return HS_OK;
}

int hs_border_detect(const hs_luma *luma, hs_content_box *box) {
  return luma && box ? border_detect(luma, box) : 0;
}

hs_status hs_pdq_unletterbox(const hs_luma *grid, hs_workspace *ws, hs_content_box *box,
                             hs_pdq *out, int *found) {
  HS_CHECK(grid && box && out && found, HS_ERR_INVALID_ARG, "hs_pdq_unletterbox: NULL argument");
  *found = border_detect(grid, box);
  if (!*found)
    return HS_OK;
  hs_luma content = border_crop(grid, box);
  return hs_pdq_from_luma(&content, ws, out);
}

hs_status hs_hash_file_variants(const char *path, const hs_decode_options *opts, unsigned kinds,
                                hs_workspace *ws, hs_pdq *out) {
  HS_CHECK(path && opts && ws && out, HS_ERR_INVALID_ARG, "hs_hash_file_variants: NULL argument");
  hs_luma luma, grid;
  hs_image_info info;
  HS_TRY(hs_decode_file(path, opts, ws, &luma, &info));
  HS_TRY(hs_grid_for_mode(path, opts, ws, &luma, &info, &grid));
  hs_status st = hs_pdq_variants(&grid, kinds, ws, out);
  return st == HS_OK ? HS_OK : error_prefix(st, "%s: ", path);
}
