/*
 * kerats_math.h: the polynomial of Cephes's expf that the recurrent gates (kerats_rnn.c, fast_exp)
 * and the attention softmax (kerats_attention.c, exp_nonpositive) both evaluate: plain arithmetic
 * the compiler vectorises, unlike a libm call per element. Each caller does its own range reduction
 * (r = x - n·ln 2 in two parts) and scales the result by 2^n.
 */
#ifndef KERATS_MATH_H
#define KERATS_MATH_H

/* e^r for |r| <= ln(2)/2, within about 1 ulp (degree-6 polynomial). */
static inline float cephes_expf_poly(float r) {
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}
#endif
