#pragma once
/// Gradient boosting (`--classifier gbt`): softmax boosting over K classes, one tree per class per
/// round (two classes: logistic loss, one tree per round, as Spark's GBTClassifier), with
/// XGBoost's second-order split gain G^2/(H+lambda) and leaf value -G/(H+lambda) * step_size.
///
/// Determinism: each row's gradient and hessian are rounded once, on the row, to 64-bit fixed point
/// (the gradient in kGradientScale units; the hessian in units chosen from the global row count and
/// largest class weight, packed with the row count into one integer: boosting.cc's HessianPacking),
/// so the histograms are exact integer sums and one AllReduceSum gives the
/// same global histogram for any split of rows over executors and threads. Gains and leaf values
/// are computed from those integers only, so every rank builds the same trees; a row's margin is a
/// function of the trees and the row alone. The validation loss for early stopping is summed in
/// fixed point too.

#include <cstdint>
#include <vector>

#include "cluster/communicator.h"
#include "tree/histogram.h"
#include "tree/model.h"
#include "tree/parameters.h"
#include "tree/trainer.h"
#include "tree/training_observer.h"

namespace tad {

/// Fixed-point units per 1.0 of a gradient: 2^32, so sums of up to 2^31 rows with |gradient| <= 1
/// fit in 64 bits.
inline constexpr double kGradientScale = 4294967296.0;

struct BoostedTrees {
  std::vector<DecisionTree> trees;  // round-major: tree t belongs to round t / per_round, class t % per_round
  std::vector<double> base_score;   // the initial margin: one per class, or class 1's log-odds for two classes
};

/// Collective: boosts parameters.max_iter rounds (fewer with early stopping) on this rank's binned
/// rows; every rank returns the same trees. Nodes' counts hold one entry, the training rows that
/// reached them; leaves' value is what they add to their class's margin. `class_weights`
/// (ClassWeightValues; empty: none) scale each row's gradient and hessian before rounding, and the
/// class counts behind the base score.
BoostedTrees TrainBoostedTrees(const BinnedRows& rows, const std::vector<FeatureBins>& bins, int32_t classes,
                               const std::vector<double>& class_weights,
                               const TreeParameters& parameters, Communicator& communicator, int threads,
                               TrainingObserver* observer, ExecutorWork* work, TrainingStats* stats);

/// Whether a training row is held out for early stopping (validation_fraction, by row identity).
bool IsValidationRow(const TreeParameters& parameters, uint64_t identity);

}  // namespace tad
