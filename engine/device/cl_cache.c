/* device/cl_cache.c - the program binary cache on disk (see cl_cache.h). */
#include "device/cl_cache.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

/* Entry layout: magic, payload length (little-endian u64), SHA-256 of the
 * payload, payload. */
static const char cache_magic[8] = {'H', 'S', 'C', 'L', 'B', 'I', 'N', '1'};
#define HEADER_BYTES (8 + 8 + 32)

hs_status cl_cache_dir(char *out, size_t cap) {
  const char *xdg = getenv("XDG_CACHE_HOME");
  int n;
  if (xdg && *xdg == '/') {
    n = snprintf(out, cap, "%s/hashsweep", xdg);
  } else {
    const char *home = getenv("HOME");
    if (!home || !*home)
      return error_set(HS_ERR_NOT_FOUND, "kernel cache: neither XDG_CACHE_HOME nor HOME is set");
    n = snprintf(out, cap, "%s/.cache/hashsweep", home);
  }
  if (n < 0 || (size_t)n >= cap)
    return error_set(HS_ERR_LIMIT, "kernel cache: folder name too long");
  return HS_OK;
}

static hs_status sha256(const void *data, size_t len, unsigned char out[32]) {
  unsigned n = 0;
  if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
    return error_set(HS_ERR_INTERNAL, "kernel cache: SHA-256 failed");
  return HS_OK;
}

hs_status cl_cache_key(const char *const *parts, const size_t *lens, int n,
                       char key[CL_CACHE_KEY_HEX]) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char digest[32];
  unsigned dlen = 0;
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
  /* The NUL after each part keeps ("ab","c") and ("a","bc") apart. */
  for (int i = 0; ok && i < n; i++)
    ok = EVP_DigestUpdate(ctx, parts[i], lens[i]) == 1 && EVP_DigestUpdate(ctx, "", 1) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx, digest, &dlen) == 1 && dlen == 32;
  EVP_MD_CTX_free(ctx);
  if (!ok)
    return error_set(HS_ERR_INTERNAL, "kernel cache: SHA-256 failed");
  hs_bytes_to_hex(digest, 32, key);
  return HS_OK;
}

void cl_cache_path(const char *dir, const char *key, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s.clbin", dir, key);
}

static uint64_t get_le64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static void put_le64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++, v >>= 8)
    p[i] = (unsigned char)v;
}

/* Whole file into memory; NULL when it cannot be read. */
static unsigned char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  unsigned char *buf = NULL;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    buf = malloc((size_t)st.st_size);
    if (buf && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
      HS_FREE(buf);
    *len = (size_t)st.st_size;
  }
  fclose(f);
  return buf;
}

int cl_cache_load(const char *dir, const char *key, unsigned char **data, size_t *len) {
  char path[4200];
  cl_cache_path(dir, key, path, sizeof path);
  size_t n = 0;
  unsigned char *buf = read_all(path, &n);
  if (!buf)
    return 0;
  unsigned char digest[32];
  int ok = n > HEADER_BYTES && memcmp(buf, cache_magic, 8) == 0 &&
           get_le64(buf + 8) == n - HEADER_BYTES &&
           sha256(buf + HEADER_BYTES, n - HEADER_BYTES, digest) == HS_OK &&
           memcmp(digest, buf + 16, 32) == 0;
  if (!ok) {
    free(buf);
    return 0;
  }
  memmove(buf, buf + HEADER_BYTES, n - HEADER_BYTES);
  *data = buf;
  *len = n - HEADER_BYTES;
  return 1;
}

/* mkdir -p with 0700 for the parts it creates. */
static hs_status make_dirs(const char *dir) {
  char tmp[4096];
  size_t n = strlen(dir);
  if (n >= sizeof tmp)
    return error_set(HS_ERR_LIMIT, "kernel cache: folder name too long");
  memcpy(tmp, dir, n + 1);
  for (char *p = tmp + 1; ; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return error_set(HS_ERR_IO, "kernel cache: cannot create %s: %s", tmp, strerror(errno));
      *p = c;
      if (c == '\0')
        break;
    }
  }
  return HS_OK;
}

hs_status cl_cache_store(const char *dir, const char *key, const unsigned char *data, size_t len) {
  HS_TRY(make_dirs(dir));
  unsigned char header[HEADER_BYTES];
  memcpy(header, cache_magic, 8);
  put_le64(header + 8, len);
  HS_TRY(sha256(data, len, header + 16));

  char path[4200], tmp[4220];
  cl_cache_path(dir, key, path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0)
    return error_set(HS_ERR_IO, "kernel cache: cannot create %s: %s", tmp, strerror(errno));
  FILE *f = fdopen(fd, "wb");
  if (!f) {
    close(fd);
    unlink(tmp);
    return error_set(HS_ERR_IO, "kernel cache: %s: %s", tmp, strerror(errno));
  }
  int ok = fwrite(header, 1, sizeof header, f) == sizeof header &&
           fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
  int saved = errno;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    if (ok)
      saved = errno;
    unlink(tmp);
    return error_set(HS_ERR_IO, "kernel cache: cannot write %s: %s", path, strerror(saved));
  }
  return HS_OK;
}
