/* core/workspace.c - per-thread scratch memory. */
#include "core/workspace.h"

#include <stdlib.h>

#include "core/error.h"

struct hs_workspace {
  void *buf[WS_SLOT_COUNT];
  size_t cap[WS_SLOT_COUNT];
};

hs_workspace *hs_workspace_create(void) { return calloc(1, sizeof(hs_workspace)); }

void hs_workspace_destroy(hs_workspace *ws) {
  if (!ws)
    return;
  for (int i = 0; i < WS_SLOT_COUNT; i++)
    free(ws->buf[i]);
  free(ws);
}

void *workspace_get(hs_workspace *ws, workspace_slot slot, size_t bytes) {
  if (bytes == 0)
    bytes = 64;
  if (ws->cap[slot] >= bytes)
    return ws->buf[slot];
  /* Grow by at least 1/4 so a stream of slightly larger images does not
   * reallocate every time; 64-byte alignment suits AVX-512 and PoCL's
   * CL_MEM_USE_HOST_PTR. */
  size_t want = bytes + bytes / 4;
  want = (want + 63) & ~(size_t)63;
  free(ws->buf[slot]);
  ws->buf[slot] = aligned_alloc(64, want);
  ws->cap[slot] = ws->buf[slot] ? want : 0;
  if (!ws->buf[slot])
    error_set(HS_ERR_NOMEM, "cannot allocate %zu bytes of scratch memory", want);
  return ws->buf[slot];
}
