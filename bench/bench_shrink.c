/* bench/bench_shrink.c - how far JPEG shrink-on-load moves PDQ: for each
 * file, the distance between the exact (full-resolution) hash and the hash
 * at shrink 2, 4 and 8, and what the FAST policy does. Prints one TSV row
 * per file and a summary (median, p90, max) per shrink.
 *
 *   bench_shrink FILE...  */
#include <stdio.h>
#include <stdlib.h>

#include "hashsweep.h"

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int main(int argc, char **argv) {
  if (argc < 2 || hs_init(argv[0]) != HS_OK) {
    fprintf(stderr, "usage: bench_shrink FILE...\n");
    return 2;
  }
  const int shrinks[] = {2, 4, 8, 0}; /* 0 = the fast policy */
  enum { NS = 4 };
  int n = argc - 1, *dist[NS];
  for (int s = 0; s < NS; s++)
    dist[s] = calloc((size_t)n, sizeof(int));
  hs_workspace *ws = hs_workspace_create();
  int ok = 0;
  printf("file\twidth\theight\td_shrink2\td_shrink4\td_shrink8\td_fast\n");
  for (int i = 0; i < n; i++) {
    hs_decode_options o;
    hs_decode_options_default(&o);
    o.mode = HS_MODE_EXACT;
    hs_pdq exact, p;
    hs_image_info info;
    if (hs_hash_file(argv[i + 1], &o, ws, &exact, &info) != HS_OK) {
      fprintf(stderr, "%s\n", hs_last_error());
      continue;
    }
    printf("%s\t%d\t%d", argv[i + 1], info.width, info.height);
    for (int s = 0; s < NS; s++) {
      hs_decode_options_default(&o);
      o.mode = HS_MODE_FAST;
      o.jpeg_shrink = shrinks[s];
      if (hs_hash_file(argv[i + 1], &o, ws, &p, &info) != HS_OK) {
        fprintf(stderr, "%s\n", hs_last_error());
        return 1;
      }
      dist[s][ok] = hs_hash256_distance(&exact.hash[0], &p.hash[0]);
      printf("\t%d", dist[s][ok]);
    }
    printf("\n");
    ok++;
  }
  const char *names[NS] = {"shrink 1/2", "shrink 1/4", "shrink 1/8", "fast policy"};
  printf("\n# %d files: distance to exact\n# pipeline\tmedian\tp90\tmax\n", ok);
  for (int s = 0; s < NS && ok; s++) {
    qsort(dist[s], (size_t)ok, sizeof(int), cmp_int);
    printf("# %s\t%d\t%d\t%d\n", names[s], dist[s][ok / 2], dist[s][(ok * 9) / 10],
           dist[s][ok - 1]);
  }
  hs_workspace_destroy(ws);
  return 0;
}
