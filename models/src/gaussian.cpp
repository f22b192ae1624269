#include <cola/error.hpp>
#include <cola/models/gaussian.hpp>

namespace cola::models {

Gaussian::Gaussian(Vector mean, const Matrix& covariance) : mean_(std::move(mean)) {
  require(covariance.rows() == mean_.size() && covariance.cols() == mean_.size(),
          "gaussian: covariance must be " + std::to_string(mean_.size()) + "x" +
              std::to_string(mean_.size()) + " to match the mean");
  require(mean_.allFinite() && covariance.allFinite(),
          "gaussian: mean and covariance must be finite");
  require((covariance - covariance.transpose()).cwiseAbs().maxCoeff() <=
              1e-12 * covariance.cwiseAbs().maxCoeff(),
          "gaussian: covariance must be symmetric");
  Eigen::LLT<Matrix> llt(covariance);
  require(llt.info() == Eigen::Success, "gaussian: covariance must be positive definite");
  precision_ = llt.solve(Matrix::Identity(mean_.size(), mean_.size()));
}

Gaussian Gaussian::diagonal(Vector mean, const Vector& variance) {
  require(variance.size() == mean.size(),
          "gaussian: variance must have " + std::to_string(mean.size()) +
              " entries to match the mean (got " + std::to_string(variance.size()) + ")");
  require(mean.allFinite(), "gaussian: mean and covariance must be finite");
  require((variance.array() > 0).all() && variance.allFinite(),
          "gaussian: every variance must be finite and positive");
  Gaussian g;
  g.mean_ = std::move(mean);
  g.precision_diagonal_ = variance.cwiseInverse();
  return g;
}

Matrix Gaussian::precision() const {
  if (is_diagonal()) return precision_diagonal_.asDiagonal();
  return precision_;
}

double Gaussian::value_and_gradient(const Vector& q, Vector& grad, const PotentialContext&) const {
  if (is_diagonal()) {
    grad = (q - mean_).cwiseProduct(precision_diagonal_);
    return 0.5 * (q - mean_).dot(grad);
  }
  const Vector d = q - mean_;
  grad.noalias() = precision_ * d;
  return 0.5 * d.dot(grad);
}

}  // namespace cola::models
