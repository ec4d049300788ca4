#pragma once
/// The level-wise trainer. Distributed = serial + one reduction: every rank builds the histogram
/// of its own rows for all open nodes of a level into one buffer, one AllReduceSum makes it the
/// global histogram, and every rank picks the same splits from it.

#include <cstdint>
#include <vector>

#include "cluster/communicator.h"
#include "common/hash.h"
#include "dataset/parquet_dataset.h"
#include "tree/histogram.h"
#include "tree/model.h"
#include "tree/parameters.h"
#include "tree/training_observer.h"

namespace tad {

/// Fixed-point units of one row in class-weighted counts (--class-weights balanced).
inline constexpr int64_t kClassWeightUnit = int64_t{1} << 16;

/// --class-weights: none gives no weights (empty); balanced gives class c the weight n / (K · n_c)
/// from the training rows per class (scikit-learn's); 1 for a class without training rows (no row
/// carries it; the weight only keeps gbt's prior finite).
std::vector<double> ClassWeightValues(ClassWeights class_weights, const std::vector<int64_t>& class_counts);

/// Trains the parameters' trees on this rank's binned rows: one for a decision tree, num_trees for
/// a random forest. All trees' nodes of a level are counted in one pass over the rows and reduced
/// in one AllReduceSum. All ranks call it together and get the same trees. `work` (optional) is
/// updated for the observer. `class_weights` (ClassWeightValues; empty: none) make a row of class c
/// count round(w_c · kClassWeightUnit) in every count, min_instances_per_node being compared with
/// counts in those units.
std::vector<DecisionTree> TrainTrees(const BinnedRows& rows, const std::vector<FeatureBins>& bins, int32_t classes,
                                     const std::vector<double>& class_weights,
                                     const TreeParameters& parameters, Communicator& communicator, int threads,
                                     TrainingObserver* observer, ExecutorWork* work, TrainingStats* stats);

/// How many copies of a row tree `tree` of a forest trains on: Poisson(subsampling_rate) with
/// bootstrap (Spark's sampling with replacement), else 1 with probability subsampling_rate. A
/// function of the row's identity and (seed, tree) only.
class ForestSampler {
 public:
  explicit ForestSampler(const TreeParameters& parameters);
  uint8_t Weight(uint64_t identity, int32_t tree) const { return WeightFor(identity, TreeKey(tree)); }
  /// Weight in two parts, for drawing many rows of one tree: the tree's part of the hash once.
  uint64_t TreeKey(int32_t tree) const;
  uint8_t WeightFor(uint64_t identity, uint64_t tree_key) const {
    // UnitInterval(hash) >= p exactly when hash >> 11 >= ceil(p · 2^53): the same draw as
    // comparing doubles, in integers.
    const uint64_t u = HashCombine(identity, tree_key) >> 11;
    if (!bootstrap_) return u < rate_units_ ? 1 : 0;
    // The count of thresholds at or below u. The first kFewCopies without branches (which is
    // taken is unpredictable); more copies are rare (Poisson(1): 1 row in 10^5).
    uint8_t copies = 0;
    for (size_t k = 0; k < kFewCopies; ++k) copies += u >= poisson_cdf_units_[k] ? 1 : 0;
    while (copies < poisson_cdf_units_.size() && u >= poisson_cdf_units_[copies]) ++copies;
    return copies;
  }

 private:
  uint64_t seed_;
  bool bootstrap_;
  uint64_t rate_units_;                      // ceil(subsampling_rate · 2^53)
  static constexpr size_t kFewCopies = 8;
  // ceil(P(copies <= k) · 2^53) up to 1 within double precision, then at least kFewCopies
  // entries (padded with 2^53, above every u).
  std::vector<uint64_t> poisson_cdf_units_;
};

/// Features a node of a forest tree may split on (ascending): all of them for a decision tree,
/// else the feature-subset strategy's count, chosen by a hash of (seed, tree, node).
std::vector<int32_t> CandidateFeatures(const TreeParameters& parameters, int32_t features, int32_t tree, int32_t node);

}  // namespace tad
