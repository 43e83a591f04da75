/* image/fast_policy.h - internal: how far FAST mode shrinks on load.
 *
 * JPEG DCT scaling decodes at 1/2, 1/4 or 1/8 for a fraction of the cost of a
 * full decode, but the hash moves: measured on the Debian photo corpus
 * against full resolution (bench/RESULTS.md), 1/2 stays within 10 bits
 * while 1/4 reaches 18 and 1/8 46, which would break matching at 31. The
 * policy is therefore 1/2 at most, and only for large images: on the same
 * photos downscaled to a shorter side of 1024-1400 px and re-encoded, 1/2
 * reached 12-22 bits, while from 1500 px up every set stayed within 10
 * (bench/shrink_policy.sh, bench/RESULTS.md). */
#ifndef HS_IMAGE_FAST_POLICY_H
#define HS_IMAGE_FAST_POLICY_H

/* Shorter side, in pixels, below which FAST decodes at full resolution. */
#define FAST_MIN_SIDE_FOR_SHRINK 1500

static inline int fast_policy_jpeg_shrink(int width, int height) {
  int side = width < height ? width : height;
  return side >= FAST_MIN_SIDE_FOR_SHRINK ? 2 : 1;
}

#endif
