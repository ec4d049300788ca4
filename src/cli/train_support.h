#pragma once
/// What `tad train` and `tad eval` print: the seed's table, per-class figures and the confusion
/// matrix; and where their results JSON goes.

#include <cstdio>
#include <string>

#include "jobs/run_results.h"

namespace tad::cli {

/// Prints the seed's table row, then per-class figures and the confusion matrix, to `out`.
void PrintEvaluation(std::FILE* out, int executors, double train_seconds, double total_seconds,
                     const jobs::Evaluation& evaluation, bool with_training_time);

/// Where a command prints its human-readable text: stderr when `json_path` is "-" (stdout then
/// holds the JSON document alone), else stdout.
std::FILE* HumanOutput(const std::string& json_path);

/// The original command line, for results.json (set by main).
std::string CommandLineText();

/// Writes `text` to `path` (write-then-rename), or stdout for "-".
void WriteTextOutput(const std::string& path, const std::string& text, bool overwrite);

}  // namespace tad::cli
