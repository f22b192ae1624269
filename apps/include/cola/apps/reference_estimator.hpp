#pragma once
// Estimates of expectations with a known exact value (the toy targets'
// references) from the draws of a run, with a Monte Carlo standard error by
// batch means: each chain's values are cut into kBatches consecutive batches,
// MCSE = sd(batch means) / sqrt(number of batches). Batches much longer than
// the autocorrelation time make this consistent; the analysis tools (ESS,
// R-hat) give the sharper answer on the file afterwards.
// Observer: on_draw is called concurrently for different chains, each writes
// only its own slot.
#include <cola/apps/reference.hpp>
#include <cola/observer.hpp>

#include <string>
#include <vector>

namespace cola::apps {

struct ReferenceEstimate {
  std::string name;
  double estimate = 0.0;
  double mcse = 0.0;  // NaN when there are too few draws for batch means
  double exact = 0.0;
  std::string source;
  std::uint64_t draws = 0;
};

class ReferenceEstimator final : public Observer {
 public:
  static constexpr std::size_t kBatches = 20;
  explicit ReferenceEstimator(std::vector<Reference> references)
      : references_(std::move(references)) {}

  void on_start(const RunDescription& run) override;
  void on_draw(std::uint64_t chain, std::uint64_t draw, const Vector& q) override;

  std::vector<ReferenceEstimate> estimates() const;
  bool empty() const { return references_.empty(); }

 private:
  std::vector<Reference> references_;
  // values_[chain][reference]: f(q) for every draw of this invocation.
  std::vector<std::vector<std::vector<double>>> values_;
};

}  // namespace cola::apps
