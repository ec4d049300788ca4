#include "eval/confusion_matrix.h"

#include <numeric>

namespace tad {

ConfusionMatrix::ConfusionMatrix(std::vector<std::string> classes)
    : classes_(std::move(classes)), counts_(classes_.size() * classes_.size(), 0) {}

Result<ConfusionMatrix> ConfusionMatrix::FromCounts(std::vector<std::string> classes, std::vector<int64_t> counts) {
  const size_t n = classes.size();
  if (counts.size() != n * n) {
    return Status::InvalidData("a confusion matrix of " + std::to_string(n) + " classes needs " +
                               std::to_string(n * n) + " counts, not " + std::to_string(counts.size()));
  }
  for (int64_t count : counts) {
    if (count < 0) return Status::InvalidData("a confusion matrix count is negative: " + std::to_string(count));
  }
  ConfusionMatrix matrix(std::move(classes));
  matrix.counts_ = std::move(counts);
  return matrix;
}

int64_t ConfusionMatrix::total() const { return std::accumulate(counts_.begin(), counts_.end(), int64_t{0}); }

int64_t ConfusionMatrix::correct() const {
  int64_t sum = 0;
  for (size_t c = 0; c < classes_.size(); ++c) sum += at(c, c);
  return sum;
}

int64_t ConfusionMatrix::support(size_t c) const {
  int64_t sum = 0;
  for (size_t p = 0; p < classes_.size(); ++p) sum += at(c, p);
  return sum;
}

int64_t ConfusionMatrix::predicted(size_t c) const {
  int64_t sum = 0;
  for (size_t t = 0; t < classes_.size(); ++t) sum += at(t, c);
  return sum;
}

}  // namespace tad
