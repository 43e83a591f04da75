/* index/hashtype.c - hash type names, sizes and hex forms. */
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "hashsweep/index.h"

static const char *const type_names[HS_HASH_TYPE_COUNT] = {"pdq", "md5", "sha256", "h64", "vpdq"};
static const size_t type_bytes[HS_HASH_TYPE_COUNT] = {32, 16, 32, 8, 32};

const char *hs_hash_type_name(hs_hash_type t) {
  return (unsigned)t < HS_HASH_TYPE_COUNT ? type_names[t] : "?";
}

size_t hs_hash_type_bytes(hs_hash_type t) { return (unsigned)t < HS_HASH_TYPE_COUNT ? type_bytes[t] : 0; }

hs_status hs_hash_type_parse(const char *name, hs_hash_type *out) {
  HS_CHECK(name && out, HS_ERR_INVALID_ARG, "hash type: NULL argument");
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++)
    if (strcasecmp(name, type_names[t]) == 0) {
      *out = (hs_hash_type)t;
      return HS_OK;
    }
  return error_set(HS_ERR_FORMAT, "unknown hash type '%s' (pdq, md5, sha256, h64, vpdq)", name);
}

/* PDQ and H64 are stored as uint64 words (the matcher's layout), digests as
 * their bytes. */
void hs_hash_to_hex(hs_hash_type t, const void *hash, char out[65]) {
  if (t == HS_HASH_PDQ) {
    hs_hash256 h;
    memcpy(&h, hash, sizeof h);
    hs_hash256_to_hex(&h, out);
  } else if (t == HS_HASH_H64) {
    uint64_t v;
    memcpy(&v, hash, 8);
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
      be[i] = (uint8_t)(v >> (56 - 8 * i));
    hs_bytes_to_hex(be, 8, out);
  } else {
    hs_bytes_to_hex(hash, hs_hash_type_bytes(t), out);
  }
}

hs_status hs_hash_from_hex(hs_hash_type t, const char *hex, size_t len, void *out) {
  HS_CHECK((unsigned)t < HS_HASH_TYPE_COUNT && hex && out, HS_ERR_INVALID_ARG,
           "hash from hex: bad argument");
  if (t == HS_HASH_PDQ) {
    hs_hash256 h;
    HS_TRY(hs_hash256_from_hex(hex, len, &h));
    memcpy(out, &h, sizeof h);
    return HS_OK;
  }
  if (t == HS_HASH_H64) {
    uint8_t be[8];
    HS_TRY(hs_bytes_from_hex(hex, len, be, 8));
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
      v = v << 8 | be[i];
    memcpy(out, &v, 8);
    return HS_OK;
  }
  return hs_bytes_from_hex(hex, len, out, hs_hash_type_bytes(t));
}

int hs_hash_to_words(hs_hash_type t, const void *hash, uint64_t words[4]) {
  if (t == HS_HASH_PDQ || t == HS_HASH_H64) {
    memcpy(words, hash, t == HS_HASH_PDQ ? 32 : 8);
    return t == HS_HASH_PDQ ? 256 : 64;
  }
  /* Digests: 16 hex digits per word, read big-endian (as PDQ's words). */
  const uint8_t *b = hash;
  size_t n = hs_hash_type_bytes(t);
  for (size_t k = 0; k < 4; k++) {
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
      v = v << 8 | (8 * k + i < n ? b[8 * k + i] : 0);
    words[k] = v;
  }
  return 256;
}
