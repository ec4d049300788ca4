#include "tree/train_model.h"

#include "tree/boosting.h"

namespace tad {

Model TrainModel(TrainingData& data, const TreeParameters& parameters, Communicator& communicator, int threads,
                 TrainingObserver* observer, TrainingStats* stats) {
  Model model;
  model.parameters = parameters;
  model.parameters.split_by = data.split.split;  // resolved: a model file never says auto
  model.features = data.features;
  model.classes = data.classes;
  model.training_data = {data.fingerprint, data.rows, data.train_rows, data.test_rows, data.class_counts};
  const int32_t classes = static_cast<int32_t>(data.classes.size());
  const std::vector<double> class_weights = ClassWeightValues(parameters.class_weights, data.class_counts);
  if (parameters.classifier == Classifier::kGbt) {
    BoostedTrees boosted =
        TrainBoostedTrees(data.train, data.bins, classes, class_weights, parameters, communicator, threads, observer, &data.work, stats);
    model.trees = std::move(boosted.trees);
    model.base_score = std::move(boosted.base_score);
  } else {
    model.trees =
        TrainTrees(data.train, data.bins, classes, class_weights, parameters, communicator, threads, observer, &data.work, stats);
  }
  return model;
}

}  // namespace tad
