// jobs::Extract in one process on the real captures (tests/data/captures): the summary against the
// captures' MANIFEST.tsv (packet counts and sizes recorded when the captures were imported), and
// the same dataset bytes for 1, 2 and 3 threads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "jobs/extract.h"

namespace tad::jobs {
namespace {

namespace fs = std::filesystem;

const fs::path kCaptures = TAD_CAPTURES_DIR;

fs::path TestDir() {
  const fs::path dir = fs::temp_directory_path() / ("tad_extract_job_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every file under `root`, by path relative to it, with its bytes.
std::map<std::string, std::string> Tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files[entry.path().lexically_relative(root).generic_string()] = ReadFile(entry.path());
  }
  return files;
}

struct ManifestTotals {
  uint64_t files = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  std::map<std::string, CategorySummary> categories;  // files and packets
};

ManifestTotals ReadManifest() {
  std::ifstream in(kCaptures / "MANIFEST.tsv");
  std::string line;
  std::getline(in, line);  // header: category, file, app, packets, bytes, ...
  ManifestTotals totals;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream stream(line);
    for (std::string field; std::getline(stream, field, '\t');) fields.push_back(field);
    if (fields.size() < 5) continue;
    const uint64_t packets = std::stoull(fields[3]);
    ++totals.files;
    totals.packets += packets;
    totals.bytes += std::stoull(fields[4]);
    ++totals.categories[fields[0]].files;
    totals.categories[fields[0]].packets += packets;
  }
  return totals;
}

// Counts what the job reports, from any thread.
class CountingSink : public ProgressSink {
 public:
  void Start(std::string_view, uint64_t total, std::string_view) override { total_ = total; }
  void Advance(uint64_t amount) override { advanced_ += amount; }
  void Warn(std::string_view) override { ++warnings_; }
  uint64_t total_ = 0;
  std::atomic<uint64_t> advanced_{0};
  int warnings_ = 0;
};

ExtractOptions Options(const fs::path& out, int threads, bool flows) {
  ExtractOptions options;
  options.input_dir = kCaptures.string();
  options.out_dir = out.string();
  options.threads = threads;
  options.flows = flows;
  return options;
}

TEST(ExtractJobTest, PacketSummaryMatchesManifest) {
  const ManifestTotals manifest = ReadManifest();
  ASSERT_GT(manifest.files, 0u);
  const fs::path out = TestDir() / "packets";
  fs::remove_all(out);
  CountingSink sink;
  ExtractOptions options = Options(out, 2, false);
  options.progress = &sink;
  auto summary = Extract(options);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->files, manifest.files);
  EXPECT_EQ(summary->counts.packets, manifest.packets);
  EXPECT_EQ(summary->bytes, manifest.bytes);
  EXPECT_TRUE(summary->invalid.empty());
  // Without sampling, every IP packet is a row.
  EXPECT_EQ(summary->rows, summary->counts.ip_packets);
  ASSERT_EQ(summary->categories.size(), manifest.categories.size());
  uint64_t rows = 0;
  for (const auto& [name, expected] : manifest.categories) {
    ASSERT_TRUE(summary->categories.count(name)) << name;
    const CategorySummary& got = summary->categories.at(name);
    EXPECT_EQ(got.files, expected.files) << name;
    EXPECT_EQ(got.packets, expected.packets) << name;
    rows += got.rows;
  }
  EXPECT_EQ(rows, summary->rows);
  // One hive partition per category (DuckDB percent-encodes the names, e.g. "Life%20Service").
  size_t partitions = 0;
  for (const auto& entry : fs::directory_iterator(out)) partitions += entry.path().filename().string().rfind("category=", 0) == 0;
  EXPECT_EQ(partitions, manifest.categories.size());
  // Progress covers every byte of every capture, once.
  EXPECT_EQ(sink.total_, manifest.bytes);
  EXPECT_EQ(sink.advanced_.load(), manifest.bytes);
  EXPECT_EQ(sink.warnings_, 0);
}

class ExtractThreadsTest : public ::testing::TestWithParam<bool> {};

// Files of 300 rows: the larger captures are split over several Parquet files, which threads
// write in whatever order they get to them.
TEST_P(ExtractThreadsTest, SameDatasetForOneTwoAndThreeThreads) {
  const bool flows = GetParam();
  const fs::path base = TestDir() / (flows ? "flows" : "rows");
  fs::remove_all(base);
  std::map<std::string, std::string> files_one;
  ExtractSummary one;
  for (int threads : {1, 2, 3}) {
    ExtractOptions options = Options(base / fmt::format("t{}", threads), threads, flows);
    options.rows_per_file = 300;
    auto summary = Extract(options);
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    const auto files = Tree(base / fmt::format("t{}", threads));
    if (threads == 1) {
      one = *summary;
      files_one = files;
      ASSERT_GT(one.rows, 0u);
      ASSERT_GT(files.size(), one.categories.size() + 10) << "no capture spans several files";
      continue;
    }
    EXPECT_EQ(one.rows, summary->rows);
    EXPECT_EQ(one.counts.packets, summary->counts.packets);
    EXPECT_EQ(one.counts.later_fragments, summary->counts.later_fragments);
    ASSERT_EQ(files_one.size(), files.size());
    for (const auto& [path, bytes] : files_one) {
      ASSERT_TRUE(files.count(path)) << path;
      EXPECT_TRUE(bytes == files.at(path)) << path << " differs between 1 and " << threads << " threads";
    }
  }
}

// One capture and more threads than captures: its reading is split over two threads (dissecting
// ahead of the flow tracker), which must not change a byte either.
TEST_P(ExtractThreadsTest, OneCaptureSameDatasetForOneTwoAndThreeThreads) {
  const bool flows = GetParam();
  const fs::path base = TestDir() / (flows ? "one-flows" : "one-rows");
  fs::remove_all(base);
  fs::create_directories(base / "in" / "Social");
  fs::copy_file(kCaptures / "Social" / "instagram.pcap", base / "in" / "Social" / "instagram.pcap");
  std::map<std::string, std::string> files_one;
  uint64_t rows_one = 0;
  for (int threads : {1, 2, 3}) {
    ExtractOptions options = Options(base / fmt::format("t{}", threads), threads, flows);
    options.input_dir = (base / "in").string();
    options.rows_per_file = flows ? 5 : 100;
    auto summary = Extract(options);
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    const auto files = Tree(base / fmt::format("t{}", threads));
    if (threads == 1) {
      files_one = files;
      rows_one = summary->rows;
      ASSERT_GT(files.size(), 3u);
      continue;
    }
    EXPECT_EQ(rows_one, summary->rows);
    ASSERT_EQ(files_one.size(), files.size());
    for (const auto& [path, bytes] : files_one) {
      ASSERT_TRUE(files.count(path)) << path;
      EXPECT_TRUE(bytes == files.at(path)) << path << " differs between 1 and " << threads << " threads";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(PacketsAndFlows, ExtractThreadsTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Flows" : "Packets"; });

TEST(ExtractJobTest, BadInputLeavesNoDataset) {
  const fs::path out = TestDir() / "bad";
  fs::remove_all(out);
  ExtractOptions options = Options(out, 1, false);
  options.sample = 0;
  auto bad_sample = Extract(options);
  ASSERT_FALSE(bad_sample.ok());
  EXPECT_EQ(bad_sample.status().code(), StatusCode::kInvalidArgument);

  options = Options(out, 1, false);
  options.input_dir = (TestDir() / "no-such-folder").string();
  auto missing = Extract(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no-such-folder"), std::string::npos);
  EXPECT_FALSE(fs::exists(out));
}

TEST(ExtractJobTest, InvalidFileEndsTheJobOrIsSkipped) {
  const fs::path input = TestDir() / "input";
  fs::remove_all(input);
  fs::create_directories(input / "Chat");
  fs::copy_file(kCaptures / "Education" / "pluralsight.pcap", input / "Chat" / "good.pcap");
  std::ofstream(input / "Chat" / "notes.txt") << "not a capture\n";
  const fs::path out = TestDir() / "skipped";
  fs::remove_all(out);
  ExtractOptions options = Options(out, 1, false);
  options.input_dir = input.string();
  auto refused = Extract(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("notes.txt"), std::string::npos) << refused.status().message();
  EXPECT_FALSE(fs::exists(out));

  CountingSink sink;
  options.skip_invalid = true;
  options.progress = &sink;
  auto skipped = Extract(options);
  ASSERT_TRUE(skipped.ok()) << skipped.status().message();
  EXPECT_EQ(skipped->invalid, std::vector<std::string>{"Chat/notes.txt"});
  EXPECT_EQ(skipped->files, 1u);
  EXPECT_EQ(skipped->counts.packets, 44u);  // MANIFEST.tsv: Education/pluralsight.pcap
  EXPECT_EQ(sink.warnings_, 1);
  EXPECT_TRUE(fs::exists(out));
}

}  // namespace
}  // namespace tad::jobs
