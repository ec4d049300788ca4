// The train job in one process: a ThreadCommunicator cluster stands in for MPI ranks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cluster/thread_communicator.h"
#include "dataset/duckdb_database.h"
#include "jobs/eval.h"
#include "jobs/predict.h"
#include "jobs/run_results.h"
#include "jobs/train.h"

namespace tad::jobs {
namespace {

namespace fs = std::filesystem;

fs::path TestDir() {
  const fs::path dir = fs::temp_directory_path() / ("tad_jobs_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

// Three learnable classes over extract-named columns, several row groups per partition;
// `with_ttl` false leaves the ip_ttl column out.
fs::path MakeDataset(const std::string& name, bool with_ttl = true) {
  const fs::path dir = TestDir() / name;
  fs::remove_all(dir);
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  ThrowIfError(db.Execute(
      "COPY (SELECT 'cap' || (i % 3) || '.pcap' AS source_file, i AS packet_index, "
      "(hash(i) % 1500)::INTEGER AS frame_len, " +
      std::string(with_ttl ? "(hash(i * 7) % 255)::INTEGER AS ip_ttl, " : "") +
      "(hash(i * 3) % 1400)::INTEGER AS payload_len, "
      "CASE WHEN hash(i) % 1500 < 500 THEN 'Chat' WHEN hash(i * 3) % 1400 < 700 THEN 'Video' ELSE 'Games' END "
      "AS category FROM range(20000) t(i)) TO " + SqlQuote(dir.string()) +
      " (FORMAT parquet, PARTITION_BY (category), ROW_GROUP_SIZE 1024)"));
  return dir;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TrainOptions Options(const fs::path& dataset, const fs::path& model) {
  TrainOptions options;
  options.dataset = dataset.string();
  options.model = model.string();
  options.parameters.max_depth = 6;
  options.threads = 2;
  options.features = "frame_len,ip_ttl,payload_len";
  return options;
}

TEST(TrainJobTest, ModelFileIsByteIdenticalFor1To3Ranks) {
  const fs::path dataset = MakeDataset("ranks");
  std::vector<std::string> models;
  for (int ranks : {1, 2, 3}) {
    const fs::path model = TestDir() / ("model_" + std::to_string(ranks) + ".json");
    fs::remove(model);
    ThreadCluster(ranks).Run([&](Communicator& communicator) {
      auto results = Train(Options(dataset, model), communicator, nullptr);
      ASSERT_TRUE(results.ok()) << results.status().message();
      EXPECT_EQ(results->executors, ranks);
    });
    models.push_back(ReadFile(model));
  }
  ASSERT_NE(models[0].find("\"feature\""), std::string::npos) << "the tree should have splits";
  EXPECT_EQ(models[1], models[0]);
  EXPECT_EQ(models[2], models[0]);
}

TEST(TrainJobTest, EvalOfTheTestSplitGivesTrainingsFigures) {
  const fs::path dataset = MakeDataset("eval");
  const fs::path model = TestDir() / "eval_model.json";
  fs::remove(model);
  RunResults trained;
  ThreadCluster(2).Run([&](Communicator& communicator) {
    auto results = Train(Options(dataset, model), communicator, nullptr);
    ASSERT_TRUE(results.ok()) << results.status().message();
    if (communicator.is_driver()) trained = *results;
  });
  auto evaluated = Eval(EvalOptions{dataset.string(), model.string(), false, 1, "test"});
  ASSERT_TRUE(evaluated.ok()) << evaluated.status().message();
  EXPECT_EQ(evaluated->evaluation.report.accuracy, trained.evaluation.report.accuracy);
  EXPECT_EQ(*evaluated->dataset.evaluated_rows, *trained.dataset.test_rows);
  EXPECT_EQ(evaluated->model.hash, trained.model.hash);
}

TEST(RunResultsTest, JsonRoundTripKeepsEveryField) {
  const fs::path dataset = MakeDataset("round_trip");
  const fs::path model = TestDir() / "round_trip_model.json";
  fs::remove(model);
  TrainOptions options = Options(dataset, model);
  options.metrics_file = "metrics.prom";
  options.command = "tad train 'a b'";
  std::string text;
  ThreadCluster(2).Run([&](Communicator& communicator) {
    auto results = Train(options, communicator, nullptr);
    ASSERT_TRUE(results.ok()) << results.status().message();
    if (communicator.is_driver()) text = results->ToJson();
  });
  auto parsed = RunResults::FromJson(text, "results.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->ToJson(), text);
  EXPECT_EQ(parsed->dataset.row_kind, "packets");  // packet_index identifies its rows
  auto wrong = RunResults::FromJson(R"({"schema": "tad.run/1", "executors": 1})", "r.json");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("timing/total_seconds"), std::string::npos) << wrong.status().message();
}

// Rank 1 alone is given a bad dataset: every rank returns the same error, naming executor 1, and
// no model file is written.
void ExpectAllRanksFail(const fs::path& bad_dataset, const std::string& fragment,
                        const std::optional<std::string>& features = std::nullopt) {
  const fs::path good = MakeDataset("good");
  const fs::path model = TestDir() / "failed_model.json";
  fs::remove(model);
  std::mutex mutex;
  std::vector<std::string> messages;
  ThreadCluster(3).Run([&](Communicator& communicator) {
    TrainOptions options = Options(communicator.rank() == 1 ? bad_dataset : good, model);
    if (features) options.features = *features;
    auto results = Train(options, communicator, nullptr);
    std::lock_guard lock(mutex);
    messages.push_back(results.ok() ? "ok" : results.status().message());
  });
  ASSERT_EQ(messages.size(), 3u);
  for (const auto& message : messages) {
    EXPECT_EQ(message, messages[0]);
    EXPECT_NE(message.find("executor 1 (host "), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(model));
}

TEST(TrainJobFailureTest, MissingDatasetOnOneRank) { ExpectAllRanksFail(TestDir() / "missing", "does not exist"); }

TEST(TrainJobFailureTest, DatasetLackingAFeatureColumnOnOneRank) {
  ExpectAllRanksFail(MakeDataset("no_ttl", false), "has no column 'ip_ttl'");
}

TEST(TrainJobFailureTest, CorruptParquetFileOnOneRank) {
  const fs::path corrupt = MakeDataset("corrupt");
  fs::path victim;
  for (const auto& entry : fs::recursive_directory_iterator(corrupt)) {
    if (entry.path().extension() == ".parquet") victim = entry.path();
  }
  std::ofstream(victim, std::ios::binary | std::ios::trunc) << "not parquet at all";
  ExpectAllRanksFail(corrupt, victim.filename().string());
}

TEST(TrainJobFailureTest, RanksChoosingDifferentFeatures) {
  // Without --features each rank takes the feature columns its dataset has.
  ExpectAllRanksFail(MakeDataset("fewer_columns", false), "executor 0's gives", "");
}

// One schema check for every job that reads features: a VARCHAR column holding numbers ('64')
// is refused by train, eval and predict alike, with one line naming the dataset and the type.
TEST(SchemaCheckTest, AVarcharFeatureIsRefusedByTrainEvalAndPredict) {
  const fs::path good = MakeDataset("schema_good");
  const fs::path text = TestDir() / "schema_text";
  fs::remove_all(text);
  fs::create_directories(text);
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  ThrowIfError(db.Execute("COPY (SELECT frame_len, ip_ttl::VARCHAR AS ip_ttl, payload_len, category FROM read_parquet(" +
                          SqlQuote((good / "**" / "*.parquet").string()) + ", hive_partitioning = true)) TO " +
                          SqlQuote((text / "part.parquet").string()) + " (FORMAT parquet)"));
  const std::string expected = "dataset " + text.string() + ": feature 'ip_ttl' is not numeric (its type is VARCHAR)";

  const fs::path model = TestDir() / "schema_model.json";
  fs::remove(model);
  ThreadCluster(1).Run([&](Communicator& communicator) {
    auto refused = Train(Options(text, TestDir() / "schema_refused.json"), communicator, nullptr);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(refused.status().message(), expected);
    ASSERT_TRUE(Train(Options(good, model), communicator, nullptr).ok());
  });

  EvalOptions eval;
  eval.dataset = text.string();
  eval.model = model.string();
  auto evaluated = Eval(eval);
  ASSERT_FALSE(evaluated.ok());
  EXPECT_EQ(evaluated.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(evaluated.status().message(), expected);

  PredictOptions predict;
  predict.dataset = text.string();
  predict.model = model.string();
  predict.out = (TestDir() / "schema_predictions.parquet").string();
  auto predicted = Predict(predict);
  ASSERT_FALSE(predicted.ok());
  EXPECT_EQ(predicted.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(predicted.status().message(), expected);
  EXPECT_FALSE(fs::exists(predict.out));
}

}  // namespace
}  // namespace tad::jobs
