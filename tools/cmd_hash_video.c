/* tools/cmd_hash_video.c - `hashsweep hash` on a video: TSV (a line per
 * sampled frame), JSONL (an object per file) or Meta's vPDQ text format. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_hash_video.h"

void hash_print_error(int jsonl, int quiet, const char *path, const char *cause,
                      const uint8_t *md5, const uint8_t *sha256) {
  if (jsonl) {
    /* The library's record writer, as for every other record. */
    char m[33], sh[65];
    hs_record r = {.kind = HS_RECORD_ERROR, .path = path, .quality = -1, .message = cause};
    if (md5 && sha256) {
      hs_bytes_to_hex(md5, 16, m);
      hs_bytes_to_hex(sha256, 32, sh);
      r.md5_hex = m;
      r.sha256_hex = sh;
    }
    hs_record_write(stdout, HS_OUT_JSONL, &r);
  }
  if (!quiet) {
    fflush(stdout);
    cli_error("%s: %s", path, cause);
  }
}

int hash_video_option(const char *name, const char *arg, hash_video_ctx *c) {
  int r = cli_video_option("hash", name, arg, &c->video);
  if (r != 0)
    return r;
  if (strcmp(name, "out-dir") == 0) {
    c->out_dir = arg;
    return 1;
  }
  return 0;
}

/* A video's sampled frames, in frame order. */
typedef struct frame_list {
  const hs_video_frame *items;
  size_t count;
} frame_list;

/* ---- the three formats ------------------------------------------------------ */

static void print_tsv(const hash_video_ctx *c, const char *path, const frame_list *l) {
  char hex[65];
  for (size_t i = 0; i < l->count; i++) {
    const hs_video_frame *f = &l->items[i];
    hs_hash256_to_hex(&f->pdq.hash[HS_DIH_ORIG], hex);
    printf("%s\t%d\t%s\t%lld\t%.3f", hex, f->pdq.quality, path, (long long)f->frame,
           (double)f->timestamp);
    if (c->dihedral)
      for (int v = 1; v < HS_DIH_COUNT; v++) {
        hs_hash256_to_hex(&f->pdq.hash[v], hex);
        printf("\t%s", hex);
      }
    putchar('\n');
  }
}

static void print_jsonl(const hash_video_ctx *c, const char *path, const hs_video_info *info,
                        const frame_list *l) {
  char hex[65], md5[33], sha[65];
  fputs("{\"path\":", stdout);
  hs_json_write_string(stdout, path);
  printf(",\"kind\":\"video\",\"width\":%d,\"height\":%d,\"fps\":%.6g,\"duration\":",
         info->width, info->height, info->fps);
  if (info->duration >= 0)
    printf("%.3f", info->duration);
  else
    fputs("null", stdout);
  if (info->has_digests) {
    hs_bytes_to_hex(info->md5, 16, md5);
    hs_bytes_to_hex(info->sha256, 32, sha);
    printf(",\"md5\":\"%s\",\"sha256\":\"%s\"", md5, sha);
  }
  printf(",\"format\":\"%s\",\"codec\":\"%s\",\"frames_decoded\":%llu", info->format, info->codec,
         (unsigned long long)info->frames_decoded);
  if (info->partial) {
    fputs(",\"note\":", stdout);
    hs_json_write_string(stdout, info->note);
  }
  fputs(",\"frames\":[", stdout);
  for (size_t i = 0; i < l->count; i++) {
    const hs_video_frame *f = &l->items[i];
    hs_hash256_to_hex(&f->pdq.hash[HS_DIH_ORIG], hex);
    printf("%s{\"frame\":%lld,\"quality\":%d,\"pdq\":\"%s\",\"timestamp\":%.3f", i ? "," : "",
           (long long)f->frame, f->pdq.quality, hex, (double)f->timestamp);
    if (c->dihedral) {
      fputs(",\"dihedral\":{", stdout);
      for (int v = 1; v < HS_DIH_COUNT; v++) {
        hs_hash256_to_hex(&f->pdq.hash[v], hex);
        printf("%s\"%s\":\"%s\"", v > 1 ? "," : "", hs_dihedral_name(v), hex);
      }
      putchar('}');
    }
    putchar('}');
  }
  fputs("]}\n", stdout);
}

/* Meta's line format: frameNumber,quality,pdqHex,timestamp (3 decimals). */
static int write_vpdq(FILE *out, const frame_list *l) {
  char hex[65];
  for (size_t i = 0; i < l->count; i++) {
    const hs_video_frame *f = &l->items[i];
    hs_hash256_to_hex(&f->pdq.hash[HS_DIH_ORIG], hex);
    fprintf(out, "%lld,%d,%s,%.3f\n", (long long)f->frame, f->pdq.quality, hex,
            (double)f->timestamp);
  }
  return ferror(out) ? -1 : 0;
}

/* DIR/<file name without its last extension>.vpdq */
static int vpdq_path(const char *dir, const char *path, char *out, size_t cap) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  int stem = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
  int n = snprintf(out, cap, "%s/%.*s.vpdq", dir, stem, base);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Returns 0, or 1 with the error printed. */
static int emit_vpdq(hash_video_ctx *c, const char *path, const hs_video_info *info,
                     const frame_list *l) {
  if (!c->out_dir)
    return write_vpdq(stdout, l) == 0 ? 0 : -1;
  char out[4096];
  const uint8_t *m = info->has_digests ? info->md5 : NULL, *s = info->has_digests ? info->sha256 : NULL;
  if (vpdq_path(c->out_dir, path, out, sizeof out) != 0) {
    hash_print_error(0, c->quiet, path, "output path too long", m, s);
    return 1;
  }
  for (size_t i = 0; i < c->written.count; i++)
    if (strcmp(c->written.items[i], out) == 0) {
      char why[4200];
      snprintf(why, sizeof why, "%s was already written for another video in this run", out);
      hash_print_error(0, c->quiet, path, why, m, s);
      return 1;
    }
  FILE *f = fopen(out, "w");
  int bad = !f || write_vpdq(f, l) != 0;
  if (f && fclose(f) != 0)
    bad = 1;
  if (bad) {
    char why[4200];
    snprintf(why, sizeof why, "cannot write %s: %s", out, strerror(errno));
    hash_print_error(0, c->quiet, path, why, m, s);
    return 1;
  }
  return cli_strings_push(&c->written, out) == 0 ? 0 : -1;
}

int hash_video_result(hash_video_ctx *c, const char *path, hs_status st, const char *error,
                      const hs_video_info *info, const hs_video_frame *frames, size_t n) {
  frame_list l = {frames, n};
  if (st != HS_OK) {
    hash_print_error(c->format == HASH_FORMAT_JSONL, c->quiet, path,
                     error ? error : hs_strerror(st), info->has_digests ? info->md5 : NULL,
                     info->has_digests ? info->sha256 : NULL);
    return 1;
  }
  int rc = 0;
  if (c->format == HASH_FORMAT_TSV)
    print_tsv(c, path, &l);
  else if (c->format == HASH_FORMAT_JSONL)
    print_jsonl(c, path, info, &l);
  else
    rc = emit_vpdq(c, path, info, &l);
  /* A partial video counts as an item error: its hashes stand, with a
   * note saying where decoding stopped. */
  if (rc == 0 && info->partial) {
    if (!c->quiet) {
      fflush(stdout);
      cli_error("%s: note: %s", path, info->note);
    }
    rc = 1;
  }
  return rc;
}
