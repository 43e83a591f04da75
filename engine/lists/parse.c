/* lists/parse.c - hash lists from files and streams: each read to its end
 * (the audit log keeps its SHA-256 and size), its shape decided from the
 * first record, every record handed to detect.c / jsonl.c. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "lists/internal.h"

/* ---- files -------------------------------------------------------------------------- */

static hs_status open_input(fctx *c, const char *path) {
  if (strcmp(path, "-") == 0) {
    c->f = stdin;
    c->name = "<stdin>";
    return HS_OK;
  }
  c->f = fopen(path, "rb");
  c->name = path;
  if (!c->f)
    return error_set(errno == ENOENT ? HS_ERR_NOT_FOUND : HS_ERR_IO, "%s: %s", path,
                     strerror(errno));
  return HS_OK;
}

static void close_input(fctx *c) {
  if (c->f && c->f != stdin && !c->borrowed)
    fclose(c->f);
  EVP_MD_CTX_free(c->md);
  line_buf_free(&c->lb);
  rec_writer_free(&c->rec);
  rec_writer_free(&c->fieldbuf);
  free(c->fields);
  rec_writer_free(&c->jsontext);
  rec_writer_free(&c->jsonval);
  free(c->jm);
  free(c->d.kv);
  free(c->vid.f);
  for (size_t k = 0; k < c->ncols; k++)
    free(c->colnames[k]);
  free(c->colnames);
  free(c->roles);
  free(c->role_type);
}

static hs_status add_file_record(import_parser *p, fctx *c, const char *path) {
  hs_log_file *files = realloc(p->files, (p->nfiles + 1) * sizeof *files);
  if (!files)
    return error_set(HS_ERR_NOMEM, "out of memory");
  p->files = files;
  hs_log_file *lf = &files[p->nfiles];
  memset(lf, 0, sizeof *lf);
  unsigned len = 0;
  if (EVP_DigestFinal_ex(c->md, lf->sha256, &len) != 1 || len != 32)
    return error_set(HS_ERR_INTERNAL, "%s: SHA-256 failed", path);
  lf->bytes = c->bytes;
  if (!(lf->name = strdup(path)))
    return error_set(HS_ERR_NOMEM, "out of memory");
  p->nfiles++;
  return HS_OK;
}

int list_read_rest(fctx *c, rec_writer *w, size_t cap) {
  char chunk[16384];
  size_t n;
  int over = 0;
  while ((n = fread(chunk, 1, sizeof chunk, c->f)) > 0) {
    EVP_DigestUpdate(c->md, chunk, n);
    c->bytes += n;
    if (w && !over && w->len + n <= cap)
      rec_put_bytes(w, chunk, n);
    else
      over = 1;
  }
  if (ferror(c->f) || (w && w->failed))
    return -1;
  return w && over;
}

/* Reads the rest of the input into the digest; 0, or -1 on a read error. */
static int drain(fctx *c) { return list_read_rest(c, NULL, 0) < 0 ? -1 : 0; }

/* A file that is one pytx vPDQ signal (a JSON array): one video row. */
static int video_document(fctx *c, span rec) {
  rec_writer text = {0};
  rec_put_bytes(&text, rec.s, rec.n);
  rec_put_u8(&text, '\n');
  int r = list_read_rest(c, &text, LIST_MAX_DOCUMENT);
  if (r < 0 || text.failed) {
    rec_writer_free(&text);
    return -1;
  }
  if (r > 0) {
    list_report(c, "JSON document longer than %u bytes; refused whole", LIST_MAX_DOCUMENT);
  } else {
    draft_reset(&c->d);
    draft_set(c, R_TYPED_HASH, HS_HASH_VPDQ, "", (span){(const char *)text.buf, text.len});
    if (!(c->p->default_label && *c->p->default_label)) {
      const char *b = list_basename(c->name);
      draft_set(c, R_LABEL, -1, "label", (span){b, strlen(b)});
    }
    list_finish_record(c);
  }
  rec_writer_free(&text);
  return 0;
}

/* Reads c->f (opened by the caller) to its end. */
static hs_status parse_input(import_parser *p, fctx *c, const char *path) {
  c->md = EVP_MD_CTX_new();
  hs_status s = HS_OK;
  if (!c->md || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1)
    s = error_set(HS_ERR_INTERNAL, "%s: cannot start SHA-256", c->name);
  span rec;
  int r = 0, first = 1;
  uint64_t rejected = p->rejected;
  while (s == HS_OK && (r = list_next_record(c, &rec)) > 0) {
    if (p->stop_at_problem && p->rejected > rejected) {
      p->stopped = 1;
      break;
    }
    if (r == 2) {
      list_report(c, "a quoted field is not closed by the end of the file or within %d lines",
                  MAX_RECORD_LINES);
      r = drain(c);
      break;
    }
    if (r == 3) {
      list_report(c, "record longer than %u bytes (not a hash-list row)", LIST_MAX_RECORD);
      continue;
    }
    if (first) {
      first = 0;
      int header = list_detect(c, rec);
      if (c->mode == MODE_JSONDOC) {
        r = list_json_document(c, rec) < 0 ? -1 : 0;
        break;
      }
      if (c->mode == MODE_VJSON) {
        r = video_document(c, rec);
        break;
      }
      if (header) {
        int h = list_setup_header(c);
        if (h == -1)
          s = error_set(HS_ERR_NOMEM, "out of memory");
        if (h != 0) {
          /* A broken header makes every row meaningless; the rest is
           * still read so the audit log's digest covers the whole file. */
          r = drain(c);
          break;
        }
        continue;
      }
    }
    list_one_record(c, rec);
    if (c->over_limit) {
      s = error_set(HS_ERR_LIMIT,
                    "%s:%u: more than %llu rows; nothing imported (every row is held in memory "
                    "until the list is applied)",
                    c->name, c->rec_line, (unsigned long long)p->max_rows);
      break;
    }
  }
  if (s == HS_OK && r >= 0)
    list_video_file_end(c);
  if (p->stop_at_problem && p->rejected > rejected)
    p->stopped = 1;
  if (s == HS_OK && r < 0)
    s = c->line ? error_set(HS_ERR_IO, "%s: cannot read after line %u: %s", c->name, c->line,
                            strerror(errno))
                : error_set(HS_ERR_IO, "%s: cannot read: %s", c->name, strerror(errno));
  if (s == HS_OK)
    s = add_file_record(p, c, path);
  close_input(c);
  return s;
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory: each regular file in it whose name does not start with '.',
 * in name order (not recursive), one after the other: a folder of .vpdq
 * files is one video entry per file. */
static hs_status parse_directory(import_parser *p, const char *path, DIR *d) {
  char **names = NULL;
  size_t n = 0, cap = 0;
  hs_status s = HS_OK;
  struct dirent *e;
  while (s == HS_OK && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char *full = malloc(strlen(path) + strlen(e->d_name) + 2);
    if (!full || rec_grow(&names, &cap, n, sizeof *names, 16) != 0) {
      free(full);
      s = error_set(HS_ERR_NOMEM, "out of memory");
      break;
    }
    sprintf(full, "%s/%s", path, e->d_name);
    struct stat st;
    if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
      free(full);
      continue;
    }
    names[n++] = full;
  }
  closedir(d);
  if (s == HS_OK && n)
    qsort(names, n, sizeof *names, name_cmp);
  for (size_t i = 0; i < n; i++) {
    if (s == HS_OK)
      s = import_parse_file(p, names[i]);
    free(names[i]);
  }
  free(names);
  return s;
}

hs_status import_parse_file(import_parser *p, const char *path) {
  HS_CHECK(p->nfiles < 65535, HS_ERR_LIMIT, "too many input files");
  DIR *d = strcmp(path, "-") != 0 ? opendir(path) : NULL;
  if (d)
    return parse_directory(p, path, d);
  fctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.file = (uint16_t)p->nfiles;
  HS_TRY(open_input(&c, path));
  return parse_input(p, &c, path);
}

hs_status import_parse_stream(import_parser *p, FILE *f, const char *name) {
  HS_CHECK(p->nfiles < 65535, HS_ERR_LIMIT, "too many input files");
  fctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.file = (uint16_t)p->nfiles;
  c.f = f;
  c.name = name;
  c.borrowed = 1;
  return parse_input(p, &c, name);
}

void import_parser_init(import_parser *p) {
  memset(p, 0, sizeof *p);
  p->forced_type = -1;
}

const import_video *import_video_find(const import_parser *p, const uint8_t id[32]) {
  for (size_t i = 0; i < p->nvideos; i++)
    if (memcmp(p->videos[i].id, id, 32) == 0)
      return &p->videos[i];
  return NULL;
}

void import_parser_free(import_parser *p) {
  free(p->rows);
  rec_writer_free(&p->vframes);
  free(p->videos);
  rec_writer_free(&p->blobs);
  for (size_t i = 0; i < p->nlists; i++)
    free(p->lists[i]);
  free(p->lists);
  for (size_t i = 0; i < p->nfiles; i++)
    free((char *)p->files[i].name);
  free(p->files);
  memset(p, 0, sizeof *p);
}
