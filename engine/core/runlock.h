/* core/runlock.h - internal: one run at a time on a store or an output.
 *
 * Two scans on the same store and output used to interleave: the second
 * resumed the first's job while it still ran, and records were lost. A
 * run now holds an exclusive advisory lock (flock) on a lock file for each
 * thing it writes. The kernel drops the lock when the process dies, so a
 * kill -9 never leaves a stale lock; the file itself may stay behind and
 * is reused. The holder writes its pid into the file so a refused run can
 * name it. */
#ifndef HS_CORE_RUNLOCK_H
#define HS_CORE_RUNLOCK_H

#include "hashsweep/core.h"

typedef struct run_lock run_lock;

/* Takes the lock file `path` (created 0600 when absent) without waiting.
 * `what` names the locked thing in messages ("store /data/s"). HS_ERR_BUSY
 * naming the holder's pid when another run holds it, HS_ERR_IO when the
 * file cannot be made. */
hs_status run_lock_take(const char *path, const char *what, run_lock **out);

/* The lock of an output file: "<out>.lock" beside it. A path that exists
 * and is not a regular file (a terminal, /dev/null, a pipe) needs none:
 * *out is NULL. */
hs_status run_lock_output(const char *out_path, run_lock **out);

/* Removes the lock file and releases the lock. NULL is fine. */
void run_lock_release(run_lock *lock);

#endif
