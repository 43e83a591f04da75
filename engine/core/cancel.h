/* core/cancel.h - internal: reading a caller's cancel handle
 * (hashsweep/core.h, hs_cancel). Long loops poll it between units of work
 * (pages of an index load, items of a scan). */
#ifndef HS_CORE_CANCEL_H
#define HS_CORE_CANCEL_H

#include "hashsweep/core.h"

/* 1 when `c` is non-NULL and has been triggered. */
int cancel_triggered(const hs_cancel *c);

/* HS_ERR_INTERRUPTED with the detail every interrupted run reports. */
hs_status cancel_status(void);

#endif
