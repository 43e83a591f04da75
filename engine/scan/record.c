/* scan/record.c - hs_record_write: the one text form of every record, for
 * the scan's and rescan's output (scan/sink.c) and `hashsweep hash
 * --format jsonl`. JSON Lines: one object per record, keys in a fixed
 * order; CSV (RFC 4180): one row per record under hs_record_csv_header. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "hashsweep/scan.h"


const char *hs_record_csv_header(void) {
  return "kind,path,pdq,quality,md5,entry,list,label,distance,variant,index_version,error\n";
}

/* RFC 4180 field, its names and labels escaped and guarded against
 * spreadsheet formulas (core/textsafe.c, docs/security.md). */
static void csv_field(FILE *f, const char *v) {
  if (v)
    hs_csv_write_field(f, v);
}

/* A file that was read but not hashed perceptually (its digests matched)
 * has no PDQ and no quality: both are null, never a made-up number. */
static void json_quality(FILE *f, const hs_record *r) {
  if (r->pdq_hex)
    fprintf(f, ",\"quality\":%d", r->quality);
  else
    fputs(",\"quality\":null", f);
}

static void csv_quality(FILE *f, const hs_record *r) {
  if (r->pdq_hex || r->kind == HS_RECORD_HASH)
    fprintf(f, "%d", r->quality);
}

static void json_key_string(FILE *f, const char *key, const char *v, int comma) {
  fprintf(f, "%s\"%s\":", comma ? "," : "", key);
  if (v)
    hs_json_write_string(f, v);
  else
    fputs("null", f);
}

static void csv_record(FILE *f, const hs_record *r) {
  switch (r->kind) {
  case HS_RECORD_MATCH:
    /* A video's match rows say "video" or "frame" in the kind column; the
     * shares, segments and frame times are in the JSON form only. */
    fputs(r->match_kind ? r->match_kind : "match", f);
    fputc(',', f);
    csv_field(f, r->path);
    fprintf(f, ",%s,", r->pdq_hex ? r->pdq_hex : "");
    csv_quality(f, r);
    fprintf(f, ",%s,%llu,", r->md5_hex ? r->md5_hex : "", (unsigned long long)r->entry);
    csv_field(f, r->list);
    fputc(',', f);
    csv_field(f, r->label);
    /* CSV has no held column: a held match says so in the message column. */
    fprintf(f, ",%d,%s,%llu,%s%s\n", r->distance, r->variant, (unsigned long long)r->index_version,
            r->held ? "held: " : "", r->held ? r->held : "");
    return;
  case HS_RECORD_ERROR:
    fputs("error,", f);
    csv_field(f, r->path);
    fputs(",,,,,,,,,,", f);
    csv_field(f, r->message);
    fputc('\n', f);
    return;
  case HS_RECORD_NOTE:
  case HS_RECORD_HASH:
    fputs(r->kind == HS_RECORD_NOTE ? "note," : "hash,", f);
    csv_field(f, r->path);
    fprintf(f, ",%s,", r->pdq_hex ? r->pdq_hex : "");
    csv_quality(f, r);
    if (r->kind == HS_RECORD_NOTE && r->list) { /* names an allow-list entry */
      fprintf(f, ",%s,%llu,", r->md5_hex ? r->md5_hex : "", (unsigned long long)r->entry);
      csv_field(f, r->list);
      fputc(',', f);
      csv_field(f, r->label);
      fprintf(f, ",%d,%s,%llu,", r->distance, r->variant ? r->variant : "",
              (unsigned long long)r->index_version);
    } else {
      fprintf(f, ",%s,,,,,,,", r->md5_hex ? r->md5_hex : "");
    }
    csv_field(f, r->message);
    fputc('\n', f);
    return;
  }
}

/* `hashsweep hash --format jsonl`: the file's hashes and what was learnt
 * decoding it. */
static void json_hash(FILE *f, const hs_record *r) {
  char hex[65], md5[33], sha[65];
  hs_hash256_to_hex(&r->pdq->hash[HS_DIH_ORIG], hex);
  hs_bytes_to_hex(r->info->md5, 16, md5);
  hs_bytes_to_hex(r->info->sha256, 32, sha);
  fputs("{\"path\":", f);
  hs_json_write_string(f, r->path);
  fprintf(f,
          ",\"pdq\":\"%s\",\"quality\":%d,\"width\":%d,\"height\":%d,\"md5\":\"%s\","
          "\"sha256\":\"%s\",\"format\":\"%s\"",
          hex, r->pdq->quality, r->info->width, r->info->height, md5, sha, r->info->format);
  fputs(",\"kind\":\"image\"", f); /* videos are written as "kind":"video" (docs/video.md) */
  if (r->dihedral) {
    fputs(",\"dihedral\":{", f);
    for (int v = 1; v < HS_DIH_COUNT; v++) {
      hs_hash256_to_hex(&r->pdq->hash[v], hex);
      fprintf(f, "%s\"%s\":\"%s\"", v > 1 ? "," : "", hs_dihedral_name(v), hex);
    }
    fputc('}', f);
  }
  size_t nv = r->variants ? hs_variant_count(r->variant_kinds) : 0;
  if (nv) {
    fputs(",\"variants\":{", f);
    for (size_t i = 0; i < nv; i++) {
      hs_hash256_to_hex(&r->variants[i].hash[HS_DIH_ORIG], hex);
      fprintf(f, "%s\"%s\":\"%s\"", i ? "," : "", hs_variant_name(r->variant_kinds, i), hex);
    }
    fputc('}', f);
  }
  if (r->variants_error) {
    fputs(",\"variants_error\":", f);
    hs_json_write_string(f, r->variants_error);
  }
  fputs("}\n", f);
}

/* The keys a video's match adds (docs/video.md): "video" with vPDQ's
 * shares and the matched time ranges, "frame" with the frame's place. */
static void json_video_keys(FILE *f, const hs_record *r) {
  fputs(",\"kind\":", f);
  hs_json_write_string(f, r->match_kind);
  if (strcmp(r->match_kind, "frame") == 0) {
    fprintf(f, ",\"frame\":%lld,\"timestamp\":%.3f", (long long)r->frame, r->timestamp);
    return;
  }
  fprintf(f, ",\"query_percent\":%.2f,\"compared_percent\":%.2f,\"frames_hashed\":%llu",
          r->query_percent, r->compared_percent, (unsigned long long)r->frames_hashed);
  fputs(",\"segments\":[", f);
  for (size_t i = 0; i < r->nsegments; i++)
    fprintf(f, "%s[%.3f,%.3f]", i ? "," : "", r->segments[2 * i], r->segments[2 * i + 1]);
  fputc(']', f);
}

static void json_record(FILE *f, const hs_record *r) {
  switch (r->kind) {
  case HS_RECORD_MATCH:
    fputs("{\"path\":", f);
    hs_json_write_string(f, r->path);
    /* A video match has no PDQ of its own: the key is left out. */
    if (!r->match_kind || r->pdq_hex) {
      json_key_string(f, "pdq", r->pdq_hex, 1);
      json_quality(f, r);
    }
    json_key_string(f, "md5", r->md5_hex, 1);
    fprintf(f, ",\"entry\":%llu", (unsigned long long)r->entry);
    json_key_string(f, "list", r->list, 1);
    json_key_string(f, "label", r->label, 1);
    fprintf(f, ",\"distance\":%d,\"variant\":\"%s\",\"index_version\":%llu", r->distance,
            r->variant, (unsigned long long)r->index_version);
    if (r->held)
      json_key_string(f, "held", r->held, 1);
    if (r->match_kind)
      json_video_keys(f, r);
    fputs("}\n", f);
    return;
  case HS_RECORD_ERROR:
    fputs("{\"path\":", f);
    hs_json_write_string(f, r->path);
    fputs(",\"error\":", f);
    hs_json_write_string(f, r->message);
    /* `hash` reports the digests of a file it read but could not decode
     * (an exact list may still hold them); scans leave them out. */
    if (r->md5_hex && r->sha256_hex)
      fprintf(f, ",\"md5\":\"%s\",\"sha256\":\"%s\"", r->md5_hex, r->sha256_hex);
    fputs("}\n", f);
    return;
  case HS_RECORD_NOTE:
    fputs("{\"path\":", f);
    hs_json_write_string(f, r->path);
    json_key_string(f, "pdq", r->pdq_hex, 1);
    json_quality(f, r);
    json_key_string(f, "md5", r->md5_hex, 1);
    if (r->list) { /* the allow-list entry that suppressed the file's matches */
      fprintf(f, ",\"entry\":%llu", (unsigned long long)r->entry);
      json_key_string(f, "list", r->list, 1);
      json_key_string(f, "label", r->label, 1);
      fprintf(f, ",\"distance\":%d", r->distance);
      json_key_string(f, "variant", r->variant, 1);
      if (r->held) { /* the flood guard's note on an entry it held */
        json_key_string(f, "held", r->held, 1);
        fprintf(f, ",\"before_limit\":%llu", (unsigned long long)r->suppressed);
      } else {
        fprintf(f, ",\"suppressed\":%llu", (unsigned long long)r->suppressed);
      }
    }
    json_key_string(f, "note", r->message, 1);
    fputs("}\n", f);
    return;
  case HS_RECORD_HASH:
    json_hash(f, r);
    return;
  }
}

hs_status hs_record_write(FILE *f, hs_out_format format, const hs_record *r) {
  HS_CHECK(f && r && r->path && (unsigned)r->kind <= HS_RECORD_HASH, HS_ERR_INVALID_ARG,
           "hs_record_write: bad argument");
  HS_CHECK(r->kind != HS_RECORD_MATCH || r->variant, HS_ERR_INVALID_ARG,
           "hs_record_write: a match record without its variant");
  HS_CHECK(!r->match_kind || !strcmp(r->match_kind, "frame") ||
               (!strcmp(r->match_kind, "video") && (r->segments || r->nsegments == 0)),
           HS_ERR_INVALID_ARG, "hs_record_write: match_kind must be \"video\" or \"frame\"");
  HS_CHECK(r->kind != HS_RECORD_HASH || (r->pdq && r->info), HS_ERR_INVALID_ARG,
           "hs_record_write: a hash record without its PDQ and image info");
  HS_CHECK(format == HS_OUT_JSONL || format == HS_OUT_CSV, HS_ERR_INVALID_ARG,
           "hs_record_write: unknown format %d", (int)format);
  if (format == HS_OUT_CSV)
    csv_record(f, r);
  else
    json_record(f, r);
  return ferror(f) ? error_set(HS_ERR_IO, "writing a record failed") : HS_OK;
}
