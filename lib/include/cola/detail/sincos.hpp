#pragma once
// sin and cos together, branch-free so that loops over millions of angles
// (the rotation drift of the circle constraint) vectorise; std::sin/std::cos
// are library calls and keep such loops scalar.
//
// Method (Cody-Waite, as in fdlibm and Cephes): k = the integer nearest to
// phi / (pi/2); r = phi - k pi/2 with pi/2 split into three parts, the first
// with 33 significant bits so that k * part1 is exact for |k| < 2^20; then
// minimax polynomials for sin and cos on [-pi/4, pi/4] (Cephes' sin.c
// coefficients) and the quadrant k mod 4 selects and signs them. Accurate to
// about 1 ulp for |phi| <= kSincosLimit (tested against std::sin/std::cos);
// beyond it the result is meaningless and callers must use std::sin/std::cos.
#include <cmath>

namespace cola::detail {

inline constexpr double kSincosLimit = 1e5;

// Round to nearest (ties to even) for |x| < 2^51 by the 1.5 * 2^52 shift:
// std::nearbyint and std::floor are library calls without SSE4.1, which the
// default (portable) build does not assume. Needs strict IEEE evaluation (no
// -ffast-math, which would fold the shift away).
inline double round_nearest(double x) {
  constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52
  return (x + kShift) - kShift;
}

struct SinCos {
  double sin, cos;
};

inline SinCos sincos_reduced(double phi) {
  constexpr double kTwoOverPi = 6.36619772367581382433e-01;
  constexpr double kPio2Part1 = 1.57079632673412561417e+00;  // 33 bits
  constexpr double kPio2Part2 = 6.07710050630396597660e-11;  // 33 bits
  constexpr double kPio2Part3 = 2.02226624879595063154e-21;
  const double k = round_nearest(phi * kTwoOverPi);
  const double r = ((phi - k * kPio2Part1) - k * kPio2Part2) - k * kPio2Part3;
  const double z = r * r;
  const double s =
      r + r * z *
              (-1.66666666666666307295e-1 +
               z * (8.33333333332211858878e-3 +
                    z * (-1.98412698295895385996e-4 +
                         z * (2.75573136213857245213e-6 +
                              z * (-2.50507477628578072866e-8 + z * 1.58962301576546568060e-10)))));
  const double c =
      1.0 - 0.5 * z +
      z * z *
          (4.16666666666665929218e-2 +
           z * (-1.38888888888730564116e-3 +
                z * (2.48015872888517045348e-5 +
                     z * (-2.75573141792967388112e-7 +
                          z * (2.08757008419747316778e-9 + z * -1.13585365213876817300e-11)))));
  // Quadrant q = k mod 4 in {0, 1, 2, 3}, exactly in floating point:
  // floor(k / 4) = round(k / 4 - 3/8) since k / 4 has fraction 0, 1/4, 1/2
  // or 3/4.
  const double q = k - 4.0 * round_nearest(k * 0.25 - 0.375);
  const bool odd = (q == 1.0) | (q == 3.0);
  const double sin_sign = q >= 2.0 ? -1.0 : 1.0;
  const double cos_sign = (q == 1.0) | (q == 2.0) ? -1.0 : 1.0;
  return {sin_sign * (odd ? c : s), cos_sign * (odd ? s : c)};
}

}  // namespace cola::detail
