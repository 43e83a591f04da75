/* image/thumbnail.h - internal: small JPEG thumbnails of the platform's own
 * files, for the review report (review/report.c). Pixels leave hashsweep
 * only here, and only into a report a reviewer asked for. */
#ifndef HS_IMAGE_THUMBNAIL_H
#define HS_IMAGE_THUMBNAIL_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/core.h"

/* Reads `path` (a regular file of at most max_bytes), and when one of the
 * trusted loaders of decode.c takes it and it has at most max_pixels,
 * writes a JPEG whose longest side is at most `side` pixels into *jpeg
 * (free with thumb_free) and its length into *len. EXIF orientation is
 * applied (a person looks at it). HS_ERR_UNSUPPORTED for a file that is
 * not such an image (videos included), HS_ERR_LIMIT, HS_ERR_DECODE,
 * HS_ERR_IO; the detail names the path. When the file was read (even if
 * it made no thumbnail) *sha256_read is 1 and sha256 holds the SHA-256 of
 * its bytes, else *sha256_read is 0. */
hs_status thumb_jpeg(const char *path, int side, uint64_t max_bytes, uint64_t max_pixels,
                     void **jpeg, size_t *len, uint8_t sha256[32], int *sha256_read);
void thumb_free(void *jpeg);

#endif
