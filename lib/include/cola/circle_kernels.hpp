#pragma once
// Per-weight kernels of the circle constraint theta_i^2 + xi_i^2 = r^2
// (c-CoLA), templated on the scalar so that float networks and the benchmark
// share them. Each is one pass over four contiguous arrays (theta, xi and
// their momenta). shake_drift, shake and rattle vectorise (SSE2 and up) when
// built with cola_numeric_flags: -fno-math-errno (sqrt inline) and
// -fno-trapping-math (the conditional sqrt/division if-convert); see the
// measurements in bench/README.md. rotation_drift vectorises through a
// branch-free sincos (detail/sincos.hpp). The plain reference versions in the
// tests are their oracle.
#include <cola/detail/sincos.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

namespace cola::circle {

template <class S>
struct KernelResult {
  std::ptrdiff_t failures = 0;   // pairs without a real SHAKE root
  S residual = 0;                // max |theta^2 + xi^2 - r^2| over the finite pairs
  std::ptrdiff_t nonfinite = 0;  // pairs left with NaN/Inf (std::max drops NaN from residual)
};

// True unless v is NaN or +Inf; a comparison, so it vectorises.
template <class S>
inline bool finite_magnitude(S v) {
  return v <= std::numeric_limits<S>::max();
}

// SHAKE for one pair: moves (t, x) along the old normal (t0, x0) onto the
// circle of radius^2 r2 with the smallest-|lambda| root. Returns whether a
// real root exists; without one the pair is moved by the clamped formula and
// the caller counts the failure. Branch-free, so the loops vectorise.
template <class S>
inline bool shake_pair(S t0, S x0, S& t, S& x, S r2) {
  const S a = t0 * t0 + x0 * x0;
  const S b = t * t0 + x * x0;
  const S c = t * t + x * x - r2;
  const S disc = b * b - a * c;
  const S s = b + std::copysign(std::sqrt(std::max(disc, S(0))), b);
  const S lambda = s != S(0) ? -c / s : S(0);
  t += lambda * t0;
  x += lambda * x0;
  return disc >= S(0);
}

// Drift substep A with SHAKE and RATTLE fused, unit-free: h_over_m = h/m and
// m_over_h = m/h for the (common) mass m of theta and xi.
//   q~ = q + (h/m) p; q_new = q~ + lambda q_old (smallest root);
//   p = (m/h)(q_new - q_old); p -= (q_new . p / |q_new|^2) q_new.
// On failure the pair is left off the circle and counted; the caller restores.
template <class S>
KernelResult<S> shake_drift(S* theta, S* xi, S* ptheta, S* pxi, std::ptrdiff_t n, S h_over_m,
                            S m_over_h, S r2) {
  // Counted in double: selecting a 64-bit integer on a double comparison has
  // no SSE2 instruction and kept the double loop scalar. Exact up to 2^53.
  double failures = 0, nonfinite = 0;
  S residual = 0;
#pragma omp simd reduction(+ : failures, nonfinite) reduction(max : residual)
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const S t0 = theta[i], x0 = xi[i];
    S t = t0 + h_over_m * ptheta[i];
    S x = x0 + h_over_m * pxi[i];
    failures += shake_pair(t0, x0, t, x, r2) ? 0.0 : 1.0;
    const S vt = (t - t0) * m_over_h;
    const S vx = (x - x0) * m_over_h;
    const S k = (t * vt + x * vx) / (t * t + x * x);
    ptheta[i] = vt - k * t;
    pxi[i] = vx - k * x;
    theta[i] = t;
    xi[i] = x;
    const S defect = std::abs(t * t + x * x - r2);
    nonfinite += finite_magnitude(defect) ? 0.0 : 1.0;
    residual = std::max(residual, defect);
  }
  return {static_cast<std::ptrdiff_t>(failures), residual, static_cast<std::ptrdiff_t>(nonfinite)};
}

// One pair of the rotation drift, given the rotation's cos and sin of
// phi = omega h: rotates (t, x) with velocity (vt, vx) on its circle,
// renormalises to radius r (removing rounding drift) and makes the momentum
// tangent again. Returns the defect |t^2 + x^2 - r^2| and whether the pair is
// finite.
template <class S>
struct RotationConstants {
  S h, inv_m, m, radius, inv_radius, r2, inv_r2;
  RotationConstants(S step, S inverse_mass, S r)
      : h(step),
        inv_m(inverse_mass),
        m(S(1) / inverse_mass),
        radius(r),
        inv_radius(S(1) / r),
        r2(r * r),
        inv_r2(S(1) / (r * r)) {}
};

// Divisions and square roots dominate this kernel (it is compute-bound even
// with AVX-512): the constant ones are multiplications by precomputed
// reciprocals, leaving one division (sin / omega) and one square root with
// its division (the renormalisation) per pair.
template <class S>
inline S rotate_pair(S& theta, S& xi, S& ptheta, S& pxi, S vt, S vx, S omega, S phi, S c, S s,
                     const RotationConstants<S>& k, bool& finite) {
  const S t0 = theta, x0 = xi;
  // sin(omega h)/omega -> h as omega -> 0.
  const S s_over_omega = phi > S(1e-8) ? s / omega : k.h;
  S t = t0 * c + vt * s_over_omega;
  S x = x0 * c + vx * s_over_omega;
  S nvt = vt * c - t0 * omega * s;
  S nvx = vx * c - x0 * omega * s;
  const S scale = k.radius / std::sqrt(t * t + x * x);
  t *= scale;
  x *= scale;
  const S radial = (t * nvt + x * nvx) * k.inv_r2;
  nvt -= radial * t;
  nvx -= radial * x;
  theta = t;
  xi = x;
  ptheta = nvt * k.m;
  pxi = nvx * k.m;
  const S defect = std::abs(t * t + x * x - k.r2);
  finite = finite_magnitude(defect) & finite_magnitude(std::abs(nvt) + std::abs(nvx));
  return defect;
}

// Drift substep A as the exact geodesic flow: each (theta, xi) rotates on its
// circle with angular speed |v|/r for time h (rotate_pair). Per chunk of
// pairs, a first loop computes the angles' sin and cos with the branch-free
// detail::sincos_reduced (in double for either S) and a second applies the
// rotations; both vectorise (a select on the stored values would not: GCC
// treats it as a conditional store). Pairs whose angle is beyond
// sincos_reduced's range, or NaN, are rotated by zero there (only
// renormalised and made tangent, which leaves a pair on the manifold as it
// was up to rounding) and then rotated with std::sin/std::cos.
template <class S>
KernelResult<S> rotation_drift(S* theta, S* xi, S* ptheta, S* pxi, std::ptrdiff_t n, S h, S inv_m,
                               S radius) {
  constexpr std::ptrdiff_t kChunk = 256;
  const RotationConstants<S> k(h, inv_m, radius);
  S residual = 0;
  // Counted in double (see shake_drift).
  double nonfinite = 0;
  for (std::ptrdiff_t begin = 0; begin < n; begin += kChunk) {
    const std::ptrdiff_t m = std::min(kChunk, n - begin);
    S* const t = theta + begin;
    S* const x = xi + begin;
    S* const pt = ptheta + begin;
    S* const px = pxi + begin;
    S omega[kChunk], cos_phi[kChunk], sin_phi[kChunk], far[kChunk];
    double deferred = 0;
#pragma omp simd reduction(+ : deferred)
    for (std::ptrdiff_t i = 0; i < m; ++i) {
      const S vt = pt[i] * inv_m, vx = px[i] * inv_m;
      omega[i] = std::sqrt(vt * vt + vx * vx) * k.inv_radius;
      const S phi = omega[i] * h;
      const bool beyond = !(static_cast<double>(phi) <= detail::kSincosLimit);
      far[i] = beyond ? S(1) : S(0);
      cos_phi[i] = beyond ? S(0) : phi;
      deferred += beyond ? 1.0 : 0.0;
    }
    // A loop of its own: fused with the one above it does not vectorise.
#pragma omp simd
    for (std::ptrdiff_t i = 0; i < m; ++i) {
      const detail::SinCos sc = detail::sincos_reduced(static_cast<double>(cos_phi[i]));
      cos_phi[i] = static_cast<S>(sc.cos);
      sin_phi[i] = static_cast<S>(sc.sin);
    }
#pragma omp simd reduction(+ : nonfinite) reduction(max : residual)
    for (std::ptrdiff_t i = 0; i < m; ++i) {
      const S vt = pt[i] * inv_m, vx = px[i] * inv_m;
      const bool beyond = far[i] != S(0);
      bool finite = true;
      const S defect = rotate_pair(t[i], x[i], pt[i], px[i], vt, vx, omega[i], omega[i] * h,
                                   cos_phi[i], sin_phi[i], k, finite);
      nonfinite += (beyond | finite) ? 0.0 : 1.0;
      residual = std::max(residual, beyond ? S(0) : defect);
    }
    if (deferred == 0) continue;
    for (std::ptrdiff_t i = 0; i < m; ++i) {
      if (far[i] == S(0)) continue;
      const S vt = pt[i] * inv_m, vx = px[i] * inv_m;
      const S w = std::sqrt(vt * vt + vx * vx) * k.inv_radius;
      const S phi = w * h;
      bool finite = true;
      const S defect = rotate_pair(t[i], x[i], pt[i], px[i], vt, vx, w, phi, std::cos(phi),
                                   std::sin(phi), k, finite);
      nonfinite += finite ? 0.0 : 1.0;
      residual = std::max(residual, defect);
    }
  }
  return {0, residual, static_cast<std::ptrdiff_t>(nonfinite)};
}

// SHAKE for a position update (CoLA-od): q (in/out) from q_old.
template <class S>
KernelResult<S> shake(const S* theta0, const S* xi0, S* theta, S* xi, std::ptrdiff_t n, S r2) {
  // Counted in double: selecting a 64-bit integer on a double comparison has
  // no SSE2 instruction and kept the double loop scalar. Exact up to 2^53.
  double failures = 0, nonfinite = 0;
  S residual = 0;
#pragma omp simd reduction(+ : failures, nonfinite) reduction(max : residual)
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const S t0 = theta0[i], x0 = xi0[i];
    S t = theta[i], x = xi[i];
    failures += shake_pair(t0, x0, t, x, r2) ? 0.0 : 1.0;
    theta[i] = t;
    xi[i] = x;
    const S defect = std::abs(t * t + x * x - r2);
    nonfinite += finite_magnitude(defect) ? 0.0 : 1.0;
    residual = std::max(residual, defect);
  }
  return {static_cast<std::ptrdiff_t>(failures), residual, static_cast<std::ptrdiff_t>(nonfinite)};
}

// RATTLE for one pair at (t, x): removes the radial component of (pt, px)
// in place; returns the remaining |t pt + x px|. Shared by rattle() and
// kick_rattle(), which differ only in what they load into (pt, px).
template <class S>
inline S rattle_pair(S t, S x, S& pt, S& px) {
  const S k = (t * pt + x * px) / (t * t + x * x);
  pt -= k * t;
  px -= k * x;
  return std::abs(t * pt + x * px);
}

// RATTLE: removes the radial component of (ptheta, pxi). Returns the
// largest remaining |theta ptheta + xi pxi| (the velocity constraint's
// residual, times m/2), computed in the same pass; NaN if any is NaN.
template <class S>
S rattle(const S* theta, const S* xi, S* ptheta, S* pxi, std::ptrdiff_t n) {
  S residual = 0;
  double nonfinite = 0;
#pragma omp simd reduction(max : residual) reduction(+ : nonfinite)
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const S defect = rattle_pair(theta[i], xi[i], ptheta[i], pxi[i]);
    nonfinite += finite_magnitude(defect) ? 0.0 : 1.0;
    residual = std::max(residual, defect);
  }
  return nonfinite > 0 ? std::numeric_limits<S>::quiet_NaN() : residual;
}

// Kick and RATTLE in one pass: p -= coefficient * g, then the radial
// component removed; returns the residual as rattle() does.
template <class S>
S kick_rattle(const S* theta, const S* xi, S* ptheta, S* pxi, const S* gtheta, const S* gxi,
              S coefficient, std::ptrdiff_t n) {
  S residual = 0;
  double nonfinite = 0;
#pragma omp simd reduction(max : residual) reduction(+ : nonfinite)
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    S pt = ptheta[i] - coefficient * gtheta[i];
    S px = pxi[i] - coefficient * gxi[i];
    const S defect = rattle_pair(theta[i], xi[i], pt, px);
    ptheta[i] = pt;
    pxi[i] = px;
    nonfinite += finite_magnitude(defect) ? 0.0 : 1.0;
    residual = std::max(residual, defect);
  }
  return nonfinite > 0 ? std::numeric_limits<S>::quiet_NaN() : residual;
}

}  // namespace cola::circle
