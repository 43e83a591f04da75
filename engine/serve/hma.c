/* serve/hma.c - the endpoints shaped as HMA's (Meta's Hasher-Matcher-
 * Actioner, OpenMediaMatch blueprints matching.py and hashing.py), so that
 * its clients can point at hashsweep unchanged. Lists play HMA's banks and
 * entry ids its bank_content_id; HMA's signal types map to hash types:
 * "pdq" -> PDQ, "video_md5" -> MD5 (an MD5 list entry is the MD5 of a
 * file's bytes, which is what video_md5 is). Distances are strings, as
 * HMA's similarity_info.pretty_str() gives them. */
#include <stdlib.h>
#include <string.h>

#include "serve/lookup.h"
#include "serve/multipart.h"

/* "a,b,c" -> names, borrowed from a copy the caller frees. */
static void parse_banks(const char *arg, char **copy, const char **names, size_t cap,
                        bank_filter *f) {
  f->names = names;
  f->n = 0;
  *copy = NULL;
  if (!arg || !*arg)
    return;
  *copy = strdup(arg);
  for (char *save = NULL, *t = *copy ? strtok_r(*copy, ",", &save) : NULL; t && f->n < cap;
       t = strtok_r(NULL, ",", &save))
    names[f->n++] = t;
  if (f->n == 0) /* ",,,": a filter that nothing passes */
    names[f->n++] = "";
}

static int is_video_match(json_t *m) {
  const char *k = json_string_value(json_object_get(m, "kind"));
  return k && strcmp(k, "video") == 0;
}

/* Match objects (those of video entries, or the others) -> {"BANK":
 * [{"bank_content_id": id, "distance": "d"}]}; a video entry's distance is
 * vPDQ's similarity, "QUERY_PERCENT,COMPARED_PERCENT". */
static json_t *by_bank(json_t *matches, int videos) {
  json_t *o = json_object();
  size_t i;
  json_t *m;
  json_array_foreach(matches, i, m) {
    if (is_video_match(m) != videos)
      continue;
    const char *list = json_string_value(json_object_get(m, "list"));
    if (!list)
      continue;
    json_t *arr = json_object_get(o, list);
    if (!arr) {
      arr = json_array();
      if (json_object_set_new(o, list, arr) != 0)
        continue; /* out of memory: arr is gone with it */
    }
    char d[48];
    if (videos)
      snprintf(d, sizeof d, "%.2f,%.2f", json_number_value(json_object_get(m, "query_percent")),
               json_number_value(json_object_get(m, "compared_percent")));
    else
      snprintf(d, sizeof d, "%lld",
               (long long)json_integer_value(json_object_get(m, "distance")));
    json_t *x = json_object();
    json_object_set(x, "bank_content_id", json_object_get(m, "entry"));
    json_object_set_new(x, "distance", json_string(d));
    json_array_append_new(arr, x);
  }
  return o;
}

static const char *arg(const serve_request *rq, const char *key) {
  return rq->arg ? rq->arg(rq->arg_user, key) : NULL;
}

/* HMA's signal type names -> ours. */
static const char *signal_type(const char *name) {
  if (strcmp(name, "pdq") == 0)
    return "pdq";
  if (strcmp(name, "video_md5") == 0)
    return "md5";
  return NULL;
}

void hma_lookup_get(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  const char *sig = arg(rq, "signal"), *st = arg(rq, "signal_type");
  if (arg(rq, "url")) {
    serve_error(rs, 400, "url lookups are not supported: POST the file (multipart photo or "
                         "video) instead");
    return;
  }
  if (!sig || !st) {
    serve_error(rs, 400, "Either url or both signal and signal_type are required");
    return;
  }
  const char *type = signal_type(st);
  if (!type) {
    serve_error(rs, 400, "No such SignalType '%.40s'", st);
    return;
  }
  lookup_item it;
  if (lookup_item_parse(&it, type, sig) != HS_OK) {
    serve_error(rs, 400, "invalid signal: %s", hs_last_error());
    return;
  }
  const char *names[64];
  char *copy;
  bank_filter f;
  parse_banks(arg(rq, "banks"), &copy, names, 64, &f);
  lookup_answer ans;
  if (lookup_items(c, &it, 1, &f, &ans, rs) == 0)
    serve_json(rs, 200, by_bank(ans.matches[0], 0));
  lookup_answer_free(&ans, 1);
  free(copy);
}

/* The single file of a multipart body: 0, or -1 with rs set. */
static int form_file(const serve_request *rq, multipart_file *f, int *video,
                     serve_response *rs) {
  if (multipart_single(rq->content_type, rq->body, rq->body_len, f) != HS_OK) {
    serve_error(rs, 400, "%s", hs_last_error());
    return -1;
  }
  if (strcmp(f->name, "photo") != 0 && strcmp(f->name, "video") != 0) {
    serve_error(rs, 400, "no such content_type: '%s' (photo or video)", f->name);
    return -1;
  }
  if (f->size == 0) {
    serve_error(rs, 400, "the uploaded file is empty");
    return -1;
  }
  *video = strcmp(f->name, "video") == 0;
  return 0;
}

void hma_lookup_post(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  multipart_file f;
  int video;
  if (form_file(rq, &f, &video, rs) != 0)
    return;
  const char *names[64];
  char *copy;
  bank_filter bf;
  parse_banks(arg(rq, "banks"), &copy, names, 64, &bf);
  upload_hashes u;
  json_t *matches, *allowed;
  uint64_t version;
  if (lookup_upload(c, f.data, f.size, &bf, &u, &matches, &allowed, &version, rs) == 0) {
    int was_allowed = allowed != NULL;
    json_decref(allowed); /* HMA has no allow-lists: the matches are just not there */
    if (u.status != HS_OK && json_array_size(matches) == 0 && !video && !was_allowed) {
      json_decref(matches);
      serve_error(rs, upload_http_status(u.status), "upload: %s", u.error);
    } else {
      /* A photo answers for "pdq" (and its exact digests with it); a
       * video for "video_md5" (its digests and frames near image entries)
       * and "vpdq" (video entries by vPDQ's rule). */
      json_t *o = json_object();
      json_object_set_new(o, video ? "video_md5" : "pdq", by_bank(matches, 0));
      if (video)
        json_object_set_new(o, "vpdq", by_bank(matches, 1));
      json_decref(matches);
      serve_json(rs, 200, o);
    }
    upload_free(&u);
  }
  free(copy);
}

static json_t *type_status(const serve_view *v, int pdq) {
  json_t *o = json_object();
  size_t n = 0;
  if (v)
    n = pdq ? view_pdq_count(v)
            : (v->base ? v->base->nmd5 : 0) + (v->delta ? v->delta->nmd5 : 0);
  json_object_set_new(o, "built_to", json_integer(v ? (json_int_t)v->version_time : -1));
  json_object_set_new(o, "present", json_boolean(v != NULL));
  json_object_set_new(o, "size", json_integer((json_int_t)n));
  /* hashsweep's own: the index version the matcher answers for */
  json_object_set_new(o, "index_version", json_integer(v ? (json_int_t)v->version : 0));
  return o;
}

void hma_index_status(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  const char *only = arg(rq, "signal_type");
  if (only && !signal_type(only)) {
    serve_error(rs, 400, "No such signal type '%.40s'", only);
    return;
  }
  serve_view *v = live_view(&c->live);
  json_t *o = json_object();
  if (!only || strcmp(only, "pdq") == 0)
    json_object_set_new(o, "pdq", type_status(v, 1));
  if (!only || strcmp(only, "video_md5") == 0)
    json_object_set_new(o, "video_md5", type_status(v, 0));
  view_release(v);
  serve_json(rs, 200, o);
}

void hma_hash_get(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  (void)c;
  /* Fetching a URL given by a client would let any client make this host
   * send requests anywhere (SSRF); uploads are POSTed instead. */
  serve_error(rs, 400, arg(rq, "url") ? "url fetching is not supported: POST the file "
                                        "(multipart photo or video) instead"
                                      : "url is required");
}

void hma_hash_post(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  multipart_file f;
  int video;
  if (form_file(rq, &f, &video, rs) != 0)
    return;
  upload_hashes u;
  json_t *o = json_object();
  char hex[65];
  if (video) {
    /* video_md5 needs no decoding */
    uint8_t sha[32], md5[16];
    hs_digest_md5_sha256(f.data, f.size, md5, sha);
    hs_bytes_to_hex(md5, 16, hex);
    json_object_set_new(o, "video_md5", json_string(hex));
    serve_json(rs, 200, o);
    return;
  }
  if (upload_hash(c, f.data, f.size, &u) != HS_OK) {
    json_decref(o);
    upload_busy(c, rs);
    return;
  }
  if (u.kind != UPLOAD_IMAGE) {
    json_decref(o);
    serve_error(rs, u.status == HS_OK ? 422 : upload_http_status(u.status), "upload: %s",
                u.status == HS_OK ? "not an image" : u.error);
  } else {
    hs_hash256_to_hex(&u.pdq.hash[HS_DIH_ORIG], hex);
    json_object_set_new(o, "pdq", json_string(hex));
    serve_json(rs, 200, o);
  }
  upload_free(&u);
}
