/* core/digest.c - MD5 and SHA-256 of file bytes through OpenSSL's EVP
 * interface (a well-kept, constant-reviewed implementation; hash-sharing
 * schemes exchange MD5 beside PDQ, so both are computed in one call). */
#include "core/error.h"
#include "hashsweep/hash.h" /* HS_API: exported from the shared library */

#include <openssl/evp.h>

static hs_status digest_one(const EVP_MD *md, const void *data, size_t size, uint8_t *out,
                            unsigned expect) {
  unsigned len = 0;
  if (!md || EVP_Digest(data, size, out, &len, md, NULL) != 1 || len != expect)
    return error_set(HS_ERR_INTERNAL, "OpenSSL digest %s failed", md ? EVP_MD_get0_name(md) : "?");
  return HS_OK;
}

hs_status hs_digest_md5_sha256(const void *data, size_t size, uint8_t md5[16], uint8_t sha256[32]) {
  HS_CHECK(data || size == 0, HS_ERR_INVALID_ARG, "digest: NULL data");
  static const char empty = 0;
  if (!data)
    data = &empty;
  HS_TRY(digest_one(EVP_md5(), data, size, md5, 16));
  HS_TRY(digest_one(EVP_sha256(), data, size, sha256, 32));
  return HS_OK;
}

/* ---- streamed ------------------------------------------------------------- */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/digest.h"

#define DIGEST_CHUNK ((size_t)1 << 20)

static hs_status digest_stream(int fd, const char *name, double timeout_s, EVP_MD_CTX *m,
                               EVP_MD_CTX *s, uint8_t *buf, uint64_t *bytes) {
  double t0 = clock_now_s();
  off_t pos = 0;
  for (;;) {
    ssize_t n = pread(fd, buf, DIGEST_CHUNK, pos);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return error_set(HS_ERR_IO, "%s: read failed: %s", name, strerror(errno));
    if (n == 0)
      break;
    if (EVP_DigestUpdate(m, buf, (size_t)n) != 1 || EVP_DigestUpdate(s, buf, (size_t)n) != 1)
      return error_set(HS_ERR_INTERNAL, "OpenSSL digest update failed");
    pos += n;
    if (timeout_s > 0 && clock_now_s() - t0 > timeout_s)
      return error_set(HS_ERR_TIMEOUT, "%s: reading took longer than %.0f s (%lld bytes)", name,
                       timeout_s, (long long)pos);
  }
  *bytes = (uint64_t)pos;
  return HS_OK;
}

hs_status digest_fd(int fd, const char *name, double timeout_s, uint8_t md5[16],
                    uint8_t sha256[32], uint64_t *bytes) {
  EVP_MD_CTX *m = EVP_MD_CTX_new(), *s = EVP_MD_CTX_new();
  uint8_t *buf = malloc(DIGEST_CHUNK);
  hs_status st = HS_OK;
  unsigned lm = 0, ls = 0;
  if (!m || !s || !buf) {
    st = error_set(HS_ERR_NOMEM, "%s: out of memory for the digests", name);
    goto done;
  }
  if (EVP_DigestInit_ex(m, EVP_md5(), NULL) != 1 || EVP_DigestInit_ex(s, EVP_sha256(), NULL) != 1) {
    st = error_set(HS_ERR_INTERNAL, "OpenSSL digest init failed");
    goto done;
  }
  st = digest_stream(fd, name, timeout_s, m, s, buf, bytes);
  if (st == HS_OK &&
      (EVP_DigestFinal_ex(m, md5, &lm) != 1 || EVP_DigestFinal_ex(s, sha256, &ls) != 1 ||
       lm != 16 || ls != 32))
    st = error_set(HS_ERR_INTERNAL, "OpenSSL digest final failed");
done:
  EVP_MD_CTX_free(m);
  EVP_MD_CTX_free(s);
  free(buf);
  return st;
}
