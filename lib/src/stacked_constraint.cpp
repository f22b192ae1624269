#include <cola/error.hpp>
#include <cola/stacked_constraint.hpp>

#include <algorithm>

namespace cola {
namespace {

std::vector<std::string> union_of_blocks(const std::vector<ConstraintPtr>& members) {
  std::vector<std::string> names;
  for (const auto& c : members)
    for (const auto& n : c->block_names())
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  return names;
}

std::string stacked_name(const std::vector<ConstraintPtr>& members) {
  std::string s = "stack(";
  for (std::size_t i = 0; i < members.size(); ++i) s += (i ? "+" : "") + members[i]->name();
  return s + ")";
}

}  // namespace

StackedConstraint::StackedConstraint(std::vector<ConstraintPtr> members)
    : Constraint(stacked_name(members), union_of_blocks(members)), members_(std::move(members)) {
  for (const auto& c : members_) num_constraints_ += c->num_constraints();
}

void StackedConstraint::validate_binding() {
  for (const auto& c : members_) require(c->bound(), c->describe() + ": not bound before stacking");
}

void StackedConstraint::value(const Vector& q, VectorRef g) const {
  Index row = 0;
  for (const auto& c : members_) {
    c->value(q, g.segment(row, c->num_constraints()));
    row += c->num_constraints();
  }
}

std::vector<StackedConstraint::Span> StackedConstraint::spans(const Constraint& member) const {
  std::vector<Span> out;
  Index member_col = 0;
  for (const auto& mb : member.block_infos()) {
    Index col = 0;
    for (const auto& ub : block_infos()) {
      if (ub.offset == mb.offset) break;
      col += ub.size();
    }
    out.push_back({member_col, col, mb.size()});
    member_col += mb.size();
  }
  return out;
}

void StackedConstraint::jacobian(const Vector& q, MatrixRef jac) const {
  jac.setZero();
  Index row = 0;
  for (const auto& c : members_) {
    Matrix local(c->num_constraints(), c->num_variables());
    c->jacobian(q, local);
    for (const Span& s : spans(*c))
      jac.block(row, s.stacked, c->num_constraints(), s.size) = local.middleCols(s.member, s.size);
    row += c->num_constraints();
  }
}

bool StackedConstraint::has_second_derivatives() const {
  for (const auto& c : members_)
    if (!c->has_second_derivatives()) return false;
  return true;
}

void StackedConstraint::second_derivatives(const Vector& q, ConstMatrixRef directions,
                                           VectorRef out) const {
  out.setZero();
  Index row = 0;
  for (const auto& c : members_) {
    const Index m = c->num_constraints();
    const std::vector<Span> member_spans = spans(*c);
    Matrix local_directions(c->num_variables(), m);
    for (const Span& s : member_spans)
      local_directions.middleRows(s.member, s.size) = directions.block(s.stacked, row, s.size, m);
    Vector local(c->num_variables());
    c->second_derivatives(q, local_directions, local);
    for (const Span& s : member_spans)
      out.segment(s.stacked, s.size) += local.segment(s.member, s.size);
    row += m;
  }
}

}  // namespace cola
