#include "cli/train_options.h"


namespace tad::cli {

void AddTreeOptions(CLI::App& command, TreeOptionValues& values) {
  for (size_t i = 0; i < kTreeParameterSpecs.size(); ++i) {
    const ParameterSpec& spec = kTreeParameterSpecs[i];
    command.add_option("--" + std::string(spec.name), values[i], std::string(spec.description))
        ->default_val(std::string(spec.default_value));
  }
}

Result<TreeParameters> ParseTreeOptions(const TreeOptionValues& values) {
  TreeParameters parameters;
  for (size_t i = 0; i < kTreeParameterSpecs.size(); ++i) {
    TAD_RETURN_IF_ERROR(SetParameter(parameters, kTreeParameterSpecs[i], values[i]));
  }
  TAD_RETURN_IF_ERROR(ValidateTreeParameters(parameters));
  return parameters;
}

}  // namespace tad::cli
