#pragma once
/// What a person wants to know about a tree without reading it: its shape level by level and the
/// rules that decide the most training rows, in words.

#include <cstdint>
#include <string>
#include <vector>

#include "tree/model.h"

namespace tad::report {

struct TreeShape {
  int depth = 0;  // of the deepest leaf; a lone root has depth 0
  int nodes = 0;
  int leaves = 0;
  std::vector<int> nodes_per_level;
  std::vector<int> leaves_per_level;
};

/// Of the model's first tree.
TreeShape ShapeOf(const Model& model);

/// One root-to-leaf path. Conditions on the same feature are merged into one range.
struct Rule {
  std::vector<std::string> conditions;  // e.g. "dst_port ≤ 443", "1200 < frame_len ≤ 1500"
  std::string predicted_class;
  uint64_t rows = 0;  // training rows that reach the leaf
  double purity = 0;  // share of those rows that are of the predicted class
  std::string text;   // "if … and … then Video (n=1234, 87 %)"
};

/// The paths to the `limit` leaves that hold the most training rows, largest first (ties: lower
/// node id first).
std::vector<Rule> TopRules(const Model& model, size_t limit);

/// A threshold printed short but exact enough to tell splits apart (up to 6 significant digits).
std::string FormatThreshold(double value);

}  // namespace tad::report
