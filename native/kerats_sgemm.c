/*
 * kerats' bundled SGEMM: the GEMM the native addon uses when the system has no OpenBLAS (or when
 * KERATS_NATIVE_BLAS=bundled asks for it). Needs only a C compiler.
 *
 * The classic blocked scheme (Goto / BLIS): C is cut into NC-column slabs; for each KC-deep slice
 * of the inner dimension, the slice of B is packed into NR-wide panels and each MC-row block of A
 * into MR-tall panels, both zero-padded, so a register-blocked MR x NR micro-kernel streams through
 * contiguous memory. Transposed operands are handled while packing. The micro-kernel is chosen
 * once at run time: AVX2+FMA on x86-64 CPUs that have it, NEON on aarch64, else portable C that
 * the compiler vectorises as it can. Large products are split over threads (pthreads), each
 * thread taking a band of C's columns (or rows, when C is tall and narrow).
 */
#include "kerats_sgemm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 120 /* a multiple of MR: A's packed block (120 x 256 floats) stays in L2 */
#define NC 3072 /* a multiple of NR */
#define MAX_THREADS 64

/* C[0..MR, 0..NR] (row stride ldc) += A panel (kc x MR, a[p*MR + i]) times B panel (kc x NR, b[p*NR + j]). */
typedef void (*micro_kernel)(int64_t kc, const float *a, const float *b, float *c, int64_t ldc);

static void micro_portable(int64_t kc, const float *a, const float *b, float *c, int64_t ldc) {
  float acc[MR][NR];
  memset(acc, 0, sizeof acc);
  for (int64_t p = 0; p < kc; p++, a += MR, b += NR) {
    for (int i = 0; i < MR; i++) {
      const float av = a[i];
      for (int j = 0; j < NR; j++) acc[i][j] += av * b[j];
    }
  }
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) c[i * ldc + j] += acc[i][j];
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_KERNEL 1

__attribute__((target("avx2,fma"))) static void micro_avx2(int64_t kc, const float *a, const float *b, float *c, int64_t ldc) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; p++, a += MR, b += NR) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a);
    c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);
  }
#define STORE_ROW(i, x0, x1)                                                  \
  do {                                                                        \
    float *r = c + (i) * ldc;                                                 \
    _mm256_storeu_ps(r, _mm256_add_ps(_mm256_loadu_ps(r), x0));               \
    _mm256_storeu_ps(r + 8, _mm256_add_ps(_mm256_loadu_ps(r + 8), x1));       \
  } while (0)
  STORE_ROW(0, c00, c01); STORE_ROW(1, c10, c11); STORE_ROW(2, c20, c21);
  STORE_ROW(3, c30, c31); STORE_ROW(4, c40, c41); STORE_ROW(5, c50, c51);
#undef STORE_ROW
}
#endif

#if defined(__aarch64__)
#include <arm_neon.h>
#define HAVE_NEON_KERNEL 1

static void micro_neon(int64_t kc, const float *a, const float *b, float *c, int64_t ldc) {
  float32x4_t acc[MR][4];
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < 4; j++) acc[i][j] = vdupq_n_f32(0.0f);
  for (int64_t p = 0; p < kc; p++, a += MR, b += NR) {
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
    for (int i = 0; i < MR; i++) {
      acc[i][0] = vfmaq_n_f32(acc[i][0], b0, a[i]);
      acc[i][1] = vfmaq_n_f32(acc[i][1], b1, a[i]);
      acc[i][2] = vfmaq_n_f32(acc[i][2], b2, a[i]);
      acc[i][3] = vfmaq_n_f32(acc[i][3], b3, a[i]);
    }
  }
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < 4; j++) vst1q_f32(c + i * ldc + 4 * j, vaddq_f32(vld1q_f32(c + i * ldc + 4 * j), acc[i][j]));
}
#endif

static micro_kernel kernel;
static const char *kernel_name;
static int thread_count;

static void choose_kernel(void) {
  if (kernel) return;
  kernel = micro_portable;
  kernel_name = "portable C";
#if defined(HAVE_AVX2_KERNEL)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    kernel = micro_avx2;
    kernel_name = "AVX2/FMA";
  }
#elif defined(HAVE_NEON_KERNEL)
  kernel = micro_neon;
  kernel_name = "NEON";
#endif
}

const char *kerats_sgemm_kernel(void) {
  choose_kernel();
  return kernel_name;
}

int kerats_sgemm_threads(int n) {
  if (n > 0) thread_count = n > MAX_THREADS ? MAX_THREADS : n;
  if (thread_count <= 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    thread_count = cpus < 1 ? 1 : (cpus > MAX_THREADS ? MAX_THREADS : (int)cpus);
  }
  return thread_count;
}

typedef struct {
  int ta, tb;
  int64_t m, n, k, lda, ldb, ldc;
  const float *a, *b;
  float *c;
  /* The part of C this job computes. */
  int64_t m0, m1, n0, n1;
} Job;

/* Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into MR-tall panels, zero rows past mc. */
static void pack_a(const Job *g, int64_t i0, int64_t p0, int64_t mc, int64_t kc, float *dst) {
  for (int64_t ib = 0; ib < mc; ib += MR) {
    const int64_t rows = mc - ib < MR ? mc - ib : MR;
    float *panel = dst + ib * kc;
    if (g->ta) { /* op(A)[i, p] = A[p, i]: row p of A holds the panel's MR values side by side */
      for (int64_t p = 0; p < kc; p++) {
        const float *src = g->a + (p0 + p) * g->lda + i0 + ib;
        float *d = panel + p * MR;
        int64_t i = 0;
        for (; i < rows; i++) d[i] = src[i];
        for (; i < MR; i++) d[i] = 0.0f;
      }
    } else {
      for (int64_t i = 0; i < MR; i++) {
        if (i < rows) {
          const float *src = g->a + (i0 + ib + i) * g->lda + p0;
          for (int64_t p = 0; p < kc; p++) panel[p * MR + i] = src[p];
        } else {
          for (int64_t p = 0; p < kc; p++) panel[p * MR + i] = 0.0f;
        }
      }
    }
  }
}

/* Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into NR-wide panels, zero columns past nc. */
static void pack_b(const Job *g, int64_t p0, int64_t j0, int64_t kc, int64_t nc, float *dst) {
  for (int64_t jb = 0; jb < nc; jb += NR) {
    const int64_t cols = nc - jb < NR ? nc - jb : NR;
    float *panel = dst + jb * kc;
    if (!g->tb) {
      for (int64_t p = 0; p < kc; p++) {
        const float *src = g->b + (p0 + p) * g->ldb + j0 + jb;
        float *d = panel + p * NR;
        if (cols == NR) memcpy(d, src, NR * sizeof(float));
        else {
          int64_t j = 0;
          for (; j < cols; j++) d[j] = src[j];
          for (; j < NR; j++) d[j] = 0.0f;
        }
      }
    } else { /* op(B)[p, j] = B[j, p] */
      for (int64_t j = 0; j < NR; j++) {
        if (j < cols) {
          const float *src = g->b + (j0 + jb + j) * g->ldb + p0;
          for (int64_t p = 0; p < kc; p++) panel[p * NR + j] = src[p];
        } else {
          for (int64_t p = 0; p < kc; p++) panel[p * NR + j] = 0.0f;
        }
      }
    }
  }
}

static void *run_job(void *arg) {
  const Job *g = (const Job *)arg;
  const int64_t width = g->n1 - g->n0, height = g->m1 - g->m0;
  if (width <= 0 || height <= 0) return NULL;
  const int64_t ncap = width < NC ? ((width + NR - 1) / NR) * NR : NC;
  const int64_t kcap = g->k < KC ? g->k : KC;
  const int64_t mcap = height < MC ? ((height + MR - 1) / MR) * MR : MC;
  float *bp = (float *)aligned_alloc(64, (size_t)(((ncap * kcap * sizeof(float)) + 63) / 64 * 64));
  float *ap = (float *)aligned_alloc(64, (size_t)(((mcap * kcap * sizeof(float)) + 63) / 64 * 64));
  float edge[MR * NR] __attribute__((aligned(64)));
  if (!bp || !ap) { /* out of memory: the portable triple loop, slow but right */
    free(bp); free(ap);
    for (int64_t i = g->m0; i < g->m1; i++)
      for (int64_t j = g->n0; j < g->n1; j++) {
        float s = 0.0f;
        for (int64_t p = 0; p < g->k; p++)
          s += (g->ta ? g->a[p * g->lda + i] : g->a[i * g->lda + p]) * (g->tb ? g->b[j * g->ldb + p] : g->b[p * g->ldb + j]);
        g->c[i * g->ldc + j] += s;
      }
    return NULL;
  }
  for (int64_t jc = g->n0; jc < g->n1; jc += NC) {
    const int64_t nc = g->n1 - jc < NC ? g->n1 - jc : NC;
    for (int64_t pc = 0; pc < g->k; pc += KC) {
      const int64_t kc = g->k - pc < KC ? g->k - pc : KC;
      pack_b(g, pc, jc, kc, nc, bp);
      for (int64_t ic = g->m0; ic < g->m1; ic += MC) {
        const int64_t mc = g->m1 - ic < MC ? g->m1 - ic : MC;
        pack_a(g, ic, pc, mc, kc, ap);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t cols = nc - jr < NR ? nc - jr : NR;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t rows = mc - ir < MR ? mc - ir : MR;
            float *c = g->c + (ic + ir) * g->ldc + jc + jr;
            if (rows == MR && cols == NR) {
              kernel(kc, ap + ir * kc, bp + jr * kc, c, g->ldc);
            } else { /* a partial tile: compute the whole tile aside, add the part inside C */
              memset(edge, 0, sizeof edge);
              kernel(kc, ap + ir * kc, bp + jr * kc, edge, NR);
              for (int64_t i = 0; i < rows; i++)
                for (int64_t j = 0; j < cols; j++) c[i * g->ldc + j] += edge[i * NR + j];
            }
          }
        }
      }
    }
  }
  free(bp);
  free(ap);
  return NULL;
}

void kerats_sgemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                  float beta, float *c, int64_t ldc) {
  choose_kernel();
  for (int64_t i = 0; i < m; i++) {
    float *row = c + i * ldc;
    if (beta == 0.0f) memset(row, 0, (size_t)n * sizeof(float));
    else if (beta != 1.0f)
      for (int64_t j = 0; j < n; j++) row[j] *= beta;
  }
  if (k <= 0) return;
  Job base = {ta, tb, m, n, k, lda, ldb, ldc, a, b, c, 0, m, 0, n};
  /* Threads only pay off on products of a few million multiply-adds; each gets a band of C. */
  const double work = (double)m * (double)n * (double)k;
  int threads = kerats_sgemm_threads(0);
  if (work < 4.0e6) threads = 1;
  const int by_columns = n >= m;
  const int64_t span = by_columns ? n : m, unit = by_columns ? NR : MR;
  const int64_t units = (span + unit - 1) / unit;
  if (threads > units) threads = (int)units;
  if (threads <= 1) {
    run_job(&base);
    return;
  }
  Job jobs[MAX_THREADS];
  pthread_t ids[MAX_THREADS];
  int started[MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    jobs[t] = base;
    const int64_t from = units * t / threads * unit, to = units * (t + 1) / threads * unit;
    if (by_columns) { jobs[t].n0 = from; jobs[t].n1 = to < n ? to : n; }
    else { jobs[t].m0 = from; jobs[t].m1 = to < m ? to : m; }
  }
  for (int t = 1; t < threads; t++) started[t] = pthread_create(&ids[t], NULL, run_job, &jobs[t]) == 0;
  run_job(&jobs[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(ids[t], NULL);
    else run_job(&jobs[t]); /* no thread to be had: do its band here */
  }
}
