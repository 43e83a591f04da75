/* core/digest.h - internal: MD5 and SHA-256 of a file streamed from its
 * descriptor (for inputs too large to hold in memory, such as videos). */
#ifndef HS_CORE_DIGEST_H
#define HS_CORE_DIGEST_H

#include <stdint.h>

#include "hashsweep/core.h"

/* Reads `fd` from offset 0 to EOF with pread (the file offset is left
 * alone) and digests the bytes. *bytes gets the count read. `name` is for
 * messages. HS_ERR_IO on a read error, HS_ERR_TIMEOUT when reading takes
 * longer than timeout_s (checked between 1 MiB reads; 0: no limit). */
hs_status digest_fd(int fd, const char *name, double timeout_s, uint8_t md5[16],
                    uint8_t sha256[32], uint64_t *bytes);

#endif
