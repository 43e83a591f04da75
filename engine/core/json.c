/* core/json.c - JSON string output for the JSONL sinks. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/textsafe.h"
#include "hashsweep/core.h"

/* Paths are bytes, JSON is Unicode. Valid UTF-8 passes through; each byte
 * of an invalid sequence becomes the lone surrogate \udcXX, the same
 * "surrogateescape" convention Python's os.fsdecode uses, so a consumer
 * gets the exact bytes back with os.fsencode(). One escaper for writing and
 * for measuring (json_string_len), so a limit checked on the measure holds
 * for what is written. */
typedef void (*json_put)(void *user, const char *bytes, size_t n);

static void json_escape(const char *str, json_put put, void *user) {
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  char esc[8];
  put(user, "\"", 1);
  while (*s) {
    unsigned c = *s;
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      put(user, esc, 2);
      s++;
    } else if (c < 0x20) {
      switch (c) {
      case '\n': put(user, "\\n", 2); break;
      case '\r': put(user, "\\r", 2); break;
      case '\t': put(user, "\\t", 2); break;
      default:
        snprintf(esc, sizeof esc, "\\u%04x", c);
        put(user, esc, 6);
        break;
      }
      s++;
    } else if (c < 0x80) {
      const unsigned char *run = s;
      while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
        s++;
      put(user, (const char *)run, (size_t)(s - run));
    } else {
      int n = text_utf8_len(s, NULL);
      if (n == 0) {
        snprintf(esc, sizeof esc, "\\udc%02x", c);
        put(user, esc, 6);
        s++;
      } else {
        put(user, (const char *)s, (size_t)n);
        s += n;
      }
    }
  }
  put(user, "\"", 1);
}

static void put_file(void *user, const char *bytes, size_t n) { fwrite(bytes, 1, n, user); }

static void put_count(void *user, const char *bytes, size_t n) {
  (void)bytes;
  *(size_t *)user += n;
}

void hs_json_write_string(FILE *f, const char *str) { json_escape(str, put_file, f); }

size_t json_string_len(const char *str) {
  size_t n = 0;
  json_escape(str, put_count, &n);
  return n;
}

int json_compact_value(const char *s, size_t n) {
  /* Objects, arrays, numbers, true, false: never a string or null. */
  if (n == 0 || !(s[0] == '{' || s[0] == '[' || s[0] == '-' || (s[0] >= '0' && s[0] <= '9') ||
                  (n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0)))
    return 0;
  json_t *j = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
  if (!j)
    return 0;
  char *again = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  int same = again && strlen(again) == n && memcmp(again, s, n) == 0;
  free(again);
  json_decref(j);
  return same;
}
