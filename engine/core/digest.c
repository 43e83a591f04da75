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
