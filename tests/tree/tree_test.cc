#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"
#include "cluster/thread_communicator.h"
#include "tree/model.h"
#include "common/hash.h"
#include "tree/split.h"
#include "tree/train_model.h"
#include "tree/trainer.h"
#include "tree/training_data.h"

namespace tad {
namespace {

namespace fs = std::filesystem;

// The loaded test rows as the values that predict them.
std::vector<float> TestValues(const TrainingData& data) {
  std::vector<float> values(static_cast<size_t>(data.test.rows()) * data.features.size());
  TestRowValues(data, 0, data.test.rows(), values.data());
  return values;
}

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
  parameters.split_by = SplitBy::kRow;  // the tests hold out rows, not whole files
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
  parameters.split_by = SplitBy::kRow;  // the tests hold out rows, not whole files
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
    std::vector<int32_t> predicted(data.test.labels.size());
    tree.PredictBatch(TestValues(data).data(), static_cast<int64_t>(predicted.size()), 4, predicted.data(), 2);
    int64_t correct = 0;
    for (size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == data.test.labels[i];
    EXPECT_GT(static_cast<double>(correct) / static_cast<double>(predicted.size()), 0.85);
    EXPECT_NEAR(static_cast<double>(data.test_rows) / static_cast<double>(data.rows), 0.2, 0.02);
  });
  fs::remove_all(dir);
}

TEST(ForestTrainingTest, ForestIsByteIdenticalForAnyRankAndThreadCount) {
  const fs::path dir = MakeDataset("forest_determinism", 20000);
  TreeParameters parameters;
  parameters.split_by = SplitBy::kRow;  // the tests hold out rows, not whole files
  parameters.classifier = Classifier::kRandomForest;
  parameters.num_trees = 5;
  parameters.max_depth = 5;
  parameters.max_bins = 16;
  parameters.subsampling_rate = 0.7;
  const std::string reference = TrainModelJson(dir, 1, 1, parameters);
  ASSERT_NE(reference.find("\"random_forest\""), std::string::npos);
  for (int ranks : {1, 2, 3, 7}) {
    for (int threads : {1, 2, 3}) {
      if (ranks == 1 && threads == 1) continue;
      EXPECT_EQ(TrainModelJson(dir, ranks, threads, parameters), reference) << ranks << " ranks, " << threads << " threads";
    }
  }
  parameters.bootstrap = false;
  parameters.feature_subset_strategy = "0.5";
  EXPECT_EQ(TrainModelJson(dir, 3, 2, parameters), TrainModelJson(dir, 1, 1, parameters));
  fs::remove_all(dir);
}

TEST(BoostingTest, GbtIsByteIdenticalForAnyRankAndThreadCount) {
  const fs::path dir = MakeDataset("gbt_determinism", 20000);
  TreeParameters parameters;
  parameters.split_by = SplitBy::kRow;  // the tests hold out rows, not whole files
  parameters.classifier = Classifier::kGbt;
  parameters.max_iter = 4;
  parameters.max_depth = 4;
  parameters.max_bins = 16;
  parameters.subsampling_rate = 0.8;
  const std::string reference = TrainModelJson(dir, 1, 1, parameters);
  ASSERT_NE(reference.find("\"kind\": \"gbt\""), std::string::npos);
  ASSERT_NE(reference.find("\"feature\""), std::string::npos) << "the trees should have splits";
  for (int ranks : {1, 2, 3, 7}) {
    for (int threads : {1, 2, 3}) {
      if (ranks == 1 && threads == 1) continue;
      EXPECT_EQ(TrainModelJson(dir, ranks, threads, parameters), reference) << ranks << " ranks, " << threads << " threads";
    }
  }
  parameters.validation_fraction = 0.2;
  parameters.feature_subset_strategy = "0.5";
  EXPECT_EQ(TrainModelJson(dir, 3, 2, parameters), TrainModelJson(dir, 1, 1, parameters));
  fs::remove_all(dir);
}

TEST(BoostingTest, GbtLearnsRoundTripsAndStopsEarly) {
  const fs::path dir = MakeDataset("gbt_model", 20000);
  TreeParameters parameters;
  parameters.split_by = SplitBy::kRow;  // the tests hold out rows, not whole files
  parameters.classifier = Classifier::kGbt;
  parameters.max_iter = 10;
  parameters.max_depth = 4;
  const std::string json = TrainModelJson(dir, 2, 2, parameters);
  auto model = Model::FromJson(json, "test");
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->ToJson(), json);
  ASSERT_EQ(model->trees.size(), 40u);  // one tree per class per round
  ASSERT_EQ(model->base_score.size(), 4u);

  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db, dir, "category"));
  ThreadCluster(1).Run([&](Communicator& communicator) {
    auto data = ValueOrThrow(LoadTrainingData(db, dataset, kFeatures, parameters, communicator, 1, nullptr));
    const CompiledModel compiled(*model);
    const int64_t rows = static_cast<int64_t>(data.test.labels.size());
    std::vector<int32_t> predicted(static_cast<size_t>(rows));
    std::vector<double> probabilities(static_cast<size_t>(rows) * 4);
    compiled.PredictBatch(TestValues(data).data(), rows, 4, predicted.data(), 2);
    compiled.PredictProbabilities(TestValues(data).data(), rows, 4, probabilities.data(), 3);
    int64_t correct = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const double* p = probabilities.data() + r * 4;
      EXPECT_NEAR(p[0] + p[1] + p[2] + p[3], 1.0, 1e-12);
      EXPECT_EQ(predicted[static_cast<size_t>(r)], std::max_element(p, p + 4) - p);
      correct += predicted[static_cast<size_t>(r)] == data.test.labels[static_cast<size_t>(r)];
    }
    EXPECT_GT(static_cast<double>(correct) / static_cast<double>(rows), 0.85);
  });

  // A tolerance no round can meet stops after the first round and keeps at least one round.
  parameters.validation_fraction = 0.2;
  parameters.validation_tol = 1e6;
  auto stopped = Model::FromJson(TrainModelJson(dir, 1, 1, parameters), "test");
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->trees.size(), 4u);
  parameters.validation_tol = 0;
  auto full = Model::FromJson(TrainModelJson(dir, 1, 1, parameters), "test");
  ASSERT_TRUE(full.ok());
  EXPECT_GT(full->trees.size(), 4u);
  fs::remove_all(dir);
}

// The test rows' recall of each class under `model`.
std::vector<double> TestRecalls(const fs::path& dir, const TreeParameters& parameters, const Model& model) {
  std::vector<double> recalls;
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db, dir, "category"));
  ThreadCluster(1).Run([&](Communicator& communicator) {
    auto data = ValueOrThrow(LoadTrainingData(db, dataset, kFeatures, parameters, communicator, 1, nullptr));
    const CompiledModel compiled(model);
    std::vector<int32_t> predicted(data.test.labels.size());
    compiled.PredictBatch(TestValues(data).data(), static_cast<int64_t>(predicted.size()), 4, predicted.data(), 1);
    std::vector<int64_t> hits(model.classes.size(), 0), totals(model.classes.size(), 0);
    for (size_t i = 0; i < predicted.size(); ++i) {
      ++totals[data.test.labels[i]];
      hits[data.test.labels[i]] += predicted[i] == data.test.labels[i];
    }
    for (size_t c = 0; c < totals.size(); ++c) recalls.push_back(static_cast<double>(hits[c]) / static_cast<double>(totals[c]));
  });
  return recalls;
}

TEST(ClassWeightsTest, BalancedWeightsAreDeterministicWeighTheCountsAndRaiseMinorityRecall) {
  const fs::path dir = MakeDataset("class_weights", 20000);
  for (Classifier classifier : kClassifiers) {
    TreeParameters parameters;
    parameters.split_by = SplitBy::kRow;  // the tests hold out rows, not whole files
    parameters.classifier = classifier;
    parameters.max_depth = 3;
    parameters.num_trees = 4;
    parameters.max_iter = 5;
    const std::string name(kClassifierNames[static_cast<size_t>(classifier)]);
    const std::string plain = TrainModelJson(dir, 1, 1, parameters);
    EXPECT_EQ(plain.find("class_weights"), std::string::npos) << name << ": none is the default and left out";
    parameters.class_weights = ClassWeights::kBalanced;
    const std::string balanced = TrainModelJson(dir, 1, 1, parameters);
    EXPECT_NE(balanced.find("\"class_weights\": \"balanced\""), std::string::npos) << name;
    EXPECT_EQ(TrainModelJson(dir, 3, 2, parameters), balanced) << name;
    EXPECT_EQ(TrainModelJson(dir, 7, 3, parameters), balanced) << name;
    auto plain_model = Model::FromJson(plain, "plain");
    auto balanced_model = Model::FromJson(balanced, "balanced");
    ASSERT_TRUE(plain_model.ok() && balanced_model.ok());
    EXPECT_EQ(balanced_model->ToJson(), balanced);
    if (classifier == Classifier::kDecisionTree) {
      // The root's counts are each class's training rows times its fixed-point weight n / (K n_c).
      const auto& counts = balanced_model->training_data.class_counts;
      const std::vector<double> weights = ClassWeightValues(ClassWeights::kBalanced, counts);
      for (size_t c = 0; c < counts.size(); ++c) {
        EXPECT_EQ(balanced_model->trees[0].nodes[0].counts[c],
                  counts[c] * std::llround(weights[c] * static_cast<double>(kClassWeightUnit)));
      }
    }
    // The rarest class gets at least the recall it had without weights.
    const auto& counts = plain_model->training_data.class_counts;
    const size_t rarest = static_cast<size_t>(std::min_element(counts.begin(), counts.end()) - counts.begin());
    const std::vector<double> before = TestRecalls(dir, parameters, *plain_model);
    const std::vector<double> after = TestRecalls(dir, parameters, *balanced_model);
    EXPECT_GE(after[rarest], before[rarest]) << name;
  }
  fs::remove_all(dir);
}

TEST(ForestTrainingTest, TreesDifferAndProbabilitiesAreTheMeanOfLeafShares) {
  const fs::path dir = MakeDataset("forest_model", 20000);
  TreeParameters parameters;
  parameters.split_by = SplitBy::kRow;  // the tests hold out rows, not whole files
  parameters.classifier = Classifier::kRandomForest;
  parameters.num_trees = 4;
  parameters.max_depth = 6;
  const std::string json = TrainModelJson(dir, 2, 2, parameters);
  auto model = Model::FromJson(json, "test");
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->ToJson(), json);
  ASSERT_EQ(model->trees.size(), 4u);
  EXPECT_NE(model->trees[0].nodes[0].counts, model->trees[1].nodes[0].counts) << "bootstrap samples differ";
  EXPECT_EQ(model->parameters.num_trees, 4);

  const std::vector<float> row = {100, 10, 500, 1};
  const CompiledModel compiled(*model);
  std::vector<double> probabilities(4);
  compiled.PredictProbabilities(row.data(), 1, 4, probabilities.data(), 1);
  // The oracle: walk each tree by hand and average its leaf's class shares.
  std::vector<double> expected(4, 0.0);
  for (const auto& tree : model->trees) {
    const TreeNode* node = &tree.nodes[0];
    while (!node->is_leaf()) {
      node = &tree.nodes[static_cast<size_t>(row[static_cast<size_t>(node->feature)] <= node->threshold ? node->left
                                                                                                            : node->right)];
    }
    int64_t total = 0;
    for (int64_t c : node->counts) total += c;
    for (size_t c = 0; c < 4; ++c) expected[c] += static_cast<double>(node->counts[c]) / static_cast<double>(total) / 4;
  }
  for (size_t c = 0; c < 4; ++c) EXPECT_NEAR(probabilities[c], expected[c], 1e-12) << c;
  int32_t predicted = -1;
  compiled.PredictBatch(row.data(), 1, 4, &predicted, 1);
  EXPECT_EQ(predicted, std::max_element(expected.begin(), expected.end()) - expected.begin());
  fs::remove_all(dir);
}

TEST(ForestTrainingTest, RowWeightsAreBootstrapLikeAndFeatureSubsetsFollowTheStrategy) {
  TreeParameters parameters;
  parameters.split_by = SplitBy::kRow;  // the tests hold out rows, not whole files
  parameters.classifier = Classifier::kRandomForest;
  // Poisson(1): mean 1, P(0) = e^-1.
  double sum = 0;
  int zeros = 0;
  const int n = 200000;
  const ForestSampler sampler(parameters);
  for (int i = 0; i < n; ++i) {
    const uint8_t w = sampler.Weight(Mix64(static_cast<uint64_t>(i)), 3);
    sum += w;
    zeros += w == 0;
  }
  EXPECT_NEAR(sum / n, 1.0, 0.01);
  EXPECT_NEAR(static_cast<double>(zeros) / n, std::exp(-1.0), 0.005);
  EXPECT_EQ(CandidateFeatures(parameters, 13, 0, 0).size(), 4u);  // auto = sqrt, rounded up (Spark)
  parameters.feature_subset_strategy = "log2";
  EXPECT_EQ(CandidateFeatures(parameters, 13, 0, 0).size(), 4u);
  parameters.feature_subset_strategy = "onethird";
  EXPECT_EQ(CandidateFeatures(parameters, 13, 0, 0).size(), 5u);
  parameters.feature_subset_strategy = "0.5";
  EXPECT_EQ(CandidateFeatures(parameters, 13, 0, 0).size(), 7u);
  parameters.feature_subset_strategy = "all";
  EXPECT_EQ(CandidateFeatures(parameters, 13, 0, 0).size(), 13u);
  parameters.feature_subset_strategy = "sqrt";
  EXPECT_NE(CandidateFeatures(parameters, 13, 0, 1), CandidateFeatures(parameters, 13, 0, 2));
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
  parameters.split_by = SplitBy::kRow;  // the tests hold out rows, not whole files
  std::vector<int64_t> counts = {10, 10};
  const std::vector<int32_t> kBothFeatures = {0, 1};
  Split split = FindBestSplit(histogram, layout, counts, kBothFeatures, parameters);
  ASSERT_TRUE(split.valid);
  EXPECT_EQ(split.feature, 0);
  EXPECT_EQ(split.bin, 0);
  EXPECT_DOUBLE_EQ(split.gain, 0.5);
  EXPECT_EQ(split.left_counts, (std::vector<int64_t>{10, 0}));
  parameters.min_instances_per_node = 11;
  EXPECT_FALSE(FindBestSplit(histogram, layout, counts, kBothFeatures, parameters).valid);
  parameters.min_instances_per_node = 1;
  parameters.min_info_gain = 0.6;
  EXPECT_FALSE(FindBestSplit(histogram, layout, counts, kBothFeatures, parameters).valid);
}

TEST(ModelFileTest, RefusesForeignAndDamagedFiles) {
  EXPECT_NE(Model::FromJson("not json", "m.json").status().message().find("not a tad model"), std::string::npos);
  EXPECT_NE(Model::FromJson("{\"format\": \"other/2\"}", "m.json").status().message().find("has format 'other/2'"),
            std::string::npos);
  Model model;
  model.parameters.split_by = SplitBy::kRow;  // as training resolves it: a model file never says auto
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

// A model file as a JSON library rewrites it (nlohmann's document: keys sorted, so "trees" comes
// before "training_data" and a node's "counts" first), with a key tad does not know in the header,
// a tree and a node, reads back as the same model; a node that lacks a key is damaged, named.
TEST(ModelFileTest, ReadsAnyKeyOrderAndIgnoresUnknownKeys) {
  for (Classifier classifier : {Classifier::kRandomForest, Classifier::kGbt}) {
    const bool boosted = classifier == Classifier::kGbt;
    Model model;
    model.parameters.classifier = classifier;
    model.parameters.split_by = SplitBy::kRow;
    model.features = {"a", "b"};
    model.classes = {"x", "y"};
    model.training_data.class_counts = {3, 4};
    if (boosted) model.base_score = {0.25};
    for (int t = 0; t < 2; ++t) {
      DecisionTree tree;
      tree.nodes = {{0, 0, {3, 4}, t, 0.5 + t, 1, 2, 0.125, 0},
                    {1, 1, {3, 1}, -1, 0, -1, -1, 0, 0, -0.5},
                    {2, 1, {0, 3}, -1, 0, -1, -1, 0, 1, 0.75}};
      if (boosted) {
        for (TreeNode& node : tree.nodes) node.counts = {node.counts[0] + node.counts[1]};
      }
      model.trees.push_back(tree);
    }
    const std::string text = model.ToJson();
    nlohmann::json document = nlohmann::json::parse(text);
    document["comment"] = {{"written", "by hand"}};
    document["trees"][1]["note"] = nlohmann::json::array({1, {{"deep", true}}});
    document["trees"][0]["nodes"][1]["extra"] = {{"counts", "not these"}};
    auto reread = Model::FromJson(document.dump(), "m.json");
    ASSERT_TRUE(reread.ok()) << reread.status().message();
    EXPECT_EQ(reread->ToJson(), text);

    document["trees"][1]["nodes"][2].erase(boosted ? "rows" : "counts");
    auto damaged = Model::FromJson(document.dump(), "m.json");
    ASSERT_FALSE(damaged.ok());
    const std::string missing = std::string("tree 1 node 2 has no \"") + (boosted ? "rows" : "counts") + "\"";
    EXPECT_NE(damaged.status().message().find(missing), std::string::npos)
        << damaged.status().message();
  }
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
