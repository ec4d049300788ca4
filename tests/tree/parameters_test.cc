#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tree/parameters.h"

namespace tad {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(ParameterTableTest, DocsTableIsTheCodeTable) {
  const std::string docs = ReadFile(TAD_DOCS_DIR "/training.md");
  const std::string begin = "<!-- parameter table: generated from src/tree/parameters.h -->\n";
  const std::string end = "<!-- end of parameter table -->";
  const size_t from = docs.find(begin);
  ASSERT_NE(from, std::string::npos) << "docs/training.md lacks the marker: " << begin;
  const size_t to = docs.find(end, from);
  ASSERT_NE(to, std::string::npos);
  EXPECT_EQ(docs.substr(from + begin.size(), to - from - begin.size()), ParameterDocsTable())
      << "docs/training.md's parameter table differs from kTreeParameterSpecs; it must read:\n"
      << ParameterDocsTable();
}

TEST(ParameterTableTest, DefaultsComeFromTheTableAndRoundTrip) {
  const TreeParameters defaults;
  for (const auto& spec : kTreeParameterSpecs) {
    TreeParameters parsed;
    ASSERT_TRUE(SetParameter(parsed, spec, ParameterText(defaults, spec)).ok()) << spec.name;
    EXPECT_EQ(ParameterJson(parsed, spec), ParameterJson(defaults, spec)) << spec.name;
  }
  EXPECT_EQ(defaults.max_depth, 5);
  EXPECT_EQ(defaults.num_trees, 20);  // Spark's RandomForestClassifier
  EXPECT_EQ(defaults.classifier, Classifier::kDecisionTree);
  EXPECT_TRUE(defaults.bootstrap);
}

TEST(ParameterTableTest, UnknownNameIsAProgrammingError) {
  EXPECT_THROW(FindParameterSpec("max-dept"), std::logic_error);
  EXPECT_EQ(FindParameterSpec("num-trees").name, "num-trees");
}

TEST(ParameterTableTest, BadValuesNameTheOptionAndWhatItAccepts) {
  TreeParameters p;
  auto message = [&](std::string_view name, std::string_view text) {
    const Status status = SetParameter(p, FindParameterSpec(name), text);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << name << " " << text;
    return status.message();
  };
  EXPECT_EQ(message("max-depth", "31"), "--max-depth 31 is out of range: it must be between 0 and 30");
  EXPECT_EQ(message("max-depth", "deep"), "--max-depth 'deep' is not an integer");
  EXPECT_EQ(message("subsampling-rate", "0"), "--subsampling-rate 0 is out of range: it must be greater than 0 and at most 1");
  EXPECT_EQ(message("classifier", "svm"),
            "--classifier 'svm' is not valid: it must be decision-tree, random-forest or gbt");
  EXPECT_EQ(message("feature-subset-strategy", "1.5"), "--feature-subset-strategy 1.5 is out of range: it must be "
                                                       "greater than 0 and at most 1");
  EXPECT_EQ(message("bootstrap", "yes"), "--bootstrap 'yes' is not valid: it must be true or false");
  EXPECT_EQ(message("min-instances-per-node", "0"), "--min-instances-per-node 0 is out of range: it must be at least 1");
  EXPECT_TRUE(SetParameter(p, FindParameterSpec("feature-subset-strategy"), "0.25").ok());
  EXPECT_TRUE(SetParameter(p, FindParameterSpec("feature-subset-strategy"), "log2").ok());
  EXPECT_TRUE(SetParameter(p, FindParameterSpec("classifier"), "random-forest").ok());
  EXPECT_EQ(p.classifier, Classifier::kRandomForest);
  EXPECT_EQ(message("max-iter", "0"), "--max-iter 0 is out of range: it must be between 1 and 10000");
  EXPECT_EQ(message("step-size", "0"), "--step-size 0 is out of range: it must be greater than 0 and at most 1");
  EXPECT_EQ(message("reg-lambda", "-1"), "--reg-lambda -1 is out of range: it must be at least 0");
  EXPECT_EQ(message("validation-fraction", "1"), "--validation-fraction 1 is out of range: it must be between 0 and 0.99");
  EXPECT_TRUE(SetParameter(p, FindParameterSpec("classifier"), "gbt").ok());
  EXPECT_EQ(p.classifier, Classifier::kGbt);
}

}  // namespace
}  // namespace tad
