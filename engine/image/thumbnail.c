/* image/thumbnail.c - JPEG thumbnails for the review report (thumbnail.h).
 * The second file that includes vips.h: it makes pixels for a person to
 * look at, which the hashing path (decode.c) never does. It keeps decode.c's
 * policy: only the trusted loaders (asked of decode.c before libvips sees
 * the bytes), the pixel limit from the header before any pixel decodes. */
#include "image/thumbnail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#include "core/error.h"
#include "hashsweep/hash.h"
#include "image/decode.h"

/* Last non-empty line of libvips' error text (the most specific cause). */
static void vips_cause(char *out, size_t cap) {
  char *text = vips_error_buffer_copy();
  snprintf(out, cap, "libvips gave no detail");
  if (text) {
    for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n"))
      if (*p)
        snprintf(out, cap, "%s", p);
    g_free(text);
  }
}

static hs_status read_small_file(const char *path, uint64_t max_bytes, uint8_t **data,
                                 size_t *size) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return error_set(errno == ENOENT ? HS_ERR_NOT_FOUND : HS_ERR_IO, "%s: cannot open: %s", path,
                     strerror(errno));
  struct stat st;
  hs_status s = HS_OK;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    s = error_set(HS_ERR_IO, "%s: not a regular file", path);
  else if ((uint64_t)st.st_size > max_bytes)
    s = error_set(HS_ERR_LIMIT, "%s: file is %lld bytes, above the limit of %llu bytes", path,
                  (long long)st.st_size, (unsigned long long)max_bytes);
  uint8_t *buf = s == HS_OK ? malloc((size_t)st.st_size + 1) : NULL;
  if (s == HS_OK && !buf)
    s = error_set(HS_ERR_NOMEM, "%s: out of memory", path);
  size_t got = 0;
  while (s == HS_OK && got < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      s = error_set(HS_ERR_IO, "%s: read failed: %s", path, n ? strerror(errno) : "file shrank");
    else
      got += (size_t)n;
  }
  close(fd);
  if (s != HS_OK) {
    free(buf);
    return s;
  }
  *data = buf;
  *size = got;
  return HS_OK;
}

static hs_status make_thumb(const char *path, const uint8_t *data, size_t size, int side,
                            uint64_t max_pixels, void **jpeg, size_t *len) {
  char why[512];
  VipsImage *head = vips_image_new_from_buffer(data, size, "", NULL);
  if (!head) {
    vips_cause(why, sizeof why);
    return error_set(HS_ERR_DECODE, "%s: cannot read the image header: %s", path, why);
  }
  uint64_t pixels = (uint64_t)vips_image_get_width(head) * (uint64_t)vips_image_get_height(head);
  g_object_unref(head);
  if (pixels > max_pixels)
    return error_set(HS_ERR_LIMIT, "%s: %.1f megapixels, above the limit of %.1f", path,
                     pixels / 1e6, max_pixels / 1e6);
  VipsImage *thumb = NULL;
  /* thumbnail_buffer shrinks on load and applies EXIF orientation. */
  if (vips_thumbnail_buffer((void *)data, size, &thumb, side, "height", side, "fail_on",
                            VIPS_FAIL_ON_TRUNCATED, NULL) != 0) {
    vips_cause(why, sizeof why);
    return error_set(HS_ERR_DECODE, "%s: cannot make a thumbnail: %s", path, why);
  }
  int rc = vips_jpegsave_buffer(thumb, jpeg, len, "Q", 70, "strip", TRUE, NULL);
  g_object_unref(thumb);
  if (rc != 0) {
    vips_cause(why, sizeof why);
    return error_set(HS_ERR_DECODE, "%s: cannot encode the thumbnail: %s", path, why);
  }
  return HS_OK;
}

hs_status thumb_jpeg(const char *path, int side, uint64_t max_bytes, uint64_t max_pixels,
                     void **jpeg, size_t *len, uint8_t sha256[32], int *sha256_read) {
  HS_CHECK(path && jpeg && len && sha256 && sha256_read && side > 0, HS_ERR_INVALID_ARG,
           "thumbnail: bad argument");
  *sha256_read = 0;
  HS_TRY(hs_init(NULL));
  uint8_t *data = NULL;
  size_t size = 0;
  HS_TRY(read_small_file(path, max_bytes, &data, &size));
  uint8_t md5[16];
  hs_status d = hs_digest_md5_sha256(data, size, md5, sha256);
  if (d != HS_OK) {
    free(data);
    return d;
  }
  *sha256_read = 1;
  hs_status s = decode_is_trusted_image(data, size)
                    ? make_thumb(path, data, size, side, max_pixels, jpeg, len)
                    : error_set(HS_ERR_UNSUPPORTED, "%s: not an image hashsweep decodes (a video, "
                                "or a format outside JPEG, PNG, WebP, GIF, TIFF, HEIF)", path);
  free(data);
  return s;
}

void thumb_free(void *jpeg) { g_free(jpeg); }
