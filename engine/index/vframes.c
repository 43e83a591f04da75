/* index/vframes.c - a video entry's frames: the record, the content id, the
 * vframes sub-database and hs_index_video_frames. */
#include "index/vframes.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "index/index_internal.h"

void vframes_encode(const hs_index_frame *f, size_t n, int format, rec_writer *w) {
  rec_put_u32(w, VFRAMES_MAGIC);
  rec_put_u16(w, 1);
  rec_put_u16(w, (uint16_t)format);
  rec_put_u32(w, (uint32_t)n);
  rec_put_u32(w, 0);
  static const uint8_t zero[7];
  for (size_t i = 0; i < n; i++) {
    rec_put_u64(w, (uint64_t)f[i].frame);
    uint64_t t;
    memcpy(&t, &f[i].timestamp, 8);
    rec_put_u64(w, t);
    rec_put_u8(w, (uint8_t)f[i].quality);
    rec_put_bytes(w, zero, sizeof zero);
    for (int k = 0; k < 4; k++)
      rec_put_u64(w, f[i].pdq.w[k]);
  }
}

int vframes_decode(const void *data, size_t len, hs_index_frame **frames, size_t *n,
                   int *format) {
  *frames = NULL;
  *n = 0;
  rec_reader r = rec_reader_make(data, len);
  uint32_t magic = rec_get_u32(&r);
  uint16_t version = rec_get_u16(&r), fmt = rec_get_u16(&r);
  uint32_t count = rec_get_u32(&r);
  rec_get_u32(&r);
  if (r.bad || magic != VFRAMES_MAGIC || version != 1 ||
      (fmt != VFRAMES_META && fmt != VFRAMES_PYTX) || count > VFRAMES_MAX ||
      len != VFRAMES_HEADER + (size_t)count * VFRAMES_FRAME)
    return -1;
  hs_index_frame *f = count ? calloc(count, sizeof *f) : NULL;
  if (count && !f)
    return -2;
  for (uint32_t i = 0; i < count; i++) {
    f[i].frame = (int64_t)rec_get_u64(&r);
    uint64_t t = rec_get_u64(&r);
    memcpy(&f[i].timestamp, &t, 8);
    f[i].quality = rec_get_u8(&r);
    rec_get_bytes(&r, 7);
    for (int k = 0; k < 4; k++)
      f[i].pdq.w[k] = rec_get_u64(&r);
    if (f[i].quality > 100 || f[i].frame < -1) {
      free(f);
      return -1;
    }
  }
  *frames = f;
  *n = count;
  *format = fmt;
  return 0;
}

int vframes_content_id(const hs_index_frame *f, size_t n, uint8_t id[32]) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
  for (size_t i = 0; ok && i < n; i++) {
    char hex[65], line[160];
    hs_hash256_to_hex(&f[i].pdq, hex);
    int len = snprintf(line, sizeof line, "%lld,%d,%s,%.17g\n", (long long)f[i].frame,
                       f[i].quality, hex, f[i].timestamp);
    ok = len > 0 && (size_t)len < sizeof line && EVP_DigestUpdate(md, line, (size_t)len) == 1;
  }
  unsigned out = 0;
  ok = ok && EVP_DigestFinal_ex(md, id, &out) == 1 && out == 32;
  EVP_MD_CTX_free(md);
  return ok ? 0 : -1;
}

hs_status vframes_put(hs_index *idx, MDB_txn *txn, uint64_t id, const void *rec, size_t len) {
  HS_CHECK(idx->has[DB_VFRAMES], HS_ERR_INVALID_ARG, "%s: index opened read-only", idx->path);
  MDB_val k = lmdb_val(&id, sizeof id), v = lmdb_val(rec, len);
  int rc = mdb_put(txn, idx->dbi[DB_VFRAMES], &k, &v, 0);
  return rc ? lmdb_fail(rc, "%s: writing the frames of entry %llu", idx->path,
                        (unsigned long long)id)
            : HS_OK;
}

hs_status vframes_get(hs_index *idx, MDB_txn *txn, uint64_t id, MDB_val *out) {
  if (!idx->has[DB_VFRAMES])
    return error_set(HS_ERR_NOT_FOUND, "%s: entry %llu has no frames", idx->path,
                     (unsigned long long)id);
  MDB_val k = lmdb_val(&id, sizeof id);
  int rc = mdb_get(txn, idx->dbi[DB_VFRAMES], &k, out);
  if (rc == MDB_NOTFOUND)
    return error_set(HS_ERR_NOT_FOUND, "%s: entry %llu has no frames", idx->path,
                     (unsigned long long)id);
  return rc ? lmdb_fail(rc, "%s: reading the frames of entry %llu", idx->path,
                        (unsigned long long)id)
            : HS_OK;
}

void vframes_pytx_time(double t, char out[32]) {
  /* Python's format(t, ".3"): 3 significant digits, scientific when the
   * rounded exponent is < -4 or >= 2 (precision - 1), trailing zeros
   * dropped, but a fixed-point number keeps one digit after the point. */
  char e[32];
  snprintf(e, sizeof e, "%.2e", t);
  char *ep = strchr(e, 'e');
  int x = atoi(ep + 1);
  if (x < -4 || x >= 2) {
    size_t m = (size_t)(ep - e);
    while (m > 1 && e[m - 1] == '0')
      m--;
    if (m > 1 && e[m - 1] == '.')
      m--;
    snprintf(out, 32, "%.*s%s", (int)m, e, ep);
    return;
  }
  snprintf(out, 32, "%.*f", 2 - x, t);
  size_t n = strlen(out);
  while (n > 2 && out[n - 1] == '0' && out[n - 2] != '.')
    n--;
  out[n] = '\0';
}

hs_status hs_index_video_frames(hs_index_snapshot *snap, uint64_t id, hs_index_frame **frames,
                                size_t *n) {
  HS_CHECK(snap && frames && n, HS_ERR_INVALID_ARG, "video frames: NULL argument");
  *frames = NULL;
  *n = 0;
  hs_index *idx = snapshot_index(snap);
  MDB_val v;
  HS_TRY(vframes_get(idx, snapshot_txn(snap), id, &v));
  int fmt, r = vframes_decode(v.mv_data, v.mv_size, frames, n, &fmt);
  if (r == -2)
    return error_set(HS_ERR_NOMEM, "out of memory");
  if (r != 0)
    return error_set(HS_ERR_CORRUPT, "%s: the frames of entry %llu are damaged (run hashsweep "
                     "index verify)", idx->path, (unsigned long long)id);
  return HS_OK;
}

void hs_index_frames_free(hs_index_frame *frames) { free(frames); }

/* One frame as the string of a JSON array (no character needs escaping). */
static int frame_string(const hs_index_frame *f, int meta, char *out, size_t cap) {
  char hex[65], t[32];
  hs_hash256_to_hex(&f->pdq, hex);
  if (meta)
    return snprintf(out, cap, "%lld,%d,%s,%.3f", (long long)f->frame, f->quality, hex,
                    f->timestamp);
  vframes_pytx_time(f->timestamp, t);
  return snprintf(out, cap, "%s,%d,%s", hex, f->quality, t);
}

hs_status vframes_text(hs_index *idx, MDB_txn *txn, uint64_t id, int pytx, rec_writer *w) {
  MDB_val v;
  HS_TRY(vframes_get(idx, txn, id, &v));
  hs_index_frame *f;
  size_t n;
  int fmt, r = vframes_decode(v.mv_data, v.mv_size, &f, &n, &fmt);
  if (r != 0)
    return r == -2 ? error_set(HS_ERR_NOMEM, "out of memory")
                   : error_set(HS_ERR_CORRUPT, "%s: the frames of entry %llu are damaged",
                               idx->path, (unsigned long long)id);
  int meta = fmt == VFRAMES_META && !pytx;
  rec_put_u8(w, '[');
  for (size_t i = 0; i < n; i++) {
    char s[160];
    int len = frame_string(&f[i], meta, s, sizeof s);
    rec_put_bytes(w, i ? ",\"" : "\"", i ? 2 : 1);
    rec_put_bytes(w, s, (size_t)len);
    rec_put_u8(w, '"');
  }
  rec_put_bytes(w, "]", 2); /* with the NUL */
  free(f);
  return rec_writer_status(w);
}
