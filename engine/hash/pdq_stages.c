/* hash/pdq_stages.c - the PDQ stages after the blur: decimation, quality,
 * DCT, median, bits and the dihedral variants (spec sections 5-9). */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "hash/pdq_cpu.h"

void pdq_decimate(const float *blurred, int h, int w, size_t stride, float A[64][64]) {
  for (int i = 0; i < 64; i++) {
    const float *row = blurred + (size_t)pdq_sample_index(i, h) * stride;
    for (int j = 0; j < 64; j++)
      A[i][j] = row[pdq_sample_index(j, w)];
  }
}

/* Each neighbour difference is scaled to percent of full range and
 * truncated toward zero in float32, as the reference does; differences
 * under 2.55 grey levels count nothing. */
static int gradient_percent(float u, float v) {
  int d = (int)(((u - v) * 100.0f) / 255.0f);
  return d < 0 ? -d : d;
}

int pdq_quality(const float A[64][64]) {
  int sum = 0;
  for (int i = 0; i < 63; i++)
    for (int j = 0; j < 64; j++)
      sum += gradient_percent(A[i + 1][j], A[i][j]);
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 63; j++)
      sum += gradient_percent(A[i][j + 1], A[i][j]);
  int q = sum / 90;
  return q > 100 ? 100 : q;
}

static float dct_matrix[16][64];
static pthread_once_t dct_once = PTHREAD_ONCE_INIT;

static void dct_build(void) {
  const float scale = (float)sqrt(2.0 / 64.0);
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 64; j++)
      dct_matrix[i][j] =
          (float)((double)scale * cos((M_PI / 128.0) * (double)(i + 1) * (double)(2 * j + 1)));
}

const float (*pdq_dct_matrix(void))[64] {
  pthread_once(&dct_once, dct_build);
  return (const float(*)[64])dct_matrix;
}

void pdq_dct16(const float A[64][64], float B[16][16]) {
  const float(*D)[64] = pdq_dct_matrix();
  float T[16][64];
  for (int i = 0; i < 16; i++) {
    for (int c = 0; c < 64; c++) {
      float s = 0.0f;
      for (int k = 0; k < 64; k++)
        s = s + D[i][k] * A[k][c];
      T[i][c] = s;
    }
  }
  for (int i = 0; i < 16; i++) {
    for (int j = 0; j < 16; j++) {
      float s = 0.0f;
      for (int k = 0; k < 64; k++)
        s = s + T[i][k] * D[j][k];
      B[i][j] = s;
    }
  }
}

static void swap_f(float *a, float *b) {
  float t = *a;
  *a = *b;
  *b = t;
}

/* Hoare-style quickselect on a copy; any correct selection gives the same
 * value as the reference's Torben search. */
static float select_kth(float *v, int n, int k) {
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    float pivot = v[(lo + hi) / 2];
    int i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot)
        i++;
      while (v[j] > pivot)
        j--;
      if (i <= j) {
        swap_f(&v[i], &v[j]);
        i++;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return v[k];
  }
  return v[k];
}

float pdq_median(const float B[16][16]) {
  float v[256];
  memcpy(v, B, sizeof v);
  return select_kth(v, 256, 127);
}

void pdq_bits(const float B[16][16], hs_hash256 *out) {
  float m = pdq_median(B);
  memset(out, 0, sizeof *out);
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++)
      if (B[i][j] > m) {
        int k = 16 * i + j;
        out->w[3 - (k >> 6)] |= (uint64_t)1 << (k & 63);
      }
}

/* Sign and transpose rules of spec section 9 (0-based parities). */
void pdq_dihedral(const float B[16][16], hs_hash256 out[HS_DIH_COUNT]) {
  float V[16][16];
  for (int variant = 0; variant < HS_DIH_COUNT; variant++) {
    for (int i = 0; i < 16; i++) {
      for (int j = 0; j < 16; j++) {
        float b = B[i][j];
        int neg = 0, transpose = 0;
        switch (variant) {
        case HS_DIH_ORIG: break;
        case HS_DIH_ROT90: transpose = 1; neg = (j & 1) == 0; break;
        case HS_DIH_ROT180: neg = ((i + j) & 1) == 1; break;
        case HS_DIH_ROT270: transpose = 1; neg = (i & 1) == 0; break;
        case HS_DIH_FLIPX: neg = (i & 1) == 0; break;
        case HS_DIH_FLIPY: neg = (j & 1) == 0; break;
        case HS_DIH_FLIPPLUS1: transpose = 1; break;
        case HS_DIH_FLIPMINUS1: transpose = 1; neg = ((i + j) & 1) == 1; break;
        }
        float v = neg ? -b : b;
        if (transpose)
          V[j][i] = v;
        else
          V[i][j] = v;
      }
    }
    pdq_bits((const float(*)[16])V, &out[variant]);
  }
}

static const char *const dihedral_names[HS_DIH_COUNT] = {
    "orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"};

const char *hs_dihedral_name(int variant) {
  return variant >= 0 && variant < HS_DIH_COUNT ? dihedral_names[variant] : "?";
}

int hs_dihedral_parse(const char *name) {
  for (int i = 0; i < HS_DIH_COUNT; i++)
    if (strcmp(name, dihedral_names[i]) == 0)
      return i;
  return -1;
}
