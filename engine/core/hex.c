/* core/hex.c - hex rendering and parsing of hashes. */
#include "core/error.h"

#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void hs_bytes_to_hex(const uint8_t *bytes, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex_digits[bytes[i] >> 4];
    out[2 * i + 1] = hex_digits[bytes[i] & 15];
  }
  out[2 * n] = '\0';
}

hs_status hs_bytes_from_hex(const char *hex, size_t len, uint8_t *out, size_t n) {
  HS_CHECK(hex && out, HS_ERR_INVALID_ARG, "hex parse: NULL argument");
  if (len != 2 * n)
    return error_set(HS_ERR_FORMAT, "expected %zu hex digits, got %zu characters", 2 * n, len);
  for (size_t i = 0; i < n; i++) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      size_t bad = hi < 0 ? 2 * i : 2 * i + 1;
      return error_set(HS_ERR_FORMAT, "not a hex digit at position %zu", bad + 1);
    }
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return HS_OK;
}

void hs_hash256_to_hex(const hs_hash256 *h, char out[65]) {
  for (int word = 0; word < 4; word++)
    for (int nib = 0; nib < 16; nib++)
      out[word * 16 + nib] = hex_digits[(h->w[word] >> (60 - 4 * nib)) & 15];
  out[64] = '\0';
}

hs_status hs_hash256_from_hex(const char *hex, size_t len, hs_hash256 *out) {
  uint8_t bytes[32];
  HS_TRY(hs_bytes_from_hex(hex, len, bytes, sizeof bytes));
  for (int word = 0; word < 4; word++) {
    uint64_t v = 0;
    for (int b = 0; b < 8; b++)
      v = v << 8 | bytes[word * 8 + b];
    out->w[word] = v;
  }
  return HS_OK;
}

int hs_hash256_distance(const hs_hash256 *a, const hs_hash256 *b) {
  int d = 0;
  for (int i = 0; i < 4; i++)
    d += __builtin_popcountll(a->w[i] ^ b->w[i]);
  return d;
}
