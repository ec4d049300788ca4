#pragma once
/// The level-wise trainer. Distributed = serial + one reduction: every rank builds the histogram
/// of its own rows for all open nodes of a level into one buffer, one AllReduceSum makes it the
/// global histogram, and every rank picks the same splits from it.

#include <cstdint>
#include <vector>

#include "cluster/communicator.h"
#include "dataset/parquet_dataset.h"
#include "tree/histogram.h"
#include "tree/model.h"
#include "tree/parameters.h"
#include "tree/training_observer.h"

namespace tad {

/// What one rank measured while training (not part of the model).
struct TrainingStats {
  std::vector<uint64_t> bytes_per_level;  // size of the allreduced histogram buffer per level
  double histogram_seconds = 0;           // building local histograms
  double reduce_seconds = 0;              // inside AllReduceSum
  double split_seconds = 0;               // choosing splits and moving rows to children
};

/// Trains one tree on this rank's binned rows; all ranks call it together and get the same tree.
/// `work` (optional) is updated for the observer.
DecisionTree TrainDecisionTree(const BinnedRows& rows, const std::vector<FeatureBins>& bins, int32_t classes,
                               const TreeParameters& parameters, Communicator& communicator, int threads,
                               TrainingObserver* observer, ExecutorWork* work, TrainingStats* stats);

}  // namespace tad
