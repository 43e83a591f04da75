/* core/fault.h - internal: fault injection at file level, for tests only
 * (the device points are in device/cl_tuning.h). The environment variable
 * HASHSWEEP_FAULT is a comma-separated list; a file point names a file by
 * its last path component:
 *
 *   hold:NAME   before NAME is opened, create $HASHSWEEP_FAULT_DIR/held and
 *               wait until $HASHSWEEP_FAULT_DIR/release exists (the test
 *               changes or removes the file meanwhile: a file that changes
 *               between listing and decoding, deterministically)
 *   stall:NAME  the first read of NAME blocks until release exists, past
 *               any read timeout (a read stuck in the kernel on a hung
 *               network file system; the pipeline's watchdog must act)
 *   slow:NAME   NAME is read 4 KiB at a time, 50 ms apart (a slow but
 *               progressing network file: the read timeout must act)
 *   hold:serve-upload  every upload `hashsweep serve` decodes creates
 *               $HASHSWEEP_FAULT_DIR/held and waits for release first
 *               (slow uploads, deterministically)
 *
 * Waits give up after 10 minutes, so a broken test cannot leave a process
 * behind for ever.
 *
 * The hooks exist only in test builds (CMake option HS_FAULT_INJECTION,
 * which tools/test.sh and the sanitizer runs turn on). Otherwise they are
 * macros that compile to nothing: a release library neither reads
 * HASHSWEEP_FAULT nor carries the hooks' code or text, and the points'
 * names passed here vanish with them. */
#ifndef HS_CORE_FAULT_H
#define HS_CORE_FAULT_H

#include "hashsweep/core.h"

#ifdef HS_FAULT_INJECTION
/* 1 when the list HASHSWEEP_FAULT holds the item "point" (name NULL) or
 * "point:name". */
int fault_listed(const char *point, const char *name);
/* 1 when HASHSWEEP_FAULT holds "point:NAME" with NAME the last component
 * of path. */
int fault_file(const char *point, const char *path);
/* Creates $HASHSWEEP_FAULT_DIR/<mark> and waits for .../release. */
void fault_wait_release(const char *mark);
/* The same, but also returns when `cancel` is triggered:
 *   hold:index-load  every index load (hs_index_load) waits here, so a
 *                    test can signal a scan that is loading its index */
void fault_wait_release_or_cancel(const char *mark, const hs_cancel *cancel);
#else
#define fault_listed(point, name) 0
#define fault_file(point, path) 0
#define fault_wait_release(mark) ((void)0)
#define fault_wait_release_or_cancel(mark, cancel) ((void)0)
#endif

#endif
