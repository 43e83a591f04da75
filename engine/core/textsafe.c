/* core/textsafe.c - writing text that came from outside (file names, list
 * names, labels, error messages quoting them) into line-oriented outputs
 * and onto a terminal, so that it can never add a row or a column, nor
 * send a control sequence to the terminal or a formula to a spreadsheet.
 *
 * One escape language serves every output (docs/security.md, "Outputs that cannot be forged"):
 *   \\  a backslash (fields only: see hs_term_write_string)
 *   \t \n \r       tab, line feed, carriage return
 *   \xHH           any other C0 control byte, DEL, or a byte that is not
 *                  part of valid UTF-8
 *   \uHHHH         a C1 control (U+0080..U+009F), the line and paragraph
 *                  separators U+2028/U+2029, and the bidirectional
 *                  controls (U+200E/F, U+202A..E, U+2066..9), which would
 *                  let a name display as another (a "gpj.exe" trick)
 * Everything else (printable ASCII, valid UTF-8) is written as it is. */
#include "core/textsafe.h"

#include <string.h>

#include "hashsweep/core.h"

int text_utf8_len(const unsigned char *s, unsigned *cp) {
  unsigned c = s[0];
  if (c < 0x80) {
    if (cp)
      *cp = c;
    return 1;
  }
  int n;
  unsigned min;
  if ((c & 0xE0) == 0xC0) {
    n = 2, min = 0x80, c &= 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, min = 0x800, c &= 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, c &= 0x07;
  } else {
    return 0;
  }
  /* A NUL ends the string before the sequence does: (0 & 0xC0) != 0x80. */
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    c = c << 6 | (s[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  if (cp)
    *cp = c;
  return n;
}

/* Code points that are valid UTF-8 yet act as controls when displayed. */
static int is_display_control(unsigned cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0x200E ||
         cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

enum {
  ESC_BACKSLASH = 1, /* "\" becomes "\\": the escapes can be undone exactly */
  ESC_DQUOTE = 2     /* '"' becomes '""' (inside a quoted CSV field) */
};

static void write_escaped(FILE *f, const char *str, unsigned flags) {
  const unsigned char *s = (const unsigned char *)str;
  while (*s) {
    unsigned c = *s, cp = 0;
    if (c == '\\' && (flags & ESC_BACKSLASH)) {
      fputs("\\\\", f);
    } else if (c == '"' && (flags & ESC_DQUOTE)) {
      fputs("\"\"", f);
    } else if (c == '\t') {
      fputs("\\t", f);
    } else if (c == '\n') {
      fputs("\\n", f);
    } else if (c == '\r') {
      fputs("\\r", f);
    } else if (c < 0x20 || c == 0x7F) {
      fprintf(f, "\\x%02x", c);
    } else if (c >= 0x80) {
      int n = text_utf8_len(s, &cp);
      if (n == 0) {
        fprintf(f, "\\x%02x", c);
      } else {
        if (is_display_control(cp))
          fprintf(f, "\\u%04x", cp);
        else
          fwrite(s, 1, (size_t)n, f);
        s += n;
        continue;
      }
    } else {
      fputc((int)c, f);
    }
    s++;
  }
}

void hs_tsv_write_field(FILE *f, const char *s) {
  if (s)
    write_escaped(f, s, ESC_BACKSLASH);
}

/* OWASP's advice against CSV injection: a cell a spreadsheet would read as
 * a formula (it starts with = + - @, a tab or a carriage return) gets a
 * leading apostrophe and quotes, so it is shown as the text it is. */
static int csv_formula_start(const char *s) {
  return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

void hs_csv_write_field(FILE *f, const char *s) {
  if (!s || !*s)
    return;
  int formula = csv_formula_start(s);
  /* After escaping there is no line break left; a comma, a quote or
   * spaces at either end (trimmed by some readers) still need quotes. */
  size_t n = strlen(s);
  int quote = formula || strpbrk(s, ",\"") != NULL || s[0] == ' ' || s[n - 1] == ' ';
  if (!quote) {
    write_escaped(f, s, ESC_BACKSLASH);
    return;
  }
  fputc('"', f);
  if (formula)
    fputc('\'', f);
  write_escaped(f, s, ESC_BACKSLASH | ESC_DQUOTE);
  fputc('"', f);
}

void hs_term_write_string(FILE *f, const char *s) {
  if (s)
    write_escaped(f, s, 0);
}
