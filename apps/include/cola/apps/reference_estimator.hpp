#pragma once
// Estimates of expectations with a known exact value (the toy targets'
// references) from the draws of a run, streamed: each chain keeps a
// batch-means accumulator per reference (analysis/batch_means.hpp), so the
// memory does not grow with the run. The MCSE pools the chains' batch means;
// the analysis tools (ESS, R-hat) give the sharper answer on the file
// afterwards.
// Observer: on_draw is called concurrently for different chains, each writes
// only its own slot.
#include <cola/analysis/batch_means.hpp>
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
  explicit ReferenceEstimator(std::vector<Reference> references)
      : references_(std::move(references)) {}

  void on_start(const RunDescription& run) override;
  void on_draw(std::uint64_t chain, std::uint64_t draw, const Vector& q) override;

  std::vector<ReferenceEstimate> estimates() const;
  bool empty() const { return references_.empty(); }

 private:
  std::vector<Reference> references_;
  // means_[reference][chain]
  std::vector<std::vector<analysis::BatchMeans>> means_;
};

}  // namespace cola::apps
