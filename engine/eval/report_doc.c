/* eval/report_doc.c - the report's Markdown and HTML, written side by
 * side (eval/report_doc.h). */
#include <stdarg.h>

#include "eval/report_doc.h"

static void doc_html_escaped(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '&')
      fputs("&amp;", f);
    else if (*s == '<')
      fputs("&lt;", f);
    else if (*s == '>')
      fputs("&gt;", f);
    else
      fputc(*s, f);
  }
}

static void doc_md_cell(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '|')
      fputc('\\', f);
    fputc(*s, f);
  }
}

void doc_heading(doc *o, int level, const char *text) {
  fprintf(o->md, "\n%.*s %s\n\n", level, "####", text);
  fprintf(o->html, "<h%d>", level);
  doc_html_escaped(o->html, text);
  fprintf(o->html, "</h%d>\n", level);
}

void doc_para(doc *o, const char *fmt, ...) HS_PRINTF(2, 3);
void doc_para(doc *o, const char *fmt, ...) {
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  fprintf(o->md, "%s\n\n", text);
  fputs("<p>", o->html);
  doc_html_escaped(o->html, text);
  fputs("</p>\n", o->html);
}

void doc_table_row(doc *o, const char *const *cells, int n, int header) {
  fputs("|", o->md);
  fputs("<tr>", o->html);
  for (int i = 0; i < n; i++) {
    fputc(' ', o->md);
    doc_md_cell(o->md, cells[i]);
    fputs(" |", o->md);
    fprintf(o->html, "<t%c>", header ? 'h' : 'd');
    doc_html_escaped(o->html, cells[i]);
    fprintf(o->html, "</t%c>", header ? 'h' : 'd');
  }
  fputs("\n", o->md);
  fputs("</tr>\n", o->html);
  if (header) {
    fputs("|", o->md);
    for (int i = 0; i < n; i++)
      fputs(" --- |", o->md);
    fputs("\n", o->md);
  }
}

void doc_table_start(doc *o, const char *const *headers, int n) {
  fputs("<table>\n", o->html);
  doc_table_row(o, headers, n, 1);
}

void doc_table_end(doc *o) {
  fputs("\n", o->md);
  fputs("</table>\n", o->html);
}

void doc_image(doc *o, const char *file, const char *alt) {
  fprintf(o->md, "![%s](%s)\n\n", alt, file);
  fprintf(o->html, "<p><img src=\"%s\" alt=\"", file);
  doc_html_escaped(o->html, alt);
  fputs("\"></p>\n", o->html);
}

void doc_kv(doc *o, const char *k, const char *v) {
  const char *cells[2] = {k, v};
  doc_table_row(o, cells, 2, 0);
}

