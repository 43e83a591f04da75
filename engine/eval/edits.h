/* eval/edits.h - internal: the edits `hashsweep eval` makes to each
 * original (the alterations abusers make before re-uploading), applied in
 * memory with libvips and encoded to bytes the way a re-upload would be.
 *
 * An edit is one step or a chain of steps, named "step" or "step+step"
 * (e.g. "crop_centre_10+jpeg_q70"). Step names and what they do are in the
 * table of edits.c; edit_default_list() is what eval runs when not told.
 *
 * Why this file includes vips.h (STYLE: only image/decode.c does
 * otherwise): making edited copies is image processing, which libvips
 * already does well and which the engine links anyway; writing resize,
 * rotation, blur and JPEG encoding again would be a second, worse image
 * library. The edits feed the real decode path only as encoded bytes
 * (hs_decode_buffer), so nothing here bypasses the scan's pipeline. */
#ifndef HS_EVAL_EDITS_H
#define HS_EVAL_EDITS_H

#include <stddef.h>
#include <vips/vips.h>

#include "hashsweep/core.h"

#define EDIT_MAX_STEPS 2
#define EDIT_NAME_MAX 64

typedef struct edit_step {
  int op;     /* index into the step table (edits.c) */
  double arg; /* the step's parameter (factor, percent, degrees, quality) */
} edit_step;

typedef struct edit {
  char name[EDIT_NAME_MAX];
  edit_step step[EDIT_MAX_STEPS];
  int nsteps;
  int jpeg_quality; /* quality of the encoded copy; 0: lossless PNG */
} edit;

/* Parses "step" or "step+step". HS_ERR_INVALID_ARG naming the unknown step
 * or a chain that is too long. */
hs_status edit_parse(const char *name, edit *out);

/* The default list: every single step, then the chains. */
size_t edit_default_count(void);
const char *edit_default_name(size_t i);
/* One line saying what an edit does (for a default or a parsed name). */
void edit_describe(const edit *e, char *out, size_t cap);

/* Brings a decoded image to what the edits work on: 8-bit grey or sRGB
 * without alpha (the decoder ignores alpha too), held in memory so that
 * many edits can read it. Returns a new reference, or NULL with libvips'
 * error set. */
VipsImage *edit_prepare(VipsImage *in);

/* Applies the steps of `e` to `in` (as edit_prepare made it). *out gets a
 * new reference. `seed` makes the noise step reproducible. Returns 0, or
 * -1 with libvips' error set. */
int edit_apply(const edit *e, VipsImage *in, unsigned seed, VipsImage **out);

/* Encodes an edited image as the copy's file: JPEG at e->jpeg_quality, or
 * PNG when 0. *data is g_malloc'd (g_free it). Returns 0 or -1. */
int edit_encode(const edit *e, VipsImage *img, void **data, size_t *size);

#endif
