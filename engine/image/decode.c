/* image/decode.c - reading and decoding image files with libvips. This is
 * the only file that includes vips.h.
 *
 * Policy (see README, "Decoding"):
 *  - the file is read once into memory; MD5/SHA-256 and the decoder see the
 *    same bytes, so a file replaced mid-scan cannot get mismatched digests;
 *  - only trusted loaders run (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF); SVG,
 *    PDF, ImageMagick and friends are refused, and libvips' own untrusted
 *    block is set as a second line of defence;
 *  - the pixel limit is checked from the header, before any pixel decodes;
 *  - truncated images are errors (VIPS_FAIL_ON_TRUNCATED), not grey fill;
 *  - alpha is ignored: the RGB stored under it is hashed, as the reference
 *    does (flattening onto black moves hashes by up to 202 bits);
 *  - EXIF orientation is ignored unless asked for, as the reference does. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <vips/vips.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/fault.h"
#include "core/log.h"
#include "core/workspace.h"
#include "image/fast_policy.h"
#include "image/normalise.h"

/* ---- initialisation -------------------------------------------------------- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_failed;

/* libvips reports per-tile warnings through GLib logging, straight to
 * stderr. The library never prints: the failure itself comes back as an
 * error; the warnings go to the debug log. */
static void vips_log_to_debug(const gchar *domain, GLogLevelFlags level, const gchar *message,
                              gpointer user) {
  (void)level;
  (void)user;
  log_debug("%s: %s", domain ? domain : "glib", message);
}

static void init_vips(void) {
  g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO |
                    G_LOG_LEVEL_DEBUG, vips_log_to_debug, NULL);
  if (VIPS_INIT("hashsweep") != 0) {
    init_failed = 1;
    return;
  }
  vips_block_untrusted_set(TRUE);
  /* Workers decode in parallel, one image each; libvips' own threads would
   * only compete with them. Each file is decoded once, so the operation
   * cache would just hold memory. */
  vips_concurrency_set(1);
  vips_cache_set_max(0);
  vips_cache_set_max_mem(0);
  vips_cache_set_max_files(0);
}

hs_status hs_init(const char *argv0) {
  (void)argv0;
  pthread_once(&init_once, init_vips);
  if (init_failed)
    return error_set(HS_ERR_INTERNAL, "libvips failed to initialise");
  return HS_OK;
}

/* Shared by every decode, exclusive for re-running a failed one (see
 * hs_decode_buffer). Writers are preferred so a diagnosis is not starved. */
static pthread_rwlock_t vips_errors_lock;
static pthread_once_t rwlock_once = PTHREAD_ONCE_INIT;

static void init_rwlock(void) {
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&vips_errors_lock, &attr);
  pthread_rwlockattr_destroy(&attr);
}

/* ---- loaders ----------------------------------------------------------------- */

/* Loader nicknames hashsweep runs, and the short format name reported. */
static const struct {
  const char *nickname;
  const char *format;
} trusted_loaders[] = {
    {"jpegload_buffer", "jpeg"}, {"pngload_buffer", "png"},   {"webpload_buffer", "webp"},
    {"gifload_buffer", "gif"},   {"tiffload_buffer", "tiff"}, {"heifload_buffer", "heif"},
};

/* Takes libvips' error text (process-global, shared by all threads) as one
 * line; the caller prefixes the item. */
static void vips_error_line(char *out, size_t cap) {
  char *text = vips_error_buffer_copy();
  out[0] = '\0';
  if (text) {
    /* Keep the last non-empty line: libvips appends the most specific cause. */
    char *line = text, *best = NULL;
    for (char *p = strtok(line, "\n"); p; p = strtok(NULL, "\n"))
      if (*p)
        best = p;
    if (best)
      snprintf(out, cap, "%s", best);
    g_free(text);
  }
  if (!out[0])
    snprintf(out, cap, "libvips gave no detail");
}

/* The nickname of the loader libvips would pick, or NULL. */
static const char *sniff_loader(const void *data, size_t size) {
  const char *type_name = vips_foreign_find_load_buffer(data, size);
  if (!type_name) {
    vips_error_clear();
    return NULL;
  }
  GType type = g_type_from_name(type_name);
  return type ? vips_nickname_find(type) : NULL;
}

/* ---- pixels ----------------------------------------------------------------- */

/* Brings any decoded image to 8- or 16-bit grey or RGB with optional alpha;
 * the normaliser does the rest. Returns a new reference. */
static VipsImage *to_grey_or_rgb(VipsImage *in) {
  VipsInterpretation interp = vips_image_get_interpretation(in);
  VipsBandFormat fmt = vips_image_get_format(in);
  int bands = vips_image_get_bands(in);
  VipsImage *out = NULL;
  int plain = (fmt == VIPS_FORMAT_UCHAR || fmt == VIPS_FORMAT_USHORT) &&
              interp != VIPS_INTERPRETATION_CMYK && interp != VIPS_INTERPRETATION_LAB &&
              interp != VIPS_INTERPRETATION_LABS && interp != VIPS_INTERPRETATION_LCH &&
              interp != VIPS_INTERPRETATION_XYZ && interp != VIPS_INTERPRETATION_YXY &&
              interp != VIPS_INTERPRETATION_scRGB && interp != VIPS_INTERPRETATION_HSV &&
              bands >= 1 && bands <= 4;
  if (plain) {
    g_object_ref(in);
    return in;
  }
  /* CMYK goes through lcms (embedded profile, else libvips' default CMYK
   * profile); the reference's naive ImageMagick conversion differs by about
   * 12 bits on the test file. Other spaces go to sRGB the same way. */
  if (vips_colourspace(in, &out, VIPS_INTERPRETATION_sRGB, NULL) != 0)
    return NULL;
  if (vips_image_get_format(out) != VIPS_FORMAT_UCHAR) {
    VipsImage *cast = NULL;
    int rc = vips_cast_uchar(out, &cast, NULL);
    g_object_unref(out);
    if (rc != 0)
      return NULL;
    out = cast;
  }
  return out;
}

/* Decodes `img` strip by strip straight into the luma plane. */
static int read_luma(VipsImage *img, hs_workspace *ws, hs_luma *luma) {
  const int w = vips_image_get_width(img), h = vips_image_get_height(img);
  const int bands = vips_image_get_bands(img);
  const int is_16bit = vips_image_get_format(img) == VIPS_FORMAT_USHORT;
  luma->width = w;
  luma->height = h;
  luma->stride = (size_t)w;
  luma->data = workspace_get(ws, WS_LUMA, sizeof(float) * (size_t)w * (size_t)h);
  if (!luma->data)
    return -2;
  VipsRegion *region = vips_region_new(img);
  if (!region)
    return -1;
  normaliser norm;
  normalise_begin(&norm, luma, bands, is_16bit);
  const int strip = 64;
  int rc = 0;
  for (int y0 = 0; y0 < h && rc == 0; y0 += strip) {
    VipsRect r = {0, y0, w, y0 + strip <= h ? strip : h - y0};
    if (vips_region_prepare(region, &r) != 0) {
      rc = -1;
      break;
    }
    for (int y = y0; y < y0 + r.height; y++)
      normalise_row(&norm, VIPS_REGION_ADDR(region, 0, y), y);
  }
  g_object_unref(region);
  return rc;
}

/* ---- the decode ------------------------------------------------------------ */

static hs_status decode_image(const void *data, size_t size, const char *name,
                              const hs_decode_options *opts, const char *nickname,
                              hs_workspace *ws, hs_luma *luma, hs_image_info *info) {
  char why[512];
  VipsImage *img = vips_image_new_from_buffer(data, size, "", "access", VIPS_ACCESS_SEQUENTIAL,
                                              "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
  if (!img) {
    vips_error_line(why, sizeof why);
    return error_set(HS_ERR_DECODE, "%s: cannot read %s header: %s", name, info->format, why);
  }
  info->width = vips_image_get_width(img);
  info->height = vips_image_get_height(img);
  info->bands = vips_image_get_bands(img);
  info->orientation = vips_image_get_orientation(img);
  uint64_t pixels = (uint64_t)info->width * (uint64_t)info->height;
  if (pixels > opts->max_pixels) {
    g_object_unref(img);
    return error_set(HS_ERR_LIMIT,
                     "%s: image is %dx%d (%.1f megapixels), above the pixel limit of %.1f "
                     "megapixels (decompression bomb?)",
                     name, info->width, info->height, pixels / 1e6, opts->max_pixels / 1e6);
  }

  int shrink = 1;
  int is_jpeg = strcmp(nickname, "jpegload_buffer") == 0;
  if (is_jpeg && opts->jpeg_shrink > 0)
    shrink = opts->jpeg_shrink;
  else if (is_jpeg && opts->mode == HS_MODE_FAST)
    shrink = fast_policy_jpeg_shrink(info->width, info->height);
  if (shrink > 1) {
    g_object_unref(img);
    img = vips_image_new_from_buffer(data, size, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                     VIPS_FAIL_ON_TRUNCATED, "shrink", shrink, NULL);
    if (!img) {
      vips_error_line(why, sizeof why);
      return error_set(HS_ERR_DECODE, "%s: cannot read %s header: %s", name, info->format, why);
    }
  }
  info->shrink = shrink;

  VipsImage *oriented = img;
  if (opts->exif_rotate && info->orientation > 1) {
    if (vips_autorot(img, &oriented, NULL) != 0) {
      g_object_unref(img);
      vips_error_line(why, sizeof why);
      return error_set(HS_ERR_DECODE, "%s: cannot apply EXIF orientation: %s", name, why);
    }
    g_object_unref(img);
  }
  VipsImage *plain = to_grey_or_rgb(oriented);
  g_object_unref(oriented);
  if (!plain) {
    vips_error_line(why, sizeof why);
    return error_set(HS_ERR_DECODE, "%s: cannot convert colour space: %s", name, why);
  }
  int rc = read_luma(plain, ws, luma);
  g_object_unref(plain);
  if (rc == -2)
    return error_prefix(HS_ERR_NOMEM, "%s: ", name);
  if (rc != 0) {
    vips_error_line(why, sizeof why);
    return error_set(HS_ERR_DECODE, "%s: corrupt or truncated %s data: %s", name, info->format,
                     why);
  }
  return HS_OK;
}

void hs_decode_options_default(hs_decode_options *opts) {
  memset(opts, 0, sizeof *opts);
  opts->mode = HS_MODE_FAST;
  opts->max_pixels = HS_DEFAULT_MAX_PIXELS;
  opts->max_file_bytes = HS_DEFAULT_MAX_FILE_BYTES;
  opts->want_digests = 1;
  opts->read_timeout_ms = 60000;
  opts->unletterbox = 1;
}

hs_status hs_decode_buffer(const void *data, size_t size, const char *name,
                           const hs_decode_options *opts, hs_workspace *ws, hs_luma *luma,
                           hs_image_info *info) {
  HS_CHECK(ws && luma && info && opts, HS_ERR_INVALID_ARG, "hs_decode_buffer: NULL argument");
  HS_TRY(hs_init(NULL));
  if (!name)
    name = "(buffer)";
  memset(luma, 0, sizeof *luma);
  if (!info->file_bytes)
    info->file_bytes = size;
  if (size == 0)
    return error_set(HS_ERR_DECODE, "%s: empty file (0 bytes)", name);
  if (size > opts->max_file_bytes)
    return error_set(HS_ERR_LIMIT, "%s: file is %zu bytes, above the limit of %llu bytes", name,
                     size, (unsigned long long)opts->max_file_bytes);

  pthread_once(&rwlock_once, init_rwlock);
  pthread_rwlock_rdlock(&vips_errors_lock);
  const char *nickname = sniff_loader(data, size);
  pthread_rwlock_unlock(&vips_errors_lock);
  if (!nickname)
    return error_set(HS_ERR_UNSUPPORTED, "%s: not an image in a supported format", name);
  const char *format = NULL;
  for (size_t i = 0; i < sizeof trusted_loaders / sizeof trusted_loaders[0]; i++)
    if (strcmp(nickname, trusted_loaders[i].nickname) == 0)
      format = trusted_loaders[i].format;
  if (!format) {
    char kind[32];
    snprintf(kind, sizeof kind, "%s", nickname);
    char *cut = strstr(kind, "load");
    if (cut)
      *cut = '\0';
    return error_set(HS_ERR_UNSUPPORTED, "%s: %s files are blocked (untrusted decoder)", name,
                     kind);
  }
  snprintf(info->format, sizeof info->format, "%s", format);

  pthread_rwlock_rdlock(&vips_errors_lock);
  hs_status st = decode_image(data, size, name, opts, nickname, ws, luma, info);
  pthread_rwlock_unlock(&vips_errors_lock);
  if (st == HS_ERR_DECODE) {
    /* libvips keeps one error buffer for the whole process, so with decodes
     * running in parallel the text read after a failure may be another
     * file's, or gone. The failure is redone alone, with every other decode
     * held back, so its message is its own and the same on every run (a
     * resumed scan must write the same records). Failures are rare. */
    pthread_rwlock_wrlock(&vips_errors_lock);
    vips_error_clear();
    st = decode_image(data, size, name, opts, nickname, ws, luma, info);
    vips_error_clear();
    pthread_rwlock_unlock(&vips_errors_lock);
  }
  if (st == HS_OK) {
    info->hashed_width = luma->width;
    info->hashed_height = luma->height;
  }
  return st;
}

/* ---- files ------------------------------------------------------------------ */

/* Bytes asked of one read(): the timeout is checked between reads, so a
 * slow network file is given up within about one chunk of the limit. */
#define READ_CHUNK ((size_t)1 << 20)

static int same_file_state(const struct stat *a, const struct stat *b) {
  return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ino == b->st_ino;
}

/* Reads a whole regular file into the workspace. Refuses directories,
 * FIFOs and devices up front (a FIFO would block forever), gives up when
 * reading takes longer than the timeout (checked between chunks: one
 * read() blocked in the kernel is the pipeline watchdog's to catch), and
 * refuses a file that changed while it was read. *st is the file's state
 * as read. */
static hs_status read_file(const char *path, const hs_decode_options *opts, hs_workspace *ws,
                           uint8_t **data, size_t *size, struct stat *st) {
  if (fault_file("hold", path))
    fault_wait_release("held");
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT)
      return error_set(HS_ERR_NOT_FOUND, "%s: no such file", path);
    if (e == ENAMETOOLONG)
      return error_set(HS_ERR_LIMIT, "%s: path too long for the file system", path);
    return error_set(HS_ERR_IO, "%s: cannot open: %s", path, strerror(e));
  }
  if (fstat(fd, st) != 0) {
    int e = errno;
    close(fd);
    return error_set(HS_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
  }
  if (S_ISDIR(st->st_mode)) {
    close(fd);
    return error_set(HS_ERR_IO, "%s: is a directory, not an image file", path);
  }
  if (!S_ISREG(st->st_mode)) {
    close(fd);
    return error_set(HS_ERR_IO, "%s: not a regular file (FIFO, socket or device)", path);
  }
  if ((uint64_t)st->st_size > opts->max_file_bytes) {
    close(fd);
    return error_set(HS_ERR_LIMIT, "%s: file is %lld bytes, above the limit of %llu bytes", path,
                     (long long)st->st_size, (unsigned long long)opts->max_file_bytes);
  }
  size_t want = (size_t)st->st_size;
  uint8_t *buf = workspace_get(ws, WS_FILE, want + 1);
  if (!buf) {
    close(fd);
    return error_prefix(HS_ERR_NOMEM, "%s: ", path);
  }
  int slow = fault_file("slow", path);
  if (fault_file("stall", path))
    fault_wait_release("stalled");
  size_t got = 0, chunk = slow ? 4096 : READ_CHUNK;
  double t0 = clock_now_s();
  /* Read one byte beyond the stat size to notice a file still growing. */
  while (got <= want) {
    size_t ask = want + 1 - got < chunk ? want + 1 - got : chunk;
    ssize_t n = read(fd, buf + got, ask);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return error_set(HS_ERR_IO, "%s: read failed: %s", path, strerror(e));
    }
    if (n == 0)
      break;
    got += (size_t)n;
    if (slow)
      nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    if (opts->read_timeout_ms > 0 && (clock_now_s() - t0) * 1e3 > opts->read_timeout_ms) {
      close(fd);
      return error_set(HS_ERR_TIMEOUT, "%s: reading took longer than %d ms (%zu of %zu bytes)",
                       path, opts->read_timeout_ms, got, want);
    }
  }
  struct stat after;
  int changed = fstat(fd, &after) != 0 || !same_file_state(st, &after);
  close(fd);
  if (got != want || changed)
    return error_set(HS_ERR_IO, "%s: file changed while being read (%zu bytes, expected %zu)",
                     path, got, want);
  *data = buf;
  *size = got;
  return HS_OK;
}

hs_status hs_decode_file(const char *path, const hs_decode_options *opts, hs_workspace *ws,
                         hs_luma *luma, hs_image_info *info) {
  HS_CHECK(path && opts && ws && luma && info, HS_ERR_INVALID_ARG,
           "hs_decode_file: NULL argument");
  memset(info, 0, sizeof *info);
  memset(luma, 0, sizeof *luma);
  uint8_t *data = NULL;
  size_t size = 0;
  struct stat st;
  HS_TRY(read_file(path, opts, ws, &data, &size, &st));
  info->file_bytes = size;
  info->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  if (opts->want_digests)
    HS_TRY(hs_digest_md5_sha256(data, size, info->md5, info->sha256));
  return hs_decode_buffer(data, size, path, opts, ws, luma, info);
}
