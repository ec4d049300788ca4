#pragma once
/// The model from loaded training data: what `tad train` and the tests call to train.

#include "cluster/communicator.h"
#include "tree/model.h"
#include "tree/parameters.h"
#include "tree/trainer.h"
#include "tree/training_data.h"
#include "tree/training_observer.h"

namespace tad {

/// Collective: trains on this rank's rows of `data` (its training rows are released afterwards)
/// and returns the same model on every rank.
Model TrainModel(TrainingData& data, const TreeParameters& parameters, Communicator& communicator, int threads,
                 TrainingObserver* observer, TrainingStats* stats);

}  // namespace tad
