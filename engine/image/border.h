/* image/border.h - internal: added-border detection (unletterbox) on a luma
 * plane, the CPU reference (the rules are in border.c). */
#ifndef HS_IMAGE_BORDER_H
#define HS_IMAGE_BORDER_H

#include "hashsweep/hash.h"

/* The smallest content region kept, on each side, in pixels of the plane
 * searched. */
#define BORDER_MIN_CONTENT 32

/* Looks for bands added around the content of `l`. Returns 1 and the
 * content region in *box when at least one meaningful band was found and
 * the rest is at least BORDER_MIN_CONTENT square; else 0 and the whole
 * plane in *box. Reads only `l`; no allocation. */
int border_detect(const hs_luma *l, hs_content_box *box);

/* A view of `box` inside `l` (same data and stride; nothing copied). */
hs_luma border_crop(const hs_luma *l, const hs_content_box *box);

#endif
