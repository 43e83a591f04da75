/* tests/fuzz/fuzz_hexlist.c - hash lists (hs_hash_list_read_stream: match
 * needles and haystacks, read with the import grammar of engine/lists/):
 * any bytes either parse or give one HS_ERR_FORMAT line naming the line;
 * what parses is self-consistent. */
#include <string.h>

#include "fuzz_util.h"
#include "hashsweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fuzz_stream(data, size);
  FUZZ_ASSERT(f);
  hs_hash_list l;
  hs_status st = hs_hash_list_read_stream(f, "fuzz.txt", &l);
  fclose(f);
  if (st == HS_OK) {
    FUZZ_ASSERT(l.count == 0 ? l.bits == 0 : (l.bits == 64 || l.bits == 256));
    FUZZ_ASSERT(l.count == 0 || (unsigned)l.type < HS_HASH_TYPE_COUNT);
    FUZZ_ASSERT(l.count == 0 || (l.bits == 64) == (l.type == HS_HASH_H64));
    for (size_t i = 1; i < l.count; i++) /* a record may give several hashes */
      FUZZ_ASSERT(l.lines[i] >= l.lines[i - 1] && l.lines[0] >= 1);
    /* An MD5 digest fills two words of four. */
    for (size_t i = 0; l.type == HS_HASH_MD5 && i < l.count; i++)
      FUZZ_ASSERT(l.words[4 * i + 2] == 0 && l.words[4 * i + 3] == 0);
    /* Every hash is its line's hex digits: print one back and compare. */
    if (l.count && l.type == HS_HASH_PDQ) {
      hs_hash256 h;
      memcpy(h.w, l.words, sizeof h.w);
      char hex[65];
      hs_hash256_to_hex(&h, hex);
      hs_hash256 back;
      FUZZ_ASSERT(hs_hash256_from_hex(hex, 64, &back) == HS_OK);
      FUZZ_ASSERT(memcmp(&back, &h, sizeof h) == 0);
    }
  } else {
    FUZZ_ASSERT(st == HS_ERR_FORMAT || st == HS_ERR_IO || st == HS_ERR_NOMEM);
    FUZZ_ASSERT(strncmp(hs_last_error(), "fuzz.txt:", 9) == 0 || st != HS_ERR_FORMAT);
    for (const char *c = hs_last_error(); *c; c++) /* one printable line */
      FUZZ_ASSERT((unsigned char)*c >= 0x20 && *c != 0x7f);
  }
  hs_hash_list_free(&l);
  return 0;
}
