/* tests/tools/hs_testimg.c - makes the project's own test and sample
 * images with libvips (no third-party photos anywhere in the repo):
 *
 *   hs-testimg gen OUT --size WxH [--seed N] [--kind photo|flat|checker] [--bands 1|3|4]
 *   hs-testimg gen-many DIR COUNT --size WxH [--seed N]   (DIR/img00000.jpg ...)
 *   hs-testimg edit IN OUT OP   OP: flipx flipy rot90 rot180 rot270 scale:F
 *                                   crop:P (percent off each side) grey blur:SIGMA
 *                                   bright:D (add D to every band)
 *                                   pad:P (black bars above and below, P% of
 *                                   the height each) frame:P (a white frame,
 *                                   P% of the width, on every side)
 *
 * The output format follows OUT's suffix, with libvips save options in
 * brackets, e.g. out.jpg[Q=70]. "photo" images are smooth colour fields
 * (random Gaussian blobs and gradients) plus fine texture, which gives
 * PDQ quality 100 and hashes that behave like those of real photos:
 * unrelated images land near 128 bits apart. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

static uint64_t rng;
static double frand(void) {
  uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static int die(const char *what) {
  fprintf(stderr, "hs-testimg: %s: %s\n", what, vips_error_buffer());
  return 1;
}

static VipsImage *make_photo(int w, int h, int bands, const char *kind) {
  uint8_t *px = malloc((size_t)w * h * bands);
  enum { NBLOB = 14 };
  double bx[NBLOB], by[NBLOB], br[NBLOB], bc[NBLOB][3];
  for (int i = 0; i < NBLOB; i++) {
    bx[i] = frand() * w;
    by[i] = frand() * h;
    br[i] = (0.05 + 0.3 * frand()) * (w > h ? w : h);
    for (int c = 0; c < 3; c++)
      bc[i][c] = frand() * 2 - 1;
  }
  /* Hard-edged shapes (objects) over the smooth field (light, sky). */
  enum { NSHAPE = 24 };
  double sx[NSHAPE], sy[NSHAPE], sw[NSHAPE], sh[NSHAPE], sc[NSHAPE][3];
  int round_shape[NSHAPE];
  for (int i = 0; i < NSHAPE; i++) {
    sx[i] = frand() * w;
    sy[i] = frand() * h;
    sw[i] = (0.02 + 0.12 * frand()) * w;
    sh[i] = (0.02 + 0.12 * frand()) * h;
    round_shape[i] = frand() < 0.5;
    for (int c = 0; c < 3; c++)
      sc[i][c] = frand();
  }
  double gx = frand() * 6.28, gy = frand() * 6.28, fx = 1 + 4 * frand(), fy = 1 + 4 * frand();
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double v[3], wb[NBLOB];
      for (int i = 0; i < NBLOB; i++) {
        double dx = (x - bx[i]) / br[i], dy = (y - by[i]) / br[i];
        wb[i] = 0.35 * exp(-(dx * dx + dy * dy));
      }
      for (int c = 0; c < 3; c++) {
        double s = 0.5 + 0.15 * sin(gx + fx * 6.28 * x / w + c) * cos(gy + fy * 6.28 * y / h);
        for (int i = 0; i < NBLOB; i++)
          s += bc[i][c] * wb[i];
        for (int i = 0; i < NSHAPE; i++) {
          double dx = (x - sx[i]) / sw[i], dy = (y - sy[i]) / sh[i];
          int inside = round_shape[i] ? dx * dx + dy * dy < 1 : fabs(dx) < 1 && fabs(dy) < 1;
          if (inside)
            s = 0.3 * s + 0.7 * sc[i][c] + 0.08 * sin((x + y) * 0.5 * (1 + i % 3));
        }
        s += 0.03 * (frand() - 0.5);
        v[c] = s;
      }
      if (strcmp(kind, "flat") == 0)
        v[0] = v[1] = v[2] = 0.4;
      else if (strcmp(kind, "checker") == 0)
        v[0] = v[1] = v[2] = ((x / 16 + y / 16) & 1) ? 0.9 : 0.1;
      for (int c = 0; c < bands; c++) {
        double t = c < 3 ? v[c] : 1.0 - 0.5 * (x < w / 2); /* alpha: half transparent */
        if (bands == 1)
          t = 0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2];
        int q = (int)lrint(t * 255);
        px[((size_t)y * w + x) * bands + c] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
      }
    }
  VipsImage *img = vips_image_new_from_memory_copy(px, (size_t)w * h * bands, w, h, bands,
                                                   VIPS_FORMAT_UCHAR);
  free(px);
  if (img && bands <= 2)
    img->Type = VIPS_INTERPRETATION_B_W;
  else if (img)
    img->Type = VIPS_INTERPRETATION_sRGB;
  return img;
}

static int gen(int argc, char **argv) {
  if (argc < 1)
    return fprintf(stderr, "hs-testimg gen OUT --size WxH ...\n"), 2;
  const char *out = argv[0], *kind = "photo";
  int w = 640, h = 480, bands = 3;
  rng = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--size"))
      sscanf(argv[i + 1], "%dx%d", &w, &h);
    else if (!strcmp(argv[i], "--seed"))
      rng = strtoull(argv[i + 1], NULL, 10) * 7919 + 1;
    else if (!strcmp(argv[i], "--kind"))
      kind = argv[i + 1];
    else if (!strcmp(argv[i], "--bands"))
      bands = atoi(argv[i + 1]);
  }
  VipsImage *img = make_photo(w, h, bands, kind);
  if (!img || vips_image_write_to_file(img, out, NULL))
    return die(out);
  g_object_unref(img);
  return 0;
}

static int edit(int argc, char **argv) {
  if (argc < 3)
    return fprintf(stderr, "hs-testimg edit IN OUT OP\n"), 2;
  const char *in = argv[0], *out = argv[1], *op = argv[2];
  VipsImage *img = vips_image_new_from_file(in, NULL), *res = NULL;
  if (!img)
    return die(in);
  int rc;
  double arg = strchr(op, ':') ? atof(strchr(op, ':') + 1) : 0;
  if (!strcmp(op, "flipx"))
    rc = vips_flip(img, &res, VIPS_DIRECTION_VERTICAL, NULL);
  else if (!strcmp(op, "flipy"))
    rc = vips_flip(img, &res, VIPS_DIRECTION_HORIZONTAL, NULL);
  else if (!strcmp(op, "rot90"))
    rc = vips_rot(img, &res, VIPS_ANGLE_D270, NULL); /* counter-clockwise */
  else if (!strcmp(op, "rot180"))
    rc = vips_rot(img, &res, VIPS_ANGLE_D180, NULL);
  else if (!strcmp(op, "rot270"))
    rc = vips_rot(img, &res, VIPS_ANGLE_D90, NULL);
  else if (!strncmp(op, "scale:", 6))
    rc = vips_resize(img, &res, arg, NULL);
  else if (!strncmp(op, "crop:", 5)) {
    int dx = (int)(img->Xsize * arg / 100), dy = (int)(img->Ysize * arg / 100);
    rc = vips_crop(img, &res, dx, dy, img->Xsize - 2 * dx, img->Ysize - 2 * dy, NULL);
  } else if (!strcmp(op, "grey"))
    rc = vips_colourspace(img, &res, VIPS_INTERPRETATION_B_W, NULL);
  else if (!strncmp(op, "blur:", 5))
    rc = vips_gaussblur(img, &res, arg, NULL);
  else if (!strncmp(op, "bright:", 7)) {
    VipsImage *t = NULL;
    rc = vips_linear1(img, &t, 1.0, arg, NULL) || vips_cast_uchar(t, &res, NULL);
    if (t)
      g_object_unref(t);
  } else if (!strncmp(op, "pad:", 4)) {
    int bar = (int)(img->Ysize * arg / 100);
    rc = vips_embed(img, &res, 0, bar, img->Xsize, img->Ysize + 2 * bar, "extend",
                    VIPS_EXTEND_BLACK, NULL);
  } else if (!strncmp(op, "frame:", 6)) {
    int f = (int)(img->Xsize * arg / 100);
    rc = vips_embed(img, &res, f, f, img->Xsize + 2 * f, img->Ysize + 2 * f, "extend",
                    VIPS_EXTEND_WHITE, NULL);
  } else if (!strcmp(op, "copy"))
    rc = vips_copy(img, &res, NULL);
  else
    return fprintf(stderr, "hs-testimg: unknown edit %s\n", op), 2;
  if (rc || vips_image_write_to_file(res, out, NULL))
    return die(out);
  g_object_unref(res);
  g_object_unref(img);
  return 0;
}

/* A photo-like image built from libvips operations (fast at any size): a
 * smooth colour field (a tiny random image upscaled) and hard-edged
 * shapes. */
static VipsImage *make_photo_fast(int w, int h) {
  uint8_t tiny[8 * 6 * 3];
  for (size_t i = 0; i < sizeof tiny; i++)
    tiny[i] = (uint8_t)(frand() * 255);
  VipsImage *t = vips_image_new_from_memory_copy(tiny, sizeof tiny, 8, 6, 3, VIPS_FORMAT_UCHAR);
  VipsImage *big = NULL, *mem = NULL, *out = NULL;
  if (!t || vips_resize(t, &big, w / 8.0, "vscale", h / 6.0, "kernel", VIPS_KERNEL_CUBIC, NULL) ||
      !(mem = vips_image_copy_memory(big)))
    return NULL;
  for (int i = 0; i < 24; i++) {
    double ink[3] = {frand() * 255, frand() * 255, frand() * 255};
    int x = (int)(frand() * w), y = (int)(frand() * h);
    int sw = (int)((0.02 + 0.12 * frand()) * w) + 2, sh = (int)((0.02 + 0.12 * frand()) * h) + 2;
    if (frand() < 0.5)
      vips_draw_rect(mem, ink, 3, x - sw, y - sh, 2 * sw, 2 * sh, "fill", TRUE, NULL);
    else
      vips_draw_circle(mem, ink, 3, x, y, sw, "fill", TRUE, NULL);
  }
  if (vips_cast_uchar(mem, &out, NULL))
    out = NULL;
  g_object_unref(t);
  g_object_unref(big);
  g_object_unref(mem);
  if (out)
    out->Type = VIPS_INTERPRETATION_sRGB;
  return out;
}

/* Many photos in one process (a process per image costs more than the
 * image): DIR/img%05d.jpg with seeds seed, seed+1, ... */
static int gen_many(int argc, char **argv) {
  if (argc < 2)
    return fprintf(stderr, "hs-testimg gen-many DIR COUNT --size WxH [--seed N]\n"), 2;
  const char *dir = argv[0];
  int count = atoi(argv[1]), w = 320, h = 240;
  unsigned long long seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--size"))
      sscanf(argv[i + 1], "%dx%d", &w, &h);
    else if (!strcmp(argv[i], "--seed"))
      seed = strtoull(argv[i + 1], NULL, 10);
  }
  for (int k = 0; k < count; k++) {
    rng = (seed + (unsigned long long)k) * 7919 + 1;
    char out[4096];
    snprintf(out, sizeof out, "%s/img%05d.jpg", dir, k);
    VipsImage *img = make_photo_fast(w, h);
    if (!img || vips_image_write_to_file(img, out, NULL))
      return die(out);
    g_object_unref(img);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (VIPS_INIT(argv[0]))
    return die("init");
  if (argc >= 2 && !strcmp(argv[1], "gen"))
    return gen(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "gen-many"))
    return gen_many(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "edit"))
    return edit(argc - 2, argv + 2);
  fprintf(stderr, "usage: hs-testimg gen OUT --size WxH [--seed N] [--kind photo|flat|checker] "
                  "[--bands 1|3|4]\n       hs-testimg edit IN OUT OP\n");
  return 2;
}
