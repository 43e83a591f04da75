/* serve/multipart.c - one file part of a multipart/form-data body. */
#include "serve/multipart.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"

/* RFC 2046: 1 to 70 characters. */
#define BOUNDARY_MAX 70

static hs_status boundary_of(const char *ct, char *out, size_t *len) {
  if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
    return error_set(HS_ERR_FORMAT, "the body is not multipart/form-data");
  const char *b = strcasestr(ct, "boundary=");
  if (!b)
    return error_set(HS_ERR_FORMAT, "multipart/form-data without a boundary");
  b += 9;
  int quoted = *b == '"';
  b += quoted;
  size_t n = 0;
  while (b[n] && n <= BOUNDARY_MAX && (quoted ? b[n] != '"' : (b[n] != ';' && b[n] != ' ')))
    n++;
  if (n == 0 || n > BOUNDARY_MAX)
    return error_set(HS_ERR_FORMAT, "multipart boundary of a bad length");
  out[0] = '-';
  out[1] = '-';
  memcpy(out + 2, b, n);
  *len = n + 2;
  return HS_OK;
}

/* The value of name="..." in the part's headers [h, end). */
static hs_status part_name(const char *h, const char *end, char *out, size_t cap) {
  const char *cd = NULL;
  for (const char *line = h; line < end;) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    if (!eol)
      eol = end;
    if ((size_t)(eol - line) > 20 && strncasecmp(line, "content-disposition:", 20) == 0)
      cd = line;
    if (cd)
      break;
    line = eol + 1;
  }
  if (!cd)
    return error_set(HS_ERR_FORMAT, "a multipart part without Content-Disposition");
  const char *eol = memchr(cd, '\n', (size_t)(end - cd));
  if (!eol)
    eol = end;
  /* " name=" or ";name=", not "filename=" */
  for (const char *p = cd + 20; p + 6 <= eol; p++)
    if (strncasecmp(p, "name=\"", 6) == 0 && (p[-1] == ' ' || p[-1] == ';')) {
      p += 6;
      size_t n = 0;
      while (p + n < eol && p[n] != '"')
        n++;
      if (p + n >= eol || n == 0)
        break;
      if (n >= cap)
        n = cap - 1;
      memcpy(out, p, n);
      out[n] = '\0';
      return HS_OK;
    }
  return error_set(HS_ERR_FORMAT, "a multipart part without a form field name");
}

static const uint8_t *find(const uint8_t *hay, size_t n, const char *needle, size_t m) {
  return m <= n ? memmem(hay, n, needle, m) : NULL;
}

hs_status multipart_single(const char *content_type, const uint8_t *body, size_t len,
                           multipart_file *out) {
  char delim[BOUNDARY_MAX + 5]; /* "\r\n--" + boundary */
  size_t dlen = 0;
  delim[0] = '\r';
  delim[1] = '\n';
  HS_TRY(boundary_of(content_type, delim + 2, &dlen));
  /* The first delimiter may open the body without the CRLF before it. */
  const uint8_t *p = find(body, len, delim + 2, dlen);
  if (!p || (p != body && (p < body + 2 || p[-1] != '\n')))
    return error_set(HS_ERR_FORMAT, "multipart body without its opening boundary");
  const uint8_t *end = body + len;
  int parts = 0;
  memset(out, 0, sizeof *out);
  for (p += dlen;;) {
    if (end - p >= 2 && p[0] == '-' && p[1] == '-')
      break; /* the closing delimiter */
    const uint8_t *hdr = find(p, (size_t)(end - p), "\r\n", 2);
    if (!hdr)
      return error_set(HS_ERR_FORMAT, "multipart body ends inside a boundary line");
    hdr += 2;
    const uint8_t *hend = find(hdr, (size_t)(end - hdr), "\r\n\r\n", 4);
    if (!hend)
      return error_set(HS_ERR_FORMAT, "a multipart part without the end of its headers");
    const uint8_t *data = hend + 4;
    const uint8_t *next = find(data, (size_t)(end - data), delim, dlen + 2);
    if (!next)
      return error_set(HS_ERR_FORMAT, "multipart body without its closing boundary");
    if (++parts > 1)
      return error_set(HS_ERR_FORMAT, "only one file is allowed per request");
    HS_TRY(part_name((const char *)hdr, (const char *)hend + 2, out->name, sizeof out->name));
    out->data = data;
    out->size = (size_t)(next - data);
    p = next + dlen + 2;
  }
  if (parts == 0)
    return error_set(HS_ERR_FORMAT, "multipart body without a part");
  return HS_OK;
}
