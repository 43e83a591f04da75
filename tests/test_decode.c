// labels: unit
/* tests/test_decode.c - reading and decoding (image/decode.c): each trusted
 * format gives the pixels that were written, 16-bit and alpha as the
 * reference treats them, EXIF orientation on request, FAST's JPEG
 * shrink-on-load; the size and pixel limits; corrupt, truncated, empty
 * and foreign files, directories, FIFOs and over-long paths; blocked
 * loaders (SVG, PDF, ImageMagick, JPEG 2000, Radiance); digests. Images
 * are made here with libvips from known pixels. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#include "test_util.h"

#define W 64
#define H 48

static char *dir;
static hs_workspace *ws;
static hs_decode_options opts;
static hs_luma luma;
static hs_image_info info;

static void setup(void) {
  ck_assert_int_eq(hs_init(NULL), HS_OK);
  dir = tu_mkdtemp();
  ws = hs_workspace_create();
  hs_decode_options_default(&opts);
}

static void teardown(void) {
  hs_workspace_destroy(ws);
  tu_rmtree(dir);
  free(dir);
}

static unsigned char ramp(int x, int y) { return (unsigned char)((x * 4 + y * 5) % 256); }

/* A W x H image of `bands` bands (1 grey, 3 RGB, 4 RGBA) holding the ramp
 * in every colour band (alpha: 0 on the left half, 255 on the right). */
static VipsImage *ramp_image(int bands, int w, int h) {
  unsigned char *px = malloc((size_t)w * h * bands);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int b = 0; b < bands; b++)
        px[((size_t)y * w + x) * bands + b] =
            b == 3 ? (x < w / 2 ? 0 : 255) : (unsigned char)(ramp(x, y) + 7 * b);
  VipsImage *img = vips_image_new_from_memory_copy(px, (size_t)w * h * bands, w, h, bands,
                                                   VIPS_FORMAT_UCHAR);
  free(px);
  ck_assert_ptr_nonnull(img);
  if (bands >= 3)
    img->Type = VIPS_INTERPRETATION_sRGB;
  return img;
}

/* Writes img to dir/name (libvips picks the saver from the suffix and
 * its [options]); returns the path without the options. */
static char *save(VipsImage *img, const char *name) {
  char *path = tu_path(dir, name);
  ck_assert_msg(vips_image_write_to_file(img, path, NULL) == 0, "%s: %s", name, vips_error_buffer());
  char *opt = strchr(path, '[');
  if (opt)
    *opt = '\0';
  return path;
}

static char *save_ramp(int bands, const char *name) {
  VipsImage *img = ramp_image(bands, W, H);
  char *path = save(img, name);
  g_object_unref(img);
  return path;
}

static char *write_bytes(const char *name, const void *data, size_t n) {
  char *path = tu_path(dir, name);
  ck_assert_int_eq(tu_write_file(path, data, n), 0);
  return path;
}

static hs_status decode(const char *path) { return hs_decode_file(path, &opts, ws, &luma, &info); }

/* Largest |luma - ramp| over the plane (grey: the ramp itself). */
static double max_diff_from_ramp(void) {
  double worst = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      double d = fabs(luma.data[(size_t)y * luma.stride + x] - ramp(x, y));
      worst = d > worst ? d : worst;
    }
  return worst;
}

static void expect_error(hs_status got, hs_status want, const char *path, const char *cause) {
  ck_assert_msg(got == want, "%s: got %s, want %s (%s)", path, hs_strerror(got), hs_strerror(want),
                hs_last_error());
  ck_assert_msg(strncmp(hs_last_error(), path, strlen(path)) == 0, "'%s' does not start with %s",
                hs_last_error(), path);
  ck_assert_msg(strstr(hs_last_error(), cause), "'%s' lacks '%s'", hs_last_error(), cause);
  ck_assert_ptr_null(strchr(hs_last_error(), '\n'));
}

/* ---- formats ----------------------------------------------------------------- */

static const struct {
  const char *file; /* name[saver options] */
  int bands;
  const char *format;
  double tolerance; /* largest luma error allowed: 0 for lossless grey */
} formats[] = {
    {"grey.png", 1, "png", 0},
    {"grey.tif", 1, "tiff", 0},
    {"grey.webp[lossless]", 1, "webp", 0.001}, /* stored as RGB: float luma sum */
    {"grey.gif", 1, "gif", 1}, /* the palette may merge neighbouring levels */
    {"grey.jpg[Q=100]", 1, "jpeg", 3},
    {"grey.heic[Q=100]", 1, "heif", 6},
};

START_TEST(formats_give_their_pixels) {
  char *path = save_ramp(formats[_i].bands, formats[_i].file);
  ck_assert_msg(decode(path) == HS_OK, "%s", hs_last_error());
  ck_assert_str_eq(info.format, formats[_i].format);
  ck_assert_int_eq(info.width, W);
  ck_assert_int_eq(info.height, H);
  ck_assert_int_eq(luma.width, W);
  ck_assert_int_eq(luma.height, H);
  ck_assert_int_eq(info.shrink, 1);
  double d = max_diff_from_ramp();
  ck_assert_msg(d <= formats[_i].tolerance, "%s: luma off by %.4f", formats[_i].file, d);
  /* Size and time are those of the bytes read. */
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq(info.file_bytes, (uint64_t)st.st_size);
  ck_assert_int_eq(info.mtime_ns, (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
  free(path);
}
END_TEST

/* RGB luma is 0.299 R + 0.587 G + 0.114 B; alpha is ignored (the RGB
 * under a transparent pixel is hashed as it is, as the reference does). */
START_TEST(rgb_and_alpha) {
  char *rgb = save_ramp(3, "rgb.png"), *rgba = save_ramp(4, "rgba.png");
  ck_assert_int_eq(decode(rgb), HS_OK);
  ck_assert_int_eq(info.bands, 3);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      double r = ramp(x, y), g = (unsigned char)(r + 7), b = (unsigned char)(r + 14);
      double want = 0.299 * r + 0.587 * g + 0.114 * b;
      ck_assert_double_eq_tol(luma.data[(size_t)y * luma.stride + x], want, 0.01);
    }
  float *first = malloc(sizeof(float) * W * H);
  memcpy(first, luma.data, sizeof(float) * W * H);
  ck_assert_int_eq(decode(rgba), HS_OK);
  ck_assert_int_eq(info.bands, 4);
  ck_assert_int_eq(memcmp(first, luma.data, sizeof(float) * W * H), 0);
  free(first);
  free(rgb);
  free(rgba);
}
END_TEST

/* 16-bit samples are taken as v >> 8, as the reference does. */
START_TEST(sixteen_bit_png) {
  unsigned short *px = malloc(sizeof *px * W * H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      px[y * W + x] = (unsigned short)(ramp(x, y) * 256 + (x % 2 ? 255 : 0));
  VipsImage *img = vips_image_new_from_memory_copy(px, sizeof *px * W * H, W, H, 1,
                                                   VIPS_FORMAT_USHORT);
  free(px);
  img->Type = VIPS_INTERPRETATION_GREY16;
  char *path = save(img, "deep.png");
  g_object_unref(img);
  ck_assert_int_eq(decode(path), HS_OK);
  ck_assert_double_eq(max_diff_from_ramp(), 0);
  free(path);
}
END_TEST

START_TEST(exif_orientation_on_request) {
  VipsImage *img = ramp_image(1, W, H), *copy;
  ck_assert_int_eq(vips_copy(img, &copy, NULL), 0);
  vips_image_set_int(copy, "orientation", 6);
  char *path = save(copy, "turned.jpg[Q=100]");
  g_object_unref(copy);
  g_object_unref(img);
  ck_assert_int_eq(decode(path), HS_OK);
  ck_assert_int_eq(info.orientation, 6);
  ck_assert_int_eq(luma.width, W); /* ignored by default, as the reference */
  ck_assert_int_eq(luma.height, H);
  opts.exif_rotate = 1;
  ck_assert_int_eq(decode(path), HS_OK);
  ck_assert_int_eq(luma.width, H);
  ck_assert_int_eq(luma.height, W);
  /* Turned 90 degrees clockwise: the first row is the old first column,
   * read bottom to top. */
  for (int x = 0; x < H; x++)
    ck_assert_double_eq_tol(luma.data[x], ramp(0, H - 1 - x), 3);
  free(path);
}
END_TEST

/* FAST halves large JPEGs on load (shorter side >= 1500); EXACT never;
 * jpeg_shrink forces a factor. */
START_TEST(jpeg_shrink_on_load) {
  VipsImage *img = ramp_image(1, 1600, 1500);
  char *big = save(img, "big.jpg");
  g_object_unref(img);
  ck_assert_int_eq(decode(big), HS_OK);
  ck_assert_int_eq(info.shrink, 2);
  ck_assert_int_eq(info.width, 1600);
  ck_assert_int_eq(luma.width, 800);
  ck_assert_int_eq(luma.height, 750);
  opts.mode = HS_MODE_EXACT;
  ck_assert_int_eq(decode(big), HS_OK);
  ck_assert_int_eq(info.shrink, 1);
  ck_assert_int_eq(luma.width, 1600);
  opts.jpeg_shrink = 4;
  ck_assert_int_eq(decode(big), HS_OK);
  ck_assert_int_eq(luma.width, 400);
  ck_assert_int_eq(luma.height, 375);
  /* Below the side limit FAST decodes in full. */
  opts.mode = HS_MODE_FAST;
  opts.jpeg_shrink = 0;
  img = ramp_image(1, 1600, 1499);
  char *short_side = save(img, "short.jpg");
  g_object_unref(img);
  ck_assert_int_eq(decode(short_side), HS_OK);
  ck_assert_int_eq(info.shrink, 1);
  ck_assert_int_eq(luma.height, 1499);
  free(big);
  free(short_side);
}
END_TEST

/* ---- limits ------------------------------------------------------------------ */

START_TEST(size_and_pixel_limits) {
  char *path = save_ramp(1, "limit.png");
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  opts.max_file_bytes = (uint64_t)st.st_size - 1;
  expect_error(decode(path), HS_ERR_LIMIT, path, "above the limit of");
  opts.max_file_bytes = (uint64_t)st.st_size;
  ck_assert_int_eq(decode(path), HS_OK);
  opts.max_pixels = W * H - 1;
  expect_error(decode(path), HS_ERR_LIMIT, path, "above the pixel limit");
  opts.max_pixels = W * H;
  ck_assert_int_eq(decode(path), HS_OK);
  /* The same limits for a buffer, named in the message. */
  void *bytes;
  size_t n;
  VipsImage *img = ramp_image(1, W, H);
  ck_assert_int_eq(vips_image_write_to_buffer(img, ".png", &bytes, &n, NULL), 0);
  g_object_unref(img);
  memset(&info, 0, sizeof info);
  opts.max_file_bytes = n - 1;
  expect_error(hs_decode_buffer(bytes, n, "upload-7", &opts, ws, &luma, &info), HS_ERR_LIMIT,
               "upload-7", "above the limit of");
  opts.max_file_bytes = n;
  memset(&info, 0, sizeof info);
  ck_assert_int_eq(hs_decode_buffer(bytes, n, NULL, &opts, ws, &luma, &info), HS_OK);
  ck_assert_uint_eq(info.file_bytes, n);
  ck_assert_double_eq(max_diff_from_ramp(), 0);
  g_free(bytes);
  free(path);
}
END_TEST

/* ---- damaged and foreign files ------------------------------------------------ */

START_TEST(corrupt_and_truncated) {
  char *jpg = save_ramp(1, "whole.jpg"), *png = save_ramp(1, "whole.png");
  const char *src[] = {jpg, png};
  const char *cut_name[] = {"cut.jpg", "cut.png"};
  for (int i = 0; i < 2; i++) {
    FILE *f = fopen(src[i], "rb");
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char *cut = write_bytes(cut_name[i], buf, n / 2);
    expect_error(decode(cut), HS_ERR_DECODE, cut, i ? "png" : "jpeg");
    free(cut);
  }
  /* A PNG signature followed by garbage. */
  char bad[256] = "\x89PNG\r\n\x1a\n";
  for (int i = 8; i < 256; i++)
    bad[i] = (char)(i * 37);
  char *fake = write_bytes("fake.png", bad, sizeof bad);
  hs_status st = decode(fake);
  ck_assert_msg(st == HS_ERR_DECODE, "fake.png: %s (%s)", hs_strerror(st), hs_last_error());
  char *empty = write_bytes("empty.jpg", "", 0);
  expect_error(decode(empty), HS_ERR_DECODE, empty, "empty file (0 bytes)");
  free(jpg);
  free(png);
  free(fake);
  free(empty);
}
END_TEST

/* Bytes that are no image still get their digests (a scan records them). */
START_TEST(foreign_bytes_and_digests) {
  char *abc = write_bytes("abc.jpg", "abc", 3);
  expect_error(decode(abc), HS_ERR_UNSUPPORTED, abc, "not an image in a supported format");
  char hex[65];
  hs_bytes_to_hex(info.md5, 16, hex);
  ck_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72");
  hs_bytes_to_hex(info.sha256, 32, hex);
  ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ck_assert_uint_eq(info.file_bytes, 3);
  opts.want_digests = 0;
  decode(abc);
  static const uint8_t zero[32];
  ck_assert_int_eq(memcmp(info.md5, zero, 16), 0);
  ck_assert_int_eq(memcmp(info.sha256, zero, 32), 0);
  free(abc);
}
END_TEST

/* Formats libvips could read but hashsweep refuses (untrusted decoders). */
START_TEST(blocked_loaders) {
  static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"48\">"
                            "<rect width=\"64\" height=\"48\" fill=\"red\"/></svg>";
  static const char pdf[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n";
  char *p = write_bytes("image.jpg", svg, sizeof svg - 1);
  expect_error(decode(p), HS_ERR_UNSUPPORTED, p, "svg files are blocked (untrusted decoder)");
  free(p);
  p = write_bytes("doc.png", pdf, sizeof pdf - 1);
  expect_error(decode(p), HS_ERR_UNSUPPORTED, p, "pdf files are blocked");
  free(p);
  /* Saved by libvips, read only through ImageMagick, OpenJPEG or the
   * Radiance loader. */
  static const struct {
    const char *name, *kind;
  } saved[] = {{"x.ppm", "magick"}, {"x.jp2", "jp2k"}, {"x.hdr", "rad"}};
  for (size_t i = 0; i < sizeof saved / sizeof saved[0]; i++) {
    char *path = save_ramp(saved[i].name[2] == 'h' ? 3 : 1, saved[i].name);
    char want[64];
    snprintf(want, sizeof want, "%s files are blocked", saved[i].kind);
    expect_error(decode(path), HS_ERR_UNSUPPORTED, path, want);
    free(path);
  }
}
END_TEST

START_TEST(not_files) {
  char *missing = tu_path(dir, "missing.jpg");
  expect_error(decode(missing), HS_ERR_NOT_FOUND, missing, "no such file");
  expect_error(decode(dir), HS_ERR_IO, dir, "is a directory");
  char *fifo = tu_path(dir, "pipe.jpg");
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  /* Refused without blocking on the open (no writer ever comes). */
  expect_error(decode(fifo), HS_ERR_IO, fifo, "not a regular file");
  /* A name longer than the file system allows (255 bytes). */
  char *long_path = malloc(strlen(dir) + 400);
  sprintf(long_path, "%s/", dir);
  size_t n = strlen(long_path);
  memset(long_path + n, 'n', 300);
  long_path[n + 300] = '\0';
  expect_error(decode(long_path), HS_ERR_LIMIT, long_path, "path too long");
  memset(&info, 0, sizeof info);
  expect_error(hs_decode_buffer("", 0, "nothing", &opts, ws, &luma, &info), HS_ERR_DECODE,
               "nothing", "empty file");
  ck_assert_int_eq(hs_decode_file(NULL, &opts, ws, &luma, &info), HS_ERR_INVALID_ARG);
  free(missing);
  free(fifo);
  free(long_path);
}
END_TEST

int main(void) {
  Suite *s = suite_create("decode");
  TCase *tc = tcase_create("decode");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, formats_give_their_pixels, 0, sizeof formats / sizeof formats[0]);
  tcase_add_test(tc, rgb_and_alpha);
  tcase_add_test(tc, sixteen_bit_png);
  tcase_add_test(tc, exif_orientation_on_request);
  tcase_add_test(tc, jpeg_shrink_on_load);
  tcase_add_test(tc, size_and_pixel_limits);
  tcase_add_test(tc, corrupt_and_truncated);
  tcase_add_test(tc, foreign_bytes_and_digests);
  tcase_add_test(tc, blocked_loaders);
  tcase_add_test(tc, not_files);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
