/* image/decode.h - internal: what other stages may ask of the image
 * decoder without including vips.h. */
#ifndef HS_IMAGE_DECODE_H
#define HS_IMAGE_DECODE_H

#include <stddef.h>

/* 1 when libvips would load these first bytes with one of the trusted
 * loaders (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF), else 0. The video
 * sniffer asks first, so a HEIF image (an ISO-BMFF file, as MP4 is) stays
 * an image. */
int decode_is_trusted_image(const void *data, size_t size);

#endif
