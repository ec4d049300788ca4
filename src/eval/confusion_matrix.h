#pragma once
/// Counts of (true class, predicted class) pairs. The counts are one contiguous int64 buffer, so
/// executors each count their own rows and one allreduce sums them exactly.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace tad {

class ConfusionMatrix {
 public:
  /// An all-zero matrix over `classes` (rows: true class, columns: predicted class).
  explicit ConfusionMatrix(std::vector<std::string> classes);

  /// A matrix from counts laid out row by row ([true][predicted]); refused if the number of counts
  /// is not classes² or a count is negative.
  static Result<ConfusionMatrix> FromCounts(std::vector<std::string> classes, std::vector<int64_t> counts);

  size_t num_classes() const { return classes_.size(); }
  const std::vector<std::string>& classes() const { return classes_; }

  /// Adds `count` rows of class `truth` predicted as `predicted` (both < num_classes()).
  void Add(size_t truth, size_t predicted, int64_t count = 1) { counts_[truth * classes_.size() + predicted] += count; }
  int64_t at(size_t truth, size_t predicted) const { return counts_[truth * classes_.size() + predicted]; }

  /// All counts, row by row: what to allreduce.
  std::span<int64_t> counts() { return counts_; }
  std::span<const int64_t> counts() const { return counts_; }

  int64_t total() const;
  int64_t correct() const;
  /// Rows whose true class is `c` (its support) and rows predicted as `c`.
  int64_t support(size_t c) const;
  int64_t predicted(size_t c) const;

 private:
  std::vector<std::string> classes_;
  std::vector<int64_t> counts_;
};

}  // namespace tad
