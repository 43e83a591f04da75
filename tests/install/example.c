/* tests/install/example.c - a small program built against an installed
 * libhashsweep (tests/install/run.sh): the version macros agree with the
 * library, a PDQ hash on the CPU, MD5/SHA-256 of a buffer, and an index
 * created and opened. Prints one line per check; run.sh compares them. */
#include <hashsweep.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: example INDEX-DIR\n");
    return 2;
  }
  printf("headers %s (%d.%d.%d), library %s\n", HS_VERSION_STRING, HS_VERSION_MAJOR,
         HS_VERSION_MINOR, HS_VERSION_PATCH, hs_version());

  /* A 64x64 diagonal gradient. */
  enum { W = 64 };
  static float px[W * W];
  for (int y = 0; y < W; y++)
    for (int x = 0; x < W; x++)
      px[y * W + x] = (float)((x * 3 + y * 2) % 256);
  hs_luma luma = {.width = W, .height = W, .stride = W, .data = px};
  hs_workspace *ws = hs_workspace_create();
  hs_pdq pdq;
  if (!ws || hs_pdq_from_luma(&luma, ws, &pdq) != HS_OK) {
    fprintf(stderr, "pdq: %s\n", hs_last_error());
    return 1;
  }
  hs_workspace_destroy(ws);
  char hex[65];
  hs_hash256_to_hex(&pdq.hash[0], hex);
  printf("pdq %s quality %d\n", hex, pdq.quality);

  uint8_t md5[16], sha[32];
  if (hs_digest_md5_sha256("abc", 3, md5, sha) != HS_OK)
    return 1;
  hs_bytes_to_hex(md5, sizeof md5, hex);
  printf("md5 %s\n", hex);

  hs_index *idx;
  hs_status st = hs_index_create(argv[1]);
  if (st == HS_OK)
    st = hs_index_open(argv[1], HS_INDEX_READONLY, &idx);
  if (st != HS_OK) {
    fprintf(stderr, "index: %s: %s\n", hs_strerror(st), hs_last_error());
    return 1;
  }
  hs_index_stats stats;
  st = hs_index_stats_get(idx, &stats);
  printf("index version %llu, %u lists\n", (unsigned long long)stats.version, stats.lists);
  hs_index_close(idx);
  return st == HS_OK ? 0 : 1;
}
