#pragma once
// Gaussian target N(mean, covariance): V(q) = 1/2 (q - mu)^T Sigma^-1 (q - mu).
// The covariance may be any symmetric positive definite matrix; it is
// factorised once (LLT) and the precision kept. A diagonal covariance given
// as its variances keeps only the n precisions (a dense n x n precision of
// 1.6 M parameters would need 20 TB). Stateless: thread-safe.
#include <cola/potential.hpp>

#include <Eigen/Cholesky>

namespace cola::models {

class Gaussian final : public Potential {
 public:
  // Throws ConfigError when sizes differ or the covariance is not SPD.
  Gaussian(Vector mean, const Matrix& covariance);
  // N(mean, diag(variance)). Throws ConfigError when sizes differ or a
  // variance is not finite and positive.
  static Gaussian diagonal(Vector mean, const Vector& variance);
  double value_and_gradient(const Vector& q, Vector& grad,
                            const PotentialContext& ctx) const override;
  Index dimension() const override { return mean_.size(); }
  std::string name() const override { return "gaussian"; }
  const Vector& mean() const { return mean_; }
  // The precision matrix (dense: formed on demand for a diagonal one).
  Matrix precision() const;
  bool is_diagonal() const { return precision_.size() == 0; }

 private:
  Gaussian() = default;
  Vector mean_;
  Matrix precision_;           // dense covariance
  Vector precision_diagonal_;  // diagonal covariance (precision_ empty)
};

}  // namespace cola::models
