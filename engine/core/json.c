/* core/json.c - JSON string output for the JSONL sinks. */
#include <stdio.h>
#include <string.h>

#include "core/textsafe.h"
#include "hashsweep/core.h"

/* Paths are bytes, JSON is Unicode. Valid UTF-8 passes through; each byte
 * of an invalid sequence becomes the lone surrogate \udcXX, the same
 * "surrogateescape" convention Python's os.fsdecode uses, so a consumer
 * gets the exact bytes back with os.fsencode(). */
void hs_json_write_string(FILE *f, const char *str) {
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  fputc('"', f);
  while (*s) {
    unsigned c = *s;
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc((int)c, f);
      s++;
    } else if (c < 0x20) {
      switch (c) {
      case '\n': fputs("\\n", f); break;
      case '\r': fputs("\\r", f); break;
      case '\t': fputs("\\t", f); break;
      default: fprintf(f, "\\u%04x", c); break;
      }
      s++;
    } else if (c < 0x80) {
      fputc((int)c, f);
      s++;
    } else {
      int n = text_utf8_len(s, NULL);
      if (n == 0) {
        fprintf(f, "\\udc%02x", c);
        s++;
      } else {
        fwrite(s, 1, (size_t)n, f);
        s += n;
      }
    }
  }
  fputc('"', f);
}
