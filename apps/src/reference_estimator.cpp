#include <cola/apps/reference_estimator.hpp>

namespace cola::apps {

void ReferenceEstimator::on_start(const RunDescription& run) {
  means_.assign(references_.size(), std::vector<analysis::BatchMeans>(run.num_chains));
}

void ReferenceEstimator::on_draw(std::uint64_t chain, std::uint64_t, const Vector& q) {
  for (std::size_t r = 0; r < references_.size(); ++r) means_[r][chain].add(references_[r].f(q));
}

std::vector<ReferenceEstimate> ReferenceEstimator::estimates() const {
  std::vector<ReferenceEstimate> out;
  for (std::size_t r = 0; r < references_.size() && r < means_.size(); ++r) {
    ReferenceEstimate e{references_[r].name,
                        analysis::pooled_mean(means_[r]),
                        analysis::pooled_mcse(means_[r]),
                        references_[r].exact,
                        references_[r].source,
                        0};
    for (const auto& c : means_[r]) e.draws += c.count();
    if (e.draws > 0) out.push_back(e);
  }
  return out;
}

}  // namespace cola::apps
