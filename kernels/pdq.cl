/* kernels/pdq.cl - PDQ of a batch of luma planes of different sizes:
 * hash, quality and the 8 dihedral hashes, bit-identical to the CPU
 * reference (engine/hash, spec sections 4-9).
 *
 * Launch sequence per batch (descriptors: hs_cl_plane in hs_shared.h):
 *   hs_pdq_box(pass = H1, V1, H2, V2)  four box passes of the tent blur
 *   hs_pdq_finish                      quality, DCT, medians, 8 hashes
 *
 * Exactness (spec section 11): every box output is a float32 running sum
 * carried along its line in the reference's phase order, so a work-item
 * owns whole lines and walks along them; parallelism is only across lines
 * (and across the HS_LANES lanes of one work-item, each an independent
 * line doing exactly the scalar operations). No contraction, correctly
 * rounded division (build options), the DCT sums in k = 0..63 order, and
 * the DCT matrix comes from the host (a device cos() may differ). */
#pragma OPENCL FP_CONTRACT OFF

#include "hs_shared.h"

/* Lines per work-item: 16 on CPU devices (one float16 = one AVX-512
 * register of independent running sums), 1 on GPUs. Must divide
 * HS_PDQ_PAD. */
#ifndef HS_LANES
#define HS_LANES 16
#endif

#if HS_LANES == 1
typedef float lanes_t;
#define LANES_STORE(v, p) (*(p) = (v))
#elif HS_LANES == 2
typedef float2 lanes_t;
#define LANES_STORE(v, p) vstore2((v), 0, (p))
#elif HS_LANES == 4
typedef float4 lanes_t;
#define LANES_STORE(v, p) vstore4((v), 0, (p))
#elif HS_LANES == 8
typedef float8 lanes_t;
#define LANES_STORE(v, p) vstore8((v), 0, (p))
#elif HS_LANES == 16
typedef float16 lanes_t;
#define LANES_STORE(v, p) vstore16((v), 0, (p))
#else
#error "HS_LANES must be 1, 2, 4, 8 or 16"
#endif

/* Lane l reads p[l * stride]: position k of HS_LANES lines at once. Built
 * component by component (a private array and a vector load of it would
 * stall on store forwarding on CPUs). */
static inline lanes_t gather(const __global float *p, ulong s) {
#if HS_LANES == 1
  (void)s;
  return p[0];
#elif HS_LANES == 2
  return (float2)(p[0], p[s]);
#elif HS_LANES == 4
  return (float4)(p[0], p[s], p[2 * s], p[3 * s]);
#elif HS_LANES == 8
  return (float8)(p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s], p[7 * s]);
#else
  return (float16)(p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s], p[7 * s],
                   p[8 * s], p[9 * s], p[10 * s], p[11 * s], p[12 * s], p[13 * s], p[14 * s],
                   p[15 * s]);
#endif
}

/* Decimation index i (0..63) on a side of n: floor((i + 0.5) * n / 64). */
static inline uint sample_index(uint i, uint n) { return (uint)(((2ul * i + 1ul) * n) / 128ul); }

/* Offset of position k along a line: lines are stored in blocks of 16
 * positions, `block` floats apart (block = 16 for a contiguous line). */
static inline ulong pos_offset(int k, ulong block) {
  return (ulong)(k >> 4) * block + (ulong)(k & 15);
}

/* One box pass over HS_LANES lines of n samples with window w. Lane l of
 * position k is in[l * lane + pos_offset(k, block)]. The HS_LANES outputs
 * of position k are stored contiguously at out + k * out_stride (the pass
 * transposes); when `sampled`, only the 64 decimation positions are
 * stored, at out + i * out_stride. Phases as in pdq_box_1d
 * (engine/hash/pdq_blur.c): prime with half-1 samples, grow, slide (add,
 * then subtract), shrink. */
static void box_lines(const __global float *in, ulong lane, ulong block, int n, int w,
                      __global float *out, ulong out_stride, int sampled) {
  const int hw = (w + 2) / 2; /* "half" is a type in OpenCL C */
#if HS_LANES > 1
  /* A sample leaves the window w steps after it entered: keep the last
   * RING entering vectors instead of gathering them again (a gather is 16
   * loads). Windows of RING or more (sides above 8064) gather twice. */
#define RING 64
  lanes_t ring[RING];
  const int keep = w < RING;
#define ENTER(v) (v = gather(in + pos_offset(ri, block), lane), ring[ri & (RING - 1)] = v)
#define LEAVE() (keep ? ring[li & (RING - 1)] : gather(in + pos_offset(li, block), lane))
#else
#define ENTER(v) (v = gather(in + pos_offset(ri, block), lane))
#define LEAVE() gather(in + pos_offset(li, block), lane)
#endif
  lanes_t sum = (lanes_t)(0.0f), x;
  int count = 0, li = 0, ri = 0;
  for (int i = 0; i < hw - 1; i++, ri++, count++)
    sum += ENTER(x);
  uint j = 0, next = sampled ? sample_index(0, (uint)n) : 0;
  for (int k = 0; k < n; k++) {
    if (k <= w - hw) {
      sum += ENTER(x);
      ri++;
      count++;
    } else if (k <= n - hw) {
      sum += ENTER(x);
      sum -= LEAVE();
      ri++;
      li++;
    } else {
      sum -= LEAVE();
      li++;
      count--;
    }
    const lanes_t v = sum / (float)count;
    if (!sampled) {
      LANES_STORE(v, out + (ulong)k * out_stride);
      continue;
    }
    /* A side under 64 samples some positions more than once. */
    while (j < 64 && next == (uint)k) {
      LANES_STORE(v, out + (ulong)j * out_stride);
      j++;
      next = j < 64 ? sample_index(j, (uint)n) : 0;
    }
    if (j == 64)
      break; /* nothing after the last sampled position is ever read */
  }
#undef ENTER
#undef LEAVE
}

/* The plane that work-item `g` of `pass` belongs to: the last plane whose
 * group_start is <= g (planes without work in a pass have the same start
 * as the next one). */
static uint plane_of(const __global hs_cl_plane *planes, uint nplanes, uint pass, uint g) {
  uint lo = 0, hi = nplanes - 1;
  while (lo < hi) {
    uint mid = (lo + hi + 1) / 2;
    if (planes[mid].group_start[pass] <= g)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

/* One box pass for every plane of the batch. Work-item g handles lines
 * line0 .. line0 + HS_LANES - 1 of its plane: rows (H1, H2), columns (V1)
 * or sampled columns (V2). Lanes past the last line fall into the plane's
 * padding: they compute values nobody reads. Global size: total groups
 * rounded up (guarded).
 *
 * Layouts (hp, wp: padded sides): the input is row-major (wp floats a
 * row). The two intermediates keep 16 lines interleaved so that a pass
 * writes one contiguous stream and the next reads 16 neighbouring floats
 * (on a GPU: neighbouring work-items write neighbouring floats):
 *   T (H1 out)  row y, column x at ((y >> 4) * wp + x) * 16 + (y & 15)
 *   X (V1 out)  row y, column x at ((x >> 4) * hp + y) * 16 + (x & 15)
 *   S (H2 out)  64 rows (sampled columns j) x hp, row-major
 *   A (V2 out)  64 x 64, row-major */
__kernel void hs_pdq_box(const __global hs_cl_plane *planes, uint nplanes, uint pass,
                         uint total, __global float *X, __global float *T) {
  const uint g = (uint)get_global_id(0);
  if (g >= total)
    return;
  const __global hs_cl_plane *p = planes + plane_of(planes, nplanes, pass, g);
  const ulong line0 = (ulong)(g - p->group_start[pass]) * HS_LANES;
  const ulong wp = p->wp, hp = p->hp;
  /* Where 16-line block `line0 >> 4` of an interleaved layout starts. */
  const ulong blk = (line0 >> 4) * 16, sub = line0 & 15;
  const int w_ = (int)p->width, h_ = (int)p->height;
  switch (pass) {
  case HS_PASS_H1: /* input rows -> T */
    box_lines(X + p->x_off + line0 * wp, wp, 16, w_, (int)p->wx, T + p->t_off + blk * wp + sub,
              16, 0);
    break;
  case HS_PASS_V1: /* columns, read from T -> X */
    box_lines(T + p->t_off + line0 * 16, 16, 16 * wp, h_, (int)p->wy,
              X + p->x_off + blk * hp + sub, 16, 0);
    break;
  case HS_PASS_H2: /* rows, read from X -> S at the 64 sampled columns */
    box_lines(X + p->x_off + line0 * 16, 16, 16 * hp, w_, (int)p->wx, X + p->s_off + line0, hp,
              1);
    break;
  default: /* HS_PASS_V2: rows of S -> A at the 64 sampled rows */
    box_lines(X + p->s_off + line0 * hp, hp, 16, h_, (int)p->wy, X + p->a_off + line0,
              HS_PDQ_GRID, 1);
    break;
  }
}

/* ---- finishing: one work-group per plane ------------------------------------- */

/* |trunc(((u - v) * 100) / 255)|, in float32 as the reference. */
static inline int gradient_percent(float u, float v) {
  int d = (int)(((u - v) * 100.0f) / 255.0f);
  return d < 0 ? -d : d;
}

/* The 8 variants share 4 sign patterns (a transpose does not change the
 * multiset of values, so it does not change the median):
 * 0 none, 1 negate where i+j is odd, 2 where i is even, 3 where j is even. */
__constant int variant_pattern[HS_PDQ_VARIANTS] = {0, 3, 1, 2, 2, 3, 0, 1};
__constant int variant_transposed[HS_PDQ_VARIANTS] = {0, 1, 0, 1, 0, 0, 1, 1};

static inline int negated(int pattern, int i, int j) {
  switch (pattern) {
  case 1: return ((i + j) & 1) == 1;
  case 2: return (i & 1) == 0;
  case 3: return (j & 1) == 0;
  default: return 0;
  }
}

/* Quality from A: integer sum of truncated gradients (any order is exact). */
static int quality_of(const __local float *A, __local int *partial) {
  const int lid = (int)get_local_id(0), lsz = (int)get_local_size(0);
  int sum = 0;
  for (int t = lid; t < 2 * 63 * 64; t += lsz) {
    if (t < 63 * 64) { /* vertical neighbours */
      int i = t / 64, j = t % 64;
      sum += gradient_percent(A[(i + 1) * 64 + j], A[i * 64 + j]);
    } else { /* horizontal neighbours */
      int u = t - 63 * 64, i = u / 63, j = u % 63;
      sum += gradient_percent(A[i * 64 + j + 1], A[i * 64 + j]);
    }
  }
  partial[lid] = sum;
  barrier(CLK_LOCAL_MEM_FENCE);
  if (lid == 0) {
    int total = 0;
    for (int t = 0; t < lsz; t++)
      total += partial[t];
    int q = total / 90;
    partial[0] = q > 100 ? 100 : q;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  int q = partial[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return q;
}

/* B = D * A * D^T: T = D * A (16 x 64), then B = T * D^T, each a float32
 * sum over k = 0..63 in order of float32 products. */
static void dct16(const __local float *A, const __global float *D, __local float *Tm,
                  __local float *B) {
  const int lid = (int)get_local_id(0), lsz = (int)get_local_size(0);
  for (int t = lid; t < HS_PDQ_DCT * 64; t += lsz) {
    int i = t / 64, c = t % 64;
    float s = 0.0f;
    for (int k = 0; k < 64; k++)
      s = s + D[i * 64 + k] * A[k * 64 + c];
    Tm[t] = s;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int t = lid; t < 256; t += lsz) {
    int i = t / 16, j = t % 16;
    float s = 0.0f;
    for (int k = 0; k < 64; k++)
      s = s + Tm[i * 64 + k] * D[j * 64 + k];
    B[t] = s;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
}

/* med[s] = 128th smallest (lower median) of sign pattern s applied to B.
 * V: 4 x 256 signed copies; flag: 4 x 256 scratch. An element is the
 * median when fewer than 128 values are below it and at least 128 are at
 * or below it; the lowest such index writes it (no racing writes). */
static void medians(const __local float *B, __local float *V, __local uchar *flag,
                    __local float *med) {
  const int lid = (int)get_local_id(0), lsz = (int)get_local_size(0);
  for (int t = lid; t < 4 * 256; t += lsz) {
    int s = t / 256, e = t % 256;
    float b = B[e];
    V[t] = negated(s, e / 16, e % 16) ? -b : b;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int t = lid; t < 4 * 256; t += lsz) {
    const __local float *v = V + (t / 256) * 256;
    float x = V[t];
    int below = 0, at = 0;
    for (int m = 0; m < 256; m++) {
      below += v[m] < x;
      at += v[m] == x;
    }
    flag[t] = below < 128 && below + at >= 128;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  if (lid < 4) {
    int e = 0;
    while (e < 255 && !flag[lid * 256 + e])
      e++;
    med[lid] = V[lid * 256 + e];
  }
  barrier(CLK_LOCAL_MEM_FENCE);
}

/* bits[v * 256 + k] = bit k of variant v; then 4 words per variant. */
static void hash_words(const __local float *V, const __local float *med, __local uchar *bits,
                       __global hs_cl_pdq_out *o) {
  const int lid = (int)get_local_id(0), lsz = (int)get_local_size(0);
  for (int t = lid; t < HS_PDQ_VARIANTS * 256; t += lsz) {
    int v = t / 256, e = t % 256, i = e / 16, j = e % 16;
    int s = variant_pattern[v];
    int k = variant_transposed[v] ? 16 * j + i : e;
    bits[v * 256 + k] = V[s * 256 + e] > med[s];
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int t = lid; t < HS_PDQ_VARIANTS * HS_PDQ_WORDS; t += lsz) {
    int v = t / HS_PDQ_WORDS, w = t % HS_PDQ_WORDS;
    /* PDQ bit k is bit (k & 63) of word 3 - (k >> 6). */
    const __local uchar *b = bits + v * 256 + (3 - w) * 64;
    ulong word = 0;
    for (int k = 0; k < 64; k++)
      word |= (ulong)b[k] << k;
    o->hash[t] = word;
  }
}

/* One work-group per plane (any local size up to HS_PDQ_FINISH_WG). A is
 * read from X at a_off: the blurred, decimated 64x64, or for a 64x64 input
 * the input itself. D: the 16 x 64 DCT matrix from the host. */
__kernel void hs_pdq_finish(const __global hs_cl_plane *planes, const __global float *X,
                            const __global float *D, __global hs_cl_pdq_out *out) {
  __local float A[64 * 64];
  __local float Tm[HS_PDQ_DCT * 64];
  __local float B[256];
  __local float med[4];
  __local int partial[HS_PDQ_FINISH_WG];
  const int lid = (int)get_local_id(0), lsz = (int)get_local_size(0);
  const __global hs_cl_plane *p = planes + get_group_id(0);
  __global hs_cl_pdq_out *o = out + get_group_id(0);

  for (int t = lid; t < 64 * 64; t += lsz)
    A[t] = X[p->a_off + (ulong)t];
  barrier(CLK_LOCAL_MEM_FENCE);
  int q = quality_of(A, partial);
  dct16(A, D, Tm, B);
  /* A is no longer needed: its space holds the signed copies and bits. */
  __local float *V = A;
  __local uchar *flag = (__local uchar *)(A + 4 * 256);
  __local uchar *bits = flag + 4 * 256;
  medians(B, V, flag, med);
  hash_words(V, med, bits, o);
  if (lid == 0) {
    o->quality = q;
    o->reserved = 0;
  }
}
