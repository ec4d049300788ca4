#pragma once
/// ONNX export (docs/export.md): a TreeEnsemble as one ai.onnx.ml TreeEnsembleClassifier (opset 3),
/// written with the ONNX project's own protobuf definitions. Its own library target (tad_onnx), so
/// protobuf stays out of every other target.
///
/// The graph: input `input` float [N, F] (features in the model's order); outputs `label` string
/// [N] (class names) and `probabilities` float [N, K] (every class, in the model's class order).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "tree/model.h"
#include "tree/tree_ensemble.h"

namespace tad {

inline constexpr std::string_view kOnnxInputName = "input";
inline constexpr std::string_view kOnnxLabelOutput = "label";
inline constexpr std::string_view kOnnxProbabilitiesOutput = "probabilities";

struct MetadataProperty {
  std::string key;
  std::string value;
};

/// The model's description for the ONNX file's metadata properties: every key of its model file
/// except the trees (features and classes as JSON arrays, parameters and training data as JSON
/// objects, kind and missing-value rule as text, and whatever a later model file adds, such as
/// flow options), plus `tad_version`.
std::vector<MetadataProperty> ModelMetadata(const Model& model, const std::string& tad_version);

/// The serialized ONNX ModelProto of `ensemble` (validated first: InvalidData when it is not).
Result<std::string> OnnxModelBytes(const TreeEnsemble& ensemble, const std::string& tad_version,
                                   const std::vector<MetadataProperty>& metadata);

struct OnnxExportOptions {
  std::filesystem::path model;  // a tad model file
  std::filesystem::path out;    // the .onnx file to write
  bool overwrite = false;
  std::string tad_version;
};

struct OnnxExportSummary {
  std::string kind;
  int64_t trees = 0;
  int64_t nodes = 0;
  int64_t features = 0;
  int64_t classes = 0;
  int64_t bytes = 0;
};

/// `tad export --format onnx`: loads the model file, converts it (ToTreeEnsemble), writes the ONNX
/// file whole or not at all. Errors name the model file or the output.
Result<OnnxExportSummary> ExportOnnx(const OnnxExportOptions& options);

}  // namespace tad
