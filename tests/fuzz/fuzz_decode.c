/* tests/fuzz/fuzz_decode.c - decode + PDQ of arbitrary bytes: format
 * sniffing, the trusted-loader allowlist, libvips' buffer loaders (JPEG,
 * PNG, WebP, GIF, TIFF, HEIF) under the engine's limits, colour
 * conversion, normalisation, the CPU PDQ and the added-border strip (the
 * content region inside the plane, at least 32x32). The pixel limit is 1
 * megapixel here (the default is 200) so a fuzzed header cannot make the
 * run swap; everything else is the default. Every failure must be a status
 * with a one-line message naming the item. */
#include <string.h>

#include "fuzz_util.h"
#include "hashsweep.h"

static hs_workspace *ws;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  FUZZ_ASSERT(hs_init(NULL) == HS_OK);
  ws = hs_workspace_create();
  FUZZ_ASSERT(ws);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hs_decode_options o;
  hs_decode_options_default(&o);
  o.max_pixels = 1u << 20;
  /* The mode and EXIF rotation from the size, so the image bytes stay as
   * the mutator made them. */
  o.mode = (hs_mode)(size % 3);
  o.exif_rotate = (int)(size / 3 % 2);
  hs_luma luma;
  hs_image_info info;
  memset(&info, 0, sizeof info);
  hs_status st = hs_decode_buffer(data, size, "fuzz.img", &o, ws, &luma, &info);
  if (st != HS_OK) {
    FUZZ_ASSERT(st == HS_ERR_DECODE || st == HS_ERR_UNSUPPORTED || st == HS_ERR_LIMIT ||
                st == HS_ERR_NOMEM);
    const char *e = hs_last_error();
    FUZZ_ASSERT(strncmp(e, "fuzz.img: ", 10) == 0);
    for (const char *c = e; *c; c++)
      FUZZ_ASSERT(*c != '\n');
    return 0;
  }
  FUZZ_ASSERT(luma.width > 0 && luma.height > 0 && luma.data);
  FUZZ_ASSERT((uint64_t)info.width * (uint64_t)info.height <= o.max_pixels);
  hs_luma grid;
  st = hs_grid_for_mode("fuzz.img", &o, ws, &luma, &info, &grid);
  if (st != HS_OK) {
    FUZZ_ASSERT(st == HS_ERR_TOO_SMALL || st == HS_ERR_NOMEM);
    return 0;
  }
  hs_pdq pdq;
  FUZZ_ASSERT(hs_pdq_from_luma(&grid, ws, &pdq) == HS_OK);
  FUZZ_ASSERT(pdq.quality >= 0 && pdq.quality <= 100);
  hs_content_box box;
  int found = -1;
  FUZZ_ASSERT(hs_pdq_unletterbox(&grid, ws, &box, &pdq, &found) == HS_OK);
  FUZZ_ASSERT(found == 0 || found == 1);
  FUZZ_ASSERT(box.x >= 0 && box.y >= 0 && box.x + box.width <= grid.width &&
              box.y + box.height <= grid.height);
  FUZZ_ASSERT(!found || (box.width >= 32 && box.height >= 32 &&
                         (box.width < grid.width || box.height < grid.height)));
  return 0;
}
