#pragma once
/// `tad train` as a library function: load a dataset over all ranks, train, evaluate on the test
/// split, write the model (and results.json in the run folder). Every rank calls it together.

#include <optional>
#include <string>

#include "cluster/communicator.h"
#include "common/status.h"
#include "jobs/run_results.h"
#include "tree/parameters.h"
#include "tree/training_observer.h"

namespace tad::jobs {

struct TrainOptions {
  std::string dataset;
  std::string model;                  // the model file to write
  TreeParameters parameters;
  std::string features;               // comma-separated; empty: the extract's feature columns present
  int threads = 0;                    // per executor; 0: the cores shared out over the executors
  std::string run_dir;                // results.json goes here when set
  std::string job_name = "tad-train";
  std::string command;                // recorded in the results
  std::optional<std::string> metrics_file;  // recorded in the results (telemetry writes it)
  bool overwrite = false;
};

/// Collective. Any error on any rank (opening the dataset, its columns, loading, binning, training,
/// evaluating, writing) is agreed on by all ranks: every rank returns the same Status, naming the
/// executor and its host, and no model or results file is left. The results are complete on the
/// driver; other ranks get them without the driver-only parts (model summary).
Result<RunResults> Train(const TrainOptions& options, Communicator& communicator, TrainingObserver* observer);

}  // namespace tad::jobs
