/* core/workspace.h - internal: per-thread scratch memory. Each slot is one
 * growable, 64-byte aligned buffer; a slot is reused by every call on the
 * same workspace, so buffers are sized by the largest image a worker meets. */
#ifndef HS_CORE_WORKSPACE_H
#define HS_CORE_WORKSPACE_H

#include "hashsweep/core.h"

typedef enum workspace_slot {
  WS_FILE = 0,   /* the encoded file bytes */
  WS_LUMA,       /* decoded luma plane */
  WS_LUMA2,      /* second luma plane (stock-mode stretch, EXIF rotation) */
  WS_BLUR_RING,  /* pass-1 output rows (ring) */
  WS_BLUR_STRIP, /* pass-2 output strip */
  WS_TRANSPOSE,  /* strip transposes */
  WS_COLSUM,     /* running sums of the vertical passes */
  WS_SAMPLED,    /* pass-3 output at the 64 sampled columns */
  WS_SLOT_COUNT
} workspace_slot;

struct hs_workspace;
/* Returns a buffer of at least `bytes` for `slot`, or NULL (with the error
 * set) when memory runs out. Contents are undefined after growth. */
void *workspace_get(struct hs_workspace *ws, workspace_slot slot, size_t bytes);

#endif
