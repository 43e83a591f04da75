/* scan/ownfiles.h - internal: a scan's own files (its output, its store,
 * its index) are never its inputs, and an input is never its output. */
#ifndef HS_SCAN_OWNFILES_H
#define HS_SCAN_OWNFILES_H

#include <stddef.h>

#include "scan/sources.h"

/* Refuses (HS_ERR_INVALID_ARG) an `out` that is the same file as one of the
 * SOURCE specs: a file given as a source, or a manifest (@FILE). Called
 * before the output is opened, so that the input is never truncated.
 * out NULL (standard output): nothing to check. */
hs_status ownfiles_check_out(const char *out, const char *const *specs, size_t n);

/* Makes the walk skip the run's own files: `out` and its run lock
 * "<out>.lock" (or, when out is NULL, the regular file standard output
 * writes to), and the LMDB files and run lock (data.mdb, lock.mdb,
 * run.lock) of `store` and `index` (either may be NULL). Called once they
 * exist: a file that does not exist yet is not skipped. */
hs_status ownfiles_skip(sources *src, const char *out, const char *store, const char *index);

#endif
