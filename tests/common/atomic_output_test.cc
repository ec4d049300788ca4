#include "common/atomic_output.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tad {
namespace {

namespace fs = std::filesystem;

class AtomicOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tad_atomic_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AtomicOutputTest, TargetAppearsOnlyOnCommit) {
  fs::path target = dir_ / "model.json";
  {
    auto out = AtomicOutput::Create(target, false);
    ASSERT_TRUE(out.ok());
    std::ofstream(out->temp_path()) << "x";
    EXPECT_FALSE(fs::exists(target));
    ASSERT_TRUE(out->Commit().ok());
  }
  EXPECT_TRUE(fs::exists(target));
}

TEST_F(AtomicOutputTest, AbandonedOutputLeavesNothing) {
  fs::path target = dir_ / "dataset";
  {
    auto out = AtomicOutput::Create(target, false);
    ASSERT_TRUE(out.ok());
    fs::create_directories(out->temp_path() / "category=Games");
  }
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(AtomicOutputTest, ExistingTargetNeedsOverwrite) {
  fs::path target = dir_ / "m";
  std::ofstream(target) << "old";
  auto refused = AtomicOutput::Create(target, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  auto out = AtomicOutput::Create(target, true);
  ASSERT_TRUE(out.ok());
  std::ofstream(out->temp_path()) << "new";
  ASSERT_TRUE(out->Commit().ok());
  std::ifstream in(target);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "new");
}

}  // namespace
}  // namespace tad
