/* scan/placement.h - internal: which engine each scan stage runs on. */
#ifndef HS_SCAN_PLACEMENT_H
#define HS_SCAN_PLACEMENT_H

#include "hashsweep/scan.h"

/* The engine a stage placed by `p` runs on: `engine` itself, or a CPU-path
 * engine made here (*owned, destroy it after). HS_ERR_INVALID_ARG when `p`
 * asks for a device the engine does not have. `stage` names it in errors. */
hs_status placement_engine(hs_engine *engine, hs_placement p, const char *stage,
                           hs_engine **use, hs_engine **owned);

/* 1 when a stage placed by `p` runs on the engine's device. */
int placement_on_device(const hs_engine *engine, hs_placement p);

#endif
