// tad export MODEL --format onnx --out model.onnx: the model as a file other runtimes load
// (docs/export.md).
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "tree/onnx_export.h"

#ifndef TAD_VERSION
#define TAD_VERSION "0.0.0"
#endif

namespace tad::cli {
namespace {

struct ExportOptions {
  std::string model;
  std::string format;
  std::string out;
  bool overwrite = false;
};

int RunExport(const ExportOptions& options) {
  OnnxExportOptions onnx;
  onnx.model = options.model;
  onnx.out = options.out;
  onnx.overwrite = options.overwrite;
  onnx.tad_version = TAD_VERSION;
  const OnnxExportSummary summary = ValueOrThrow(ExportOnnx(onnx));
  std::printf("%s (%s: %lld tree(s), %lld nodes, %lld features, %lld classes) -> %s (ONNX, %lld bytes)\n",
              options.model.c_str(), summary.kind.c_str(), static_cast<long long>(summary.trees),
              static_cast<long long>(summary.nodes), static_cast<long long>(summary.features),
              static_cast<long long>(summary.classes), options.out.c_str(), static_cast<long long>(summary.bytes));
  return kExitOk;
}

}  // namespace

CommandRunner AddExportCommand(CLI::App& app) {
  auto options = std::make_shared<ExportOptions>();
  CLI::App* command = app.add_subcommand(
      "export", "Write a model in a format other runtimes load (ONNX: ai.onnx.ml TreeEnsembleClassifier)");
  command->add_option("model", options->model, "model file written by tad train")->required();
  command->add_option("--format", options->format, "output format")->required()->check(CLI::IsMember({"onnx"}));
  command->add_option("--out", options->out, "the file to write, e.g. model.onnx")->required();
  command->add_flag("--overwrite", options->overwrite, "replace an existing output file");
  return [options] { return RunExport(*options); };
}

}  // namespace tad::cli
