/* core/cancel.c - per-run cancel handles (hashsweep/core.h, hs_cancel).
 *
 * A lock-free atomic flag and nothing else: hs_cancel_trigger only stores
 * into it, which is async-signal-safe (C11 7.14.1.1 allows lock-free
 * atomics in handlers), so a SIGINT handler may call it. Runs poll the
 * flag; the pipeline's coordinator wakes at least every 50 ms, so no
 * self-pipe is needed to notice it promptly. */
#include "core/cancel.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "core/error.h"

struct hs_cancel {
  atomic_int triggered;
};

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "hs_cancel_trigger needs a lock-free atomic int");

hs_status hs_cancel_create(hs_cancel **out) {
  HS_CHECK(out, HS_ERR_INVALID_ARG, "hs_cancel_create: NULL out");
  hs_cancel *c = malloc(sizeof *c);
  if (!c)
    return error_set(HS_ERR_NOMEM, "out of memory for a cancel handle");
  atomic_init(&c->triggered, 0);
  *out = c;
  return HS_OK;
}

void hs_cancel_destroy(hs_cancel *c) { free(c); }

void hs_cancel_trigger(hs_cancel *c) {
  if (c)
    atomic_store(&c->triggered, 1);
}

void hs_cancel_reset(hs_cancel *c) {
  if (c)
    atomic_store(&c->triggered, 0);
}

int hs_cancel_triggered(const hs_cancel *c) { return cancel_triggered(c); }

int cancel_triggered(const hs_cancel *c) {
  return c && atomic_load(&((hs_cancel *)c)->triggered) != 0;
}

hs_status cancel_status(void) {
  /* One message wherever the run was (index load, store open, scanning):
   * what the user does next is the same. */
  return error_set(HS_ERR_INTERRUPTED,
                   "interrupted (a signal or a cancel request); rerun the same command to "
                   "resume");
}
