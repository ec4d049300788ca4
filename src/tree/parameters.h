#pragma once
/// Training parameters, declared once: kTreeParameterSpecs below is the only place a parameter's
/// name, default, range and description are written. The defaults of TreeParameters, the
/// command-line options (`tad train --help`), their validation, the model file's "parameters"
/// object and the table in docs/training.md (checked by a test) all come from it.
/// Names and defaults follow Spark MLlib's DecisionTreeClassifier, RandomForestClassifier and
/// GBTClassifier; boosting's regularisation follows XGBoost (lambda, min_child_weight).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/status.h"
#include "dataset/schema.h"

namespace tad {

enum class Classifier { kDecisionTree, kRandomForest, kGbt };
enum class Impurity { kGini, kEntropy };
enum class ClassWeights { kNone, kBalanced };

/// Option spellings, indexed by the enum's value.
inline constexpr std::array<std::string_view, 3> kClassifierNames = {"decision-tree", "random-forest", "gbt"};
inline constexpr std::array<Classifier, 3> kClassifiers = {Classifier::kDecisionTree, Classifier::kRandomForest,
                                                           Classifier::kGbt};
inline constexpr std::array<std::string_view, 2> kImpurityNames = {"gini", "entropy"};

inline const char* ImpurityName(Impurity impurity) { return impurity == Impurity::kGini ? "gini" : "entropy"; }
/// The model file's "kind" for each classifier.
std::string_view ModelKind(Classifier classifier);

struct TreeParameters {
  TreeParameters();  // every field at its declared default (kTreeParameterSpecs)
  Classifier classifier;
  int32_t max_depth;
  int32_t max_bins;
  int64_t min_instances_per_node;
  double min_info_gain;
  Impurity impurity;
  uint64_t seed;
  double test_fraction;
  std::string label;
  int32_t num_trees;
  std::string feature_subset_strategy;
  double subsampling_rate;
  bool bootstrap;
  SplitBy split_by;  // resolved from auto before training: a model file never holds auto
  int32_t max_iter;
  double step_size;
  double validation_fraction;
  double validation_tol;
  double reg_lambda;
  double min_hessian_per_node;
  ClassWeights class_weights;
};

/// Which classifiers use a parameter (bit 1 << Classifier).
inline constexpr uint8_t kTree = 1, kForest = 2, kGbt = 4, kAllClassifiers = 7;

using ParameterField =
    std::variant<int32_t TreeParameters::*, int64_t TreeParameters::*, uint64_t TreeParameters::*,
                 double TreeParameters::*, bool TreeParameters::*, std::string TreeParameters::*,
                 Impurity TreeParameters::*, Classifier TreeParameters::*, SplitBy TreeParameters::*,
                 ClassWeights TreeParameters::*>;

/// One parameter. Numbers must lie in [min, max] ((min, max] when min_exclusive); a parameter with
/// choices takes one of them ('|'-separated), or a number in range when it also has a range.
struct ParameterSpec {
  std::string_view name;  // option name; the model file's key is the same with '_' for '-'
  ParameterField field;
  std::string_view default_value;
  std::string_view choices;
  bool has_range;
  double min;
  double max;  // kUnbounded: no upper limit
  bool min_exclusive;
  uint8_t classifiers;  // kAllClassifiers, or those that use it
  bool in_model_parameters;  // false: the model file states it elsewhere ("kind")
  std::string_view description;
  std::string_view value_when_absent = {};  // model files from before the parameter existed; empty: required
  // The model file leaves the parameter out at its default (so files of models that do not use it
  // stay byte-identical to those written before it existed); reading, absent means the default.
  bool omitted_at_default = false;
};

inline constexpr double kUnbounded = 1e300;

// Order matters: it is the order of the model file's "parameters" (a decision tree's stays as it
// was before forests and boosting existed) and of the docs table.
inline constexpr std::array<ParameterSpec, 21> kTreeParameterSpecs = {{
    {"classifier", &TreeParameters::classifier, "decision-tree", "decision-tree|random-forest|gbt", false, 0, 0, false,
     kAllClassifiers, false, "the model: one decision tree, a random forest or gradient-boosted trees"},
    {"max-depth", &TreeParameters::max_depth, "5", "", true, 0, 30, false, kAllClassifiers, true,
     "maximum depth of each tree; 0 is a single leaf (Spark: maxDepth)"},
    {"max-bins", &TreeParameters::max_bins, "32", "", true, 2, 65535, false, kAllClassifiers, true,
     "maximum bins per feature for histograms and thresholds (Spark: maxBins)"},
    {"min-instances-per-node", &TreeParameters::min_instances_per_node, "1", "", true, 1, kUnbounded, false,
     kAllClassifiers, true,
     "a split is kept only if each child gets at least this many training rows (Spark: minInstancesPerNode)"},
    {"min-info-gain", &TreeParameters::min_info_gain, "0", "", true, 0, kUnbounded, false, kAllClassifiers, true,
     "a split is kept only if its gain is at least this (Spark: minInfoGain)"},
    {"impurity", &TreeParameters::impurity, "gini", "gini|entropy", false, 0, 0, false, kTree | kForest, true,
     "split criterion (Spark: impurity)"},
    {"seed", &TreeParameters::seed, "0", "", false, 0, 0, false, kAllClassifiers, true,
     "seed of the row-identity hash that decides the train/test split, the bin sample and the forest's samples"},
    {"test-fraction", &TreeParameters::test_fraction, "0.2", "", true, 0, 0.99, false, kAllClassifiers, true,
     "fraction of rows held out for evaluation, chosen by row identity"},
    {"label", &TreeParameters::label, "category", "", false, 0, 0, false, kAllClassifiers, true,
     "label column, or the name of the hive partition directories (<label>=<class>)"},
    {"num-trees", &TreeParameters::num_trees, "20", "", true, 1, 10000, false, kForest, true,
     "trees in the forest (Spark: numTrees)"},
    {"feature-subset-strategy", &TreeParameters::feature_subset_strategy, "auto", "auto|all|sqrt|log2|onethird", true,
     0, 1, true, kForest | kGbt, true,
     "features tried at each node, or a fraction of them; auto is sqrt for a forest, all for gbt (Spark: "
     "featureSubsetStrategy)"},
    {"subsampling-rate", &TreeParameters::subsampling_rate, "1", "", true, 0, 1, true, kForest | kGbt, true,
     "fraction of the training rows each tree (gbt: each round, without replacement) samples (Spark: "
     "subsamplingRate)"},
    {"bootstrap", &TreeParameters::bootstrap, "true", "true|false", false, 0, 0, false, kForest, true,
     "sample rows with replacement (Poisson(1) weights by row identity) (Spark: bootstrap)"},
    {"split-by", &TreeParameters::split_by, "auto", "auto|row|flow|file", false, 0, 0, false, kAllClassifiers, true,
     "which rows are held out together: row, flow (source_file, flow_index) or file (source_file); auto: file when "
     "every class has >= 5 capture files, else flow when the dataset has flow_index, else row",
     "row"},
    {"max-iter", &TreeParameters::max_iter, "20", "", true, 1, 10000, false, kGbt, true,
     "boosting rounds; a round adds one tree per class (two classes: one tree) (Spark: maxIter)"},
    {"step-size", &TreeParameters::step_size, "0.1", "", true, 0, 1, true, kGbt, true,
     "learning rate: each tree's leaf values are scaled by it (Spark: stepSize; XGBoost: eta)"},
    {"validation-fraction", &TreeParameters::validation_fraction, "0", "", true, 0, 0.99, false, kGbt, true,
     "fraction of the training rows held out, by row identity, to stop boosting early; 0: no early stopping "
     "(Spark: validationIndicatorCol)"},
    {"validation-tol", &TreeParameters::validation_tol, "0.01", "", true, 0, kUnbounded, false, kGbt, true,
     "stop when a round changes the validation log loss by less than this times max(loss, 0.01); the model keeps "
     "the rounds up to the best loss (Spark: validationTol)"},
    {"reg-lambda", &TreeParameters::reg_lambda, "1", "", true, 0, kUnbounded, false, kGbt, true,
     "L2 regularisation of leaf values: gain G^2/(H+lambda), leaf -G/(H+lambda) (XGBoost: lambda)"},
    {"min-hessian-per-node", &TreeParameters::min_hessian_per_node, "1", "", true, 0, kUnbounded, false, kGbt, true,
     "a split is kept only if each child's hessian sum is at least this (XGBoost: min_child_weight)"},
    {"class-weights", &TreeParameters::class_weights, "none", "none|balanced", false, 0, 0, false, kAllClassifiers,
     true,
     "balanced: class c's rows weigh n / (K * n_c) in counts, gains, leaves and gradients (scikit-learn's "
     "class_weight='balanced')",
     "none", true},
}};

/// The spec named `name`; naming an undeclared parameter is a programming error (std::logic_error).
const ParameterSpec& FindParameterSpec(std::string_view name);
bool AppliesTo(const ParameterSpec& spec, Classifier classifier);
/// The model file's key for a parameter ("max-depth" -> "max_depth").
std::string ParameterKey(const ParameterSpec& spec);

/// Parses `text` into the spec's field, checking type, choices and range (InvalidArgument naming
/// the option and what it accepts).
Status SetParameter(TreeParameters& parameters, const ParameterSpec& spec, std::string_view text);
/// The field as option text (what SetParameter reads back to the same value).
std::string ParameterText(const TreeParameters& parameters, const ParameterSpec& spec);
/// The field as a JSON value: numbers bare (doubles with a '.' or exponent), the rest quoted strings,
/// bools true/false.
std::string ParameterJson(const TreeParameters& parameters, const ParameterSpec& spec);

/// Checks every parameter against its declared range and choices, and the cross-parameter rules.
Status ValidateTreeParameters(const TreeParameters& parameters);

/// The Markdown table of docs/training.md (header included), one row per parameter.
std::string ParameterDocsTable();

}  // namespace tad
