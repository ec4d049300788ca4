#pragma once
/// The scaling study (jobs/scaling_study.h) as the seed's table (medians, with min–max when
/// repeated) and as CSV of every run.

#include <string>

#include "jobs/scaling_study.h"

namespace tad::report {

/// "12.3 s", "4.1 min", "1 h 13 min".
std::string FormatSeconds(double seconds);
/// "812 B", "3.4 KiB", "1.2 MiB".
std::string FormatBytes(double bytes);

/// The seed's table (executors, training time, total time, accuracy, precision, recall, F1) plus
/// comm/compute, bytes sent, model hash and a note on oversubscription, then one line that says
/// whether every run produced the same model.
std::string ScalingMarkdown(const jobs::ScalingStudy& study);

/// One line per run, with a header.
std::string ScalingCsv(const jobs::ScalingStudy& study);

}  // namespace tad::report
