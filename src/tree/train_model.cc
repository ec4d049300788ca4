#include "tree/train_model.h"

namespace tad {

Model TrainModel(TrainingData& data, const TreeParameters& parameters, Communicator& communicator, int threads,
                 TrainingObserver* observer, TrainingStats* stats) {
  Model model;
  model.parameters = parameters;
  model.features = data.features;
  model.classes = data.classes;
  model.training_data = {data.fingerprint, data.rows, data.train_rows, data.test_rows, data.class_counts};
  model.trees.push_back(TrainDecisionTree(data.train, data.bins, static_cast<int32_t>(data.classes.size()), parameters,
                                          communicator, threads, observer, &data.work, stats));
  data.train = {};
  return model;
}

}  // namespace tad
