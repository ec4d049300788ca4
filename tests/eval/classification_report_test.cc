#include "eval/classification_report.h"

#include <gtest/gtest.h>

namespace tad {
namespace {

// 4 classes; C is never predicted, D has no rows of its own but is predicted once.
//            predicted: A  B  C  D
//   true A              5  2  0  1
//   true B              1  3  0  0
//   true C              2  1  0  0
//   true D              0  0  0  0
// Values cross-checked with scikit-learn 1.2 (precision_recall_fscore_support, average="weighted",
// zero_division=0): accuracy 0.5333333, weighted precision 0.4666667, recall 0.5333333,
// F1 0.4933333; per class precision [0.625 0.5 0 0], recall [0.625 0.75 0 0], F1 [0.625 0.6 0 0].
ConfusionMatrix Example() {
  return ValueOrThrow(ConfusionMatrix::FromCounts({"A", "B", "C", "D"},
                                                  {5, 2, 0, 1, 1, 3, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0}));
}

TEST(ConfusionMatrixTest, CountsSupportsAndPredictions) {
  ConfusionMatrix matrix({"x", "y"});
  matrix.Add(0, 0);
  matrix.Add(0, 1, 4);
  matrix.Add(1, 1, 2);
  EXPECT_EQ(matrix.at(0, 1), 4);
  EXPECT_EQ(matrix.total(), 7);
  EXPECT_EQ(matrix.correct(), 3);
  EXPECT_EQ(matrix.support(0), 5);
  EXPECT_EQ(matrix.predicted(1), 6);
  EXPECT_EQ(std::vector<int64_t>(matrix.counts().begin(), matrix.counts().end()), (std::vector<int64_t>{1, 4, 0, 2}));
}

TEST(ConfusionMatrixTest, FromCountsRefusesWrongShapeAndNegativeCounts) {
  EXPECT_FALSE(ConfusionMatrix::FromCounts({"a", "b"}, {1, 2, 3}).ok());
  EXPECT_FALSE(ConfusionMatrix::FromCounts({"a"}, {-1}).ok());
}

TEST(ClassificationReportTest, SparkWeightedDefinitions) {
  const ClassificationReport report = ClassificationReport::From(Example());
  EXPECT_DOUBLE_EQ(report.accuracy, 8.0 / 15);
  EXPECT_DOUBLE_EQ(report.weighted_precision, 7.0 / 15);   // (8·0.625 + 4·0.5) / 15
  EXPECT_DOUBLE_EQ(report.weighted_recall, 8.0 / 15);      // equals accuracy
  EXPECT_DOUBLE_EQ(report.weighted_f1, 7.4 / 15);          // (8·0.625 + 4·0.6) / 15
  ASSERT_EQ(report.per_class.size(), 4u);
  EXPECT_EQ(report.per_class[0].name, "A");
  EXPECT_DOUBLE_EQ(report.per_class[0].precision, 0.625);
  EXPECT_DOUBLE_EQ(report.per_class[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(report.per_class[1].recall, 0.75);
  EXPECT_DOUBLE_EQ(report.per_class[1].f1, 0.6);
}

TEST(ClassificationReportTest, NeverPredictedClassHasPrecisionAndF1Zero) {
  const ClassMetrics c = ClassificationReport::From(Example()).per_class[2];
  EXPECT_EQ(c.support, 3);
  EXPECT_EQ(c.precision, 0.0);
  EXPECT_EQ(c.recall, 0.0);
  EXPECT_EQ(c.f1, 0.0);
}

TEST(ClassificationReportTest, ZeroSupportClassIsZeroAndWeighsNothing) {
  const ClassMetrics d = ClassificationReport::From(Example()).per_class[3];
  EXPECT_EQ(d.support, 0);
  EXPECT_EQ(d.precision, 0.0);  // predicted once, never right
  EXPECT_EQ(d.recall, 0.0);
  EXPECT_EQ(d.f1, 0.0);
}

TEST(ClassificationReportTest, PerfectAndEmpty) {
  const auto perfect = ClassificationReport::From(ValueOrThrow(ConfusionMatrix::FromCounts({"a", "b"}, {3, 0, 0, 9})));
  EXPECT_EQ(perfect.accuracy, 1.0);
  EXPECT_EQ(perfect.weighted_precision, 1.0);
  EXPECT_EQ(perfect.weighted_f1, 1.0);
  const auto empty = ClassificationReport::From(ConfusionMatrix({"a", "b"}));
  EXPECT_EQ(empty.accuracy, 0.0);
  EXPECT_EQ(empty.weighted_precision, 0.0);
  EXPECT_EQ(empty.per_class[0].f1, 0.0);
}

TEST(FormatTest, Durations) {
  EXPECT_EQ(FormatDuration(0.844), "844 ms");
  EXPECT_EQ(FormatDuration(0.0042), "4.2 ms");
  EXPECT_EQ(FormatDuration(1.5), "1.50 s");
  EXPECT_EQ(FormatDuration(756), "12.6 min");
  EXPECT_EQ(FormatDuration(4380), "1 h 13 min");
}

TEST(FormatTest, SeedTableRow) {
  const auto report = ClassificationReport::From(Example());
  EXPECT_EQ(FormatSeedTable({2, 1.5, 3.25}, report),
            "| executors | training time | total time | accuracy | precision | recall | F1 |\n"
            "|---|---|---|---|---|---|---|\n"
            "| 2 | 1.50 s | 3.25 s | 0.5333 | 0.4667 | 0.5333 | 0.4933 |\n");
  EXPECT_EQ(FormatSeedTable({1, std::nullopt, 3.25}, report),
            "| total time | accuracy | precision | recall | F1 |\n"
            "|---|---|---|---|---|\n"
            "| 3.25 s | 0.5333 | 0.4667 | 0.5333 | 0.4933 |\n");
}

TEST(FormatTest, PerClassTableAndMatrixAreFixedWidth) {
  const ConfusionMatrix matrix = Example();
  const std::string table = FormatPerClassTable(ClassificationReport::From(matrix));
  EXPECT_EQ(table.substr(0, table.find('\n')), "class  precision     recall         F1     support");
  EXPECT_NE(table.find("B         0.5000     0.7500     0.6000           4\n"), std::string::npos) << table;
  EXPECT_EQ(FormatConfusionMatrix(matrix),
            "confusion matrix (rows: true class, columns: predicted class by number)\n"
            "      #0 #1 #2 #3\n"
            "#0 A   5  2  0  1\n"
            "#1 B   1  3  0  0\n"
            "#2 C   2  1  0  0\n"
            "#3 D   0  0  0  0\n");
}

TEST(JsonTest, MatchesRunResultsShape) {
  const ConfusionMatrix matrix = Example();
  const auto json = EvaluationJson(matrix, ClassificationReport::From(matrix));
  EXPECT_DOUBLE_EQ(json["metrics"]["accuracy"].get<double>(), 8.0 / 15);
  EXPECT_DOUBLE_EQ(json["metrics"]["weighted_f1"].get<double>(), 7.4 / 15);
  EXPECT_EQ(json["per_class"][1]["class"], "B");
  EXPECT_EQ(json["per_class"][2]["support"], 3);
  EXPECT_EQ(json["confusion_matrix"]["labels"], nlohmann::json({"A", "B", "C", "D"}));
  EXPECT_EQ(json["confusion_matrix"]["matrix"][0], nlohmann::json({5, 2, 0, 1}));
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"metrics", "per_class", "confusion_matrix"}));
}

}  // namespace
}  // namespace tad
