/* device/cl_cache.h - internal: the program binary cache on disk.
 *
 * One file per program under $XDG_CACHE_HOME/hashsweep (else
 * ~/.cache/hashsweep), named by the hex SHA-256 of everything that decides
 * the binary: source, build options, platform, device, driver and library
 * version. A file holds a magic, the payload length and the payload's
 * SHA-256, so a truncated or corrupt entry is detected and treated as a
 * miss (and rewritten by the next build). Writes go to a temporary file
 * that is renamed into place, so concurrent processes never read a
 * half-written entry. */
#ifndef HS_DEVICE_CL_CACHE_H
#define HS_DEVICE_CL_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/core.h"

#define CL_CACHE_KEY_HEX 65

/* The cache folder (not created). HS_ERR_NOT_FOUND when neither
 * XDG_CACHE_HOME nor HOME is set. */
hs_status cl_cache_dir(char *out, size_t cap);

/* Hex SHA-256 over the NUL-separated parts. */
hs_status cl_cache_key(const char *const *parts, const size_t *lens, int n,
                       char key[CL_CACHE_KEY_HEX]);

/* Reads the entry for `key`: 1 and a malloc'd payload on a valid hit, 0 on
 * a miss (absent, truncated, corrupt). */
int cl_cache_load(const char *dir, const char *key, unsigned char **data, size_t *len);

/* Writes the entry atomically, creating the folder. Failure is reported
 * (status + detail) but callers treat it as a warning. */
hs_status cl_cache_store(const char *dir, const char *key, const unsigned char *data, size_t len);

/* The path of the entry for `key` (for messages and tests). */
void cl_cache_path(const char *dir, const char *key, char *out, size_t cap);

#endif
