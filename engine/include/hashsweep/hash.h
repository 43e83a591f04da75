/* hashsweep/hash.h - decoding image files and PDQ hashing on the CPU. */
#ifndef HASHSWEEP_HASH_H
#define HASHSWEEP_HASH_H

#include "hashsweep/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- PDQ ----------------------------------------------------------------- */

/* The 8 dihedral variants, in the reference's order. Names are the spec's
 * (hs_dihedral_name): orig, rot90 (counter-clockwise), rot180, rot270,
 * flipx (top<->bottom), flipy (left<->right), flipplus1 (main-diagonal
 * transpose), flipminus1 (anti-diagonal transpose). */
typedef enum hs_dihedral {
  HS_DIH_ORIG = 0,
  HS_DIH_ROT90,
  HS_DIH_ROT180,
  HS_DIH_ROT270,
  HS_DIH_FLIPX,
  HS_DIH_FLIPY,
  HS_DIH_FLIPPLUS1,
  HS_DIH_FLIPMINUS1,
  HS_DIH_COUNT
} hs_dihedral;
HS_API const char *hs_dihedral_name(int variant);
/* Returns the variant for a name, or -1. */
HS_API int hs_dihedral_parse(const char *name);

/* A PDQ result: the hash of the image as stored (hash[HS_DIH_ORIG]), the
 * 7 other dihedral hashes from the same DCT, and the quality 0..100. */
typedef struct hs_pdq {
  hs_hash256 hash[HS_DIH_COUNT];
  int quality;
} hs_pdq;

/* Hashes below this quality are reported but not matched by default. */
#define HS_PDQ_MIN_QUALITY 50
/* Default match threshold (inclusive Hamming distance). */
#define HS_PDQ_DEFAULT_RADIUS 31

/* ---- decoding ------------------------------------------------------------ */

/* How an image becomes the luma grid that PDQ runs on.
 *  HS_MODE_FAST  (default) JPEG shrink-on-load where it stays within the
 *                measured distance budget of EXACT (see README); other
 *                formats as EXACT.
 *  HS_MODE_EXACT full resolution: bit-identical to Meta's reference core on
 *                the full decoded image (what HMA and python-threatexchange
 *                produce).
 *  HS_MODE_STOCK the stock reference CLI (pdq-photo-hasher): images with a
 *                side > 512 are stretched to 512x512 (nearest neighbour)
 *                before hashing. For comparison with hashes made by it. */
typedef enum hs_mode { HS_MODE_FAST = 0, HS_MODE_EXACT = 1, HS_MODE_STOCK = 2 } hs_mode;
HS_API const char *hs_mode_name(hs_mode mode);
HS_API hs_status hs_mode_parse(const char *name, hs_mode *out);

#define HS_DEFAULT_MAX_PIXELS 200000000ULL       /* 200 megapixels */
#define HS_DEFAULT_MAX_FILE_BYTES (256ULL << 20) /* 256 MiB */

typedef struct hs_decode_options {
  hs_mode mode;
  int exif_rotate;         /* apply EXIF orientation (reference: ignore) */
  uint64_t max_pixels;     /* width*height limit, checked from the header */
  uint64_t max_file_bytes; /* file size limit, checked before reading */
  int want_digests;        /* compute MD5 and SHA-256 of the file bytes */
  int read_timeout_ms;     /* give up on a file whose bytes do not all
                              arrive within this (checked between 1 MiB
                              reads; 0: no limit). Scans and
                              hs_hash_paths also abandon a file still
                              being read or decoded after twice this
                              (a read blocked in the kernel). */
  int jpeg_shrink;         /* 0: the mode's policy; 1, 2, 4 or 8: force this
                              JPEG shrink-on-load (measurements only) */
  int no_unletterbox;      /* 1: do not look for added borders nor hash the
                              content region inside them (hs_pdq_unletterbox);
                              0 (the default): scans and eval do */
  /* Zero. This struct is embedded by value in other options, so it grows
   * only into these words (a new field's zero must mean its default) and
   * the structs around it keep their layout (docs/library.md). */
  uint32_t reserved[7];
} hs_decode_options;

/* Fills the defaults: FAST, no EXIF rotation, the default limits, digests,
 * unletterbox on (no_unletterbox 0). */
HS_API void hs_decode_options_default(hs_decode_options *opts);

/* A luma plane: height rows of width float32 values in 0..255, row-major,
 * rows `stride` floats apart. */
typedef struct hs_luma {
  int width;
  int height;
  size_t stride;
  float *data;
} hs_luma;

/* What was learnt about a file while decoding it. */
typedef struct hs_image_info {
  int width, height;               /* as stored (before any shrink) */
  int hashed_width, hashed_height; /* the grid PDQ ran on */
  int shrink;                      /* shrink-on-load factor used (1: none) */
  int bands;                       /* bands as decoded, alpha included */
  int orientation;                 /* EXIF orientation 1..8 (1 if none) */
  char format[16];                 /* "jpeg", "png", "webp", "gif", ... */
  uint64_t file_bytes;
  int64_t mtime_ns;                /* modification time of the bytes read
                                      (hs_decode_file; 0 for buffers) */
  uint8_t md5[16];                 /* valid when want_digests */
  uint8_t sha256[32];
} hs_image_info;

/* Reads and decodes one file into a luma plane held by `ws`.
 * The plane is valid until the next call that uses `ws`. `info` is filled
 * as far as the decode got (digests even when the image is undecodable).
 * Errors: HS_ERR_NOT_FOUND, HS_ERR_IO (unreadable, a directory, not a
 * regular file), HS_ERR_LIMIT (file size, pixel count), HS_ERR_UNSUPPORTED
 * (unknown or blocked format), HS_ERR_DECODE (corrupt or truncated),
 * HS_ERR_TIMEOUT. hs_last_error() names the file and the cause. */
HS_API hs_status hs_decode_file(const char *path, const hs_decode_options *opts,
                                hs_workspace *ws, hs_luma *luma, hs_image_info *info);

/* The same for an encoded image already in memory (`name` is used in error
 * messages only). */
HS_API hs_status hs_decode_buffer(const void *data, size_t size, const char *name,
                                  const hs_decode_options *opts, hs_workspace *ws,
                                  hs_luma *luma, hs_image_info *info);

/* PDQ of a luma plane on the CPU: hash, 7 dihedral hashes and quality,
 * bit-identical to the float32 reference. A plane with a side below 5 gives
 * the all-zero hash and quality 0 (as the reference does) and returns
 * HS_OK; callers that want to refuse such images check the size first. */
HS_API hs_status hs_pdq_from_luma(const hs_luma *luma, hs_workspace *ws, hs_pdq *out);

/* The grid PDQ runs on for a decoded plane in opts->mode: the plane itself,
 * or (HS_MODE_STOCK, a side above 512) its 512x512 stretch in `ws`.
 * HS_ERR_TOO_SMALL for a side below 5 (`name` is used in the message).
 * Sets info->hashed_width/height. */
HS_API hs_status hs_grid_for_mode(const char *name, const hs_decode_options *opts,
                                  hs_workspace *ws, const hs_luma *decoded, hs_image_info *info,
                                  hs_luma *grid);

/* ---- added borders (unletterbox) ------------------------------------------
 * Re-uploads are often padded, letterboxed or framed: uniform bands of any
 * colour added on some sides. PDQ is global, so such a copy is far from the
 * listed hash; the hash of the content region inside the bands is not.
 * docs/scan.md gives the rules and their measured cost. */

/* A region of a plane, in its pixels. */
typedef struct hs_content_box {
  int x, y, width, height;
} hs_content_box;

/* Looks for added bands around `luma`. Returns 1 and the content region in
 * *box when meaningful bands were found and the region left is at least
 * 32x32; else 0 (no border, a flat image, a region too small) and the whole
 * plane in *box. Reads only `luma`; thread-safe; allocates nothing. */
HS_API int hs_border_detect(const hs_luma *luma, hs_content_box *box);

/* The content region's PDQ (hash, dihedrals, quality) when `grid` has added
 * borders: *found = 1, *box and *out set. Without borders *found = 0 and
 * *out is left alone (no hashing: images without a border cost only the
 * detection, a few lines read). `ws` as for hs_pdq_from_luma; `grid` must
 * not live in the PDQ scratch of `ws` (a decoded plane or mode grid does
 * not). */
HS_API hs_status hs_pdq_unletterbox(const hs_luma *grid, hs_workspace *ws, hs_content_box *box,
                                    hs_pdq *out, int *found);

/* ---- list-side variants ----------------------------------------------------
 * For contributors who hold an image: the PDQ of fixed, named transforms of
 * it (crops, small rotations), listed beside its own hash so that edited
 * re-uploads come within the radius. docs/eval.md says how the set was
 * measured. */
#define HS_VARIANTS_CROPS 1u     /* crop_centre_5/10/15/20, crop_{left,right,top,bottom}_10 */
#define HS_VARIANTS_ROTATIONS 2u /* rotate_+2, rotate_-2, ... rotate_-8 (degrees
                                    counter-clockwise; canvas grown, black corners),
                                    the same with _fill (cropped back to the original
                                    size) and _valid (cropped to no corner): 24 */
/* "crops", "rotations", "crops,rotations" or "none" -> the kinds. */
HS_API hs_status hs_variants_parse(const char *list, unsigned *kinds);
/* How many variants `kinds` gives, and the name of the i-th (NULL past the
 * end); always in the same order. */
HS_API size_t hs_variant_count(unsigned kinds);
HS_API const char *hs_variant_name(unsigned kinds, size_t i);
/* The PDQ (with dihedrals and quality) of each variant of `grid`, into
 * out[0 .. hs_variant_count(kinds) - 1]. HS_ERR_TOO_SMALL below 5x5. */
HS_API hs_status hs_pdq_variants(const hs_luma *grid, unsigned kinds, hs_workspace *ws,
                                 hs_pdq *out);
/* Decode + the mode's grid + hs_pdq_variants of one file. */
HS_API hs_status hs_hash_file_variants(const char *path, const hs_decode_options *opts,
                                       unsigned kinds, hs_workspace *ws, hs_pdq *out);

/* Decode + PDQ of one file on the CPU. Returns HS_ERR_TOO_SMALL (with the
 * all-zero hash and quality 0 in `pdq`) for images with a side below 5. */
HS_API hs_status hs_hash_file(const char *path, const hs_decode_options *opts,
                              hs_workspace *ws, hs_pdq *pdq, hs_image_info *info);

/* Digests of a byte buffer (OpenSSL). */
HS_API hs_status hs_digest_md5_sha256(const void *data, size_t size, uint8_t md5[16],
                                      uint8_t sha256[32]);

#ifdef __cplusplus
}
#endif
#endif
