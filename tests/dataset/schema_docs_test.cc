// docs/flows.md follows the flow schema (dataset/schema.h): every column is named there, and the
// default features leave out identifiers, indices, timestamps and addresses.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "dataset/schema.h"

namespace tad {
namespace {

TEST(SchemaDocsTest, EveryFlowColumnIsDocumented) {
  std::ifstream file(TAD_FLOWS_DOC);
  ASSERT_TRUE(file) << TAD_FLOWS_DOC;
  std::stringstream text;
  text << file.rdbuf();
  for (const ColumnSpec& column : FlowColumns(1)) {
    EXPECT_NE(text.str().find(column.name), std::string::npos) << column.name << " is not in docs/flows.md";
  }
}

TEST(SchemaDocsTest, DefaultFlowFeatures) {
  std::vector<std::string> names;
  for (const ColumnSpec& column : FlowColumns(3)) names.push_back(column.name);
  const std::vector<std::string> features = DefaultFeatures(names);
  for (const char* excluded : {"source_file", "flow_index", "first_packet_index", "src_ip", "first_timestamp_ns",
                               "end_reason", "category"}) {
    EXPECT_EQ(std::count(features.begin(), features.end(), excluded), 0) << excluded;
  }
  for (const char* included : {"duration_us", "bwd_iat_std_us", "splt_iat_3_us", "dst_port"}) {
    EXPECT_EQ(std::count(features.begin(), features.end(), included), 1) << included;
  }
}

}  // namespace
}  // namespace tad
