#pragma once
/// The one library function that trains any classifier into a Model.

#include "cluster/communicator.h"
#include "tree/model.h"
#include "tree/parameters.h"
#include "tree/trainer.h"
#include "tree/training_data.h"
#include "tree/training_observer.h"

namespace tad {

/// Collective: trains parameters.classifier (a decision tree, a random forest or gbt) on the loaded
/// data; every rank returns the same Model, byte for byte, whatever the executor and thread count.
/// `observer` and `stats` may be null.
Model TrainModel(TrainingData& data, const TreeParameters& parameters, Communicator& communicator, int threads,
                 TrainingObserver* observer, TrainingStats* stats);

}  // namespace tad
