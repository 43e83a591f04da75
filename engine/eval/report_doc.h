/* eval/report_doc.h - internal: the audit report's Markdown and HTML,
 * written together so both always say the same (report_doc.c). */
#ifndef HS_EVAL_REPORT_DOC_H
#define HS_EVAL_REPORT_DOC_H

#include <stdio.h>

#include "hashsweep/core.h"

/* Markdown and HTML written together, so both always say the same. */
typedef struct doc {
  FILE *md, *html;
} doc;

void doc_heading(doc *o, int level, const char *text);
void doc_para(doc *o, const char *fmt, ...) HS_PRINTF(2, 3);
void doc_table_row(doc *o, const char *const *cells, int n, int header);
void doc_table_start(doc *o, const char *const *headers, int n);
void doc_table_end(doc *o);
void doc_image(doc *o, const char *file, const char *alt);
/* A two-cell row: setting, value. */
void doc_kv(doc *o, const char *k, const char *v);

#endif
