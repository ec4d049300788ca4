#pragma once
/// `tad eval` as a library function: a model's figures on a dataset's test split (the split the
/// model was trained with) or on all its rows.

#include <string>

#include "common/status.h"
#include "jobs/run_results.h"

namespace tad::jobs {

struct EvalOptions {
  std::string dataset;
  std::string model;
  bool all_rows = false;
  int threads = 0;       // 0: all cores
  std::string command;   // recorded in the results
};

Result<RunResults> Eval(const EvalOptions& options);

}  // namespace tad::jobs
