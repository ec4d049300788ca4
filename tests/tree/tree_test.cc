#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"
#include "cluster/thread_communicator.h"
#include "tree/model.h"
#include "tree/split.h"
#include "tree/train_model.h"
#include "tree/trainer.h"
#include "tree/training_data.h"

namespace tad {
namespace {

namespace fs = std::filesystem;

// A learnable dataset with NULLs, four imbalanced classes, several row groups per partition.
fs::path MakeDataset(const std::string& name, int64_t rows) {
  const fs::path dir = fs::temp_directory_path() / ("tad_tree_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  ThrowIfError(db.Execute(
      "COPY (SELECT 'cap' || (i % 5) || '.pcap' AS source_file, i AS packet_index, "
      "(hash(i) % 1000)::INTEGER AS a, (hash(i * 7 + 1) % 50)::SMALLINT AS b, "
      "CASE WHEN i % 11 = 0 THEN NULL ELSE (hash(i * 3 + 2) % 100000) / 100.0 END AS c, "
      "(hash(i * 5 + 3) % 3)::TINYINT AS d, 'x' AS note, "
      "CASE WHEN hash(i * 13) % 10 = 0 THEN 'B' WHEN hash(i) % 1000 < 300 AND hash(i * 7 + 1) % 50 < 20 THEN 'A' "
      "WHEN hash(i) % 1000 < 600 THEN 'B' WHEN hash(i * 7 + 1) % 50 > 40 THEN 'C' "
      "WHEN (hash(i * 3 + 2) % 100000) < 30000 THEN 'D' ELSE 'B' END AS category "
      "FROM range(" + std::to_string(rows) + ") t(i)) TO " + SqlQuote(dir.string()) +
      " (FORMAT parquet, PARTITION_BY (category), ROW_GROUP_SIZE 2048)"));
  return dir;
}

const std::vector<std::string> kFeatures = {"a", "b", "c", "d"};

std::string TrainModelJson(const fs::path& dir, int ranks, int threads, TreeParameters parameters) {
  std::string json;
  ThreadCluster(ranks).Run([&](Communicator& communicator) {
    auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
    auto dataset = ValueOrThrow(ParquetDataset::Open(db, dir, parameters.label));
    ThrowIfError(dataset.CheckColumns(kFeatures));
    auto data = ValueOrThrow(LoadTrainingData(db, dataset, kFeatures, parameters, communicator, threads, nullptr));
    const Model model = TrainModel(data, parameters, communicator, threads, nullptr, nullptr);
    if (communicator.rank() == 0) json = model.ToJson();
  });
  return json;
}

TEST(TreeTrainingTest, ModelIsByteIdenticalForAnyRankAndThreadCount) {
  const fs::path dir = MakeDataset("determinism", 30000);
  TreeParameters parameters;
  parameters.max_depth = 6;
  parameters.max_bins = 16;
  const std::string reference = TrainModelJson(dir, 1, 1, parameters);
  ASSERT_NE(reference.find("\"feature\""), std::string::npos) << "the tree should have splits";
  for (int ranks : {1, 2, 3, 7}) {
    for (int threads : {1, 2, 3}) {
      if (ranks == 1 && threads == 1) continue;
      EXPECT_EQ(TrainModelJson(dir, ranks, threads, parameters), reference) << ranks << " ranks, " << threads << " threads";
    }
  }
  parameters.impurity = Impurity::kEntropy;
  EXPECT_EQ(TrainModelJson(dir, 3, 2, parameters), TrainModelJson(dir, 1, 1, parameters));
  fs::remove_all(dir);
}

TEST(TreeTrainingTest, LearnsTheRuleAndRoundTripsThroughTheModelFile) {
  const fs::path dir = MakeDataset("accuracy", 20000);
  TreeParameters parameters;
  parameters.max_depth = 8;
  const std::string json = TrainModelJson(dir, 2, 2, parameters);
  auto model = Model::FromJson(json, "test");
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->ToJson(), json);
  EXPECT_EQ(model->classes, (std::vector<std::string>{"A", "B", "C", "D"}));
  const auto importances = model->FeatureImportances();
  double sum = 0;
  for (double v : importances) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_GT(importances[0], importances[3]);  // a decides a lot, d nothing

  // Accuracy on the held-out rows: the rule is exact except for the 10 % noise.
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db, dir, "category"));
  ThreadCluster(1).Run([&](Communicator& communicator) {
    auto data = ValueOrThrow(LoadTrainingData(db, dataset, kFeatures, parameters, communicator, 1, nullptr));
    CompiledTree tree(model->trees[0]);
    std::vector<int32_t> predicted(data.test_labels.size());
    tree.PredictBatch(data.test_values.data(), static_cast<int64_t>(predicted.size()), 4, predicted.data(), 2);
    int64_t correct = 0;
    for (size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == data.test_labels[i];
    EXPECT_GT(static_cast<double>(correct) / static_cast<double>(predicted.size()), 0.85);
    EXPECT_NEAR(static_cast<double>(data.test_rows) / static_cast<double>(data.rows), 0.2, 0.02);
  });
  fs::remove_all(dir);
}

TEST(FeatureBinsTest, FewDistinctValuesGetABinEachAndMissingIsLast) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  FeatureBins bins = ComputeFeatureBins({443, 80, 80, 53, nan, 443}, 32);
  EXPECT_EQ(bins.edges, (std::vector<double>{53, 80}));
  EXPECT_EQ(bins.Bin(53), 0);
  EXPECT_EQ(bins.Bin(60), 1);
  EXPECT_EQ(bins.Bin(80), 1);
  EXPECT_EQ(bins.Bin(443), 2);
  EXPECT_EQ(bins.Bin(9999), 2);
  EXPECT_EQ(bins.Bin(nan), 3);
  EXPECT_EQ(bins.total_bins(), 4);
}

TEST(FeatureBinsTest, ManyDistinctValuesGetQuantileEdgesIndependentOfOrder) {
  std::vector<float> sample;
  for (int i = 0; i < 1000; ++i) sample.push_back(static_cast<float>((i * 37) % 1000));
  FeatureBins bins = ComputeFeatureBins(sample, 4);
  EXPECT_EQ(bins.edges, (std::vector<double>{249, 499, 749}));
  std::reverse(sample.begin(), sample.end());
  EXPECT_EQ(ComputeFeatureBins(sample, 4).edges, bins.edges);
}

TEST(SplitTest, PicksTheBestGainAndBreaksTiesByLowerFeature) {
  // Two features with identical histograms: the split must be on feature 0.
  std::vector<FeatureBins> bins(2);
  bins[0].edges = {1, 2};
  bins[1].edges = {1, 2};
  HistogramLayout layout(bins, 2);
  // Per feature: 3 value bins + missing, 2 classes. Class 0 in bin 0, class 1 in bins 1 and 2.
  std::vector<int64_t> histogram(layout.node_stride(), 0);
  for (int f = 0; f < 2; ++f) {
    histogram[layout.offset(f) + 0 * 2 + 0] = 10;
    histogram[layout.offset(f) + 1 * 2 + 1] = 5;
    histogram[layout.offset(f) + 2 * 2 + 1] = 5;
  }
  TreeParameters parameters;
  std::vector<int64_t> counts = {10, 10};
  Split split = FindBestSplit(histogram, layout, counts, parameters);
  ASSERT_TRUE(split.valid);
  EXPECT_EQ(split.feature, 0);
  EXPECT_EQ(split.bin, 0);
  EXPECT_DOUBLE_EQ(split.gain, 0.5);
  EXPECT_EQ(split.left_counts, (std::vector<int64_t>{10, 0}));
  parameters.min_instances_per_node = 11;
  EXPECT_FALSE(FindBestSplit(histogram, layout, counts, parameters).valid);
  parameters.min_instances_per_node = 1;
  parameters.min_info_gain = 0.6;
  EXPECT_FALSE(FindBestSplit(histogram, layout, counts, parameters).valid);
}

TEST(ModelFileTest, RefusesForeignAndDamagedFiles) {
  EXPECT_NE(Model::FromJson("not json", "m.json").status().message().find("not a tad model"), std::string::npos);
  EXPECT_NE(Model::FromJson("{\"format\": \"other/2\"}", "m.json").status().message().find("has format 'other/2'"),
            std::string::npos);
  Model model;
  model.features = {"a"};
  model.classes = {"x", "y"};
  model.training_data.class_counts = {1, 1};
  DecisionTree tree;
  tree.nodes = {{0, 0, {1, 1}, 0, 0.5, 1, 2, 0.5, 0}, {1, 1, {1, 0}, -1, 0, -1, -1, 0, 0}, {2, 1, {0, 1}, -1, 0, -1, -1, 0, 1}};
  model.trees = {tree};
  const std::string good = model.ToJson();
  ASSERT_TRUE(Model::FromJson(good, "m.json").ok()) << Model::FromJson(good, "m.json").status().message();
  std::string bad = good;
  bad.replace(bad.find("\"right\": 2"), 10, "\"right\": 9");
  auto result = Model::FromJson(bad, "m.json");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("damaged"), std::string::npos);
  EXPECT_FALSE(Model::FromJson(good.substr(0, good.size() / 2), "m.json").ok());

  CompiledTree compiled(tree);
  const float rows[] = {0.5f, 0.7f, std::numeric_limits<float>::quiet_NaN()};
  EXPECT_EQ(compiled.Predict(&rows[0]), 0);
  EXPECT_EQ(compiled.Predict(&rows[1]), 1);
  EXPECT_EQ(compiled.Predict(&rows[2]), 1);  // missing goes right
}

TEST(TrainingDataTest, SingleClassAndMissingColumnsAreRefused) {
  const fs::path dir = fs::temp_directory_path() / ("tad_tree_test_single_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  ThrowIfError(db.Execute("COPY (SELECT i::INTEGER AS a, 'x' AS s, 'only' AS category FROM range(100) t(i)) TO " +
                          SqlQuote(dir.string()) + " (FORMAT parquet, PARTITION_BY (category))"));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db, dir, "category"));
  EXPECT_EQ(dataset.CheckColumns({"zz"}).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(dataset.CheckColumns({"s"}).message().find("not numeric"), std::string::npos);
  ThreadCluster(2).Run([&](Communicator& communicator) {
    auto local_db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
    auto data = LoadTrainingData(local_db, dataset, {"a"}, TreeParameters{}, communicator, 1, nullptr);
    ASSERT_FALSE(data.ok());
    EXPECT_NE(data.status().message().find("single class"), std::string::npos);
  });
  EXPECT_FALSE(ParquetDataset::Open(db, dir / "nothing", "category").ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tad
