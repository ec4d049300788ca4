// Generates the training benchmark's dataset: ROWS rows × 12 numeric features × 13 imbalanced
// classes, as a hive-partitioned Parquet dataset (category=<class>/), and optionally the same rows
// as raw arrays for the Python peers (scikit-learn, XGBoost), with tad's own train/test split so
// every contender trains and tests on the same rows:
//   PREFIX.X.f32 (rows × 12 float32, row-major, NaN = missing), PREFIX.y.u8, PREFIX.test.u8,
//   PREFIX.classes.txt
// Usage: tad_gen_train_data OUT_DIR ROWS [NUMPY_PREFIX]
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"

namespace {

// Features depend on the class through overlapping ranges plus noise, some with few distinct
// values (like ports, TTLs, protocol numbers), some continuous, two pure noise; 15 % of the rows
// get a random label, so no model is perfect.
const char* kSql = R"(
COPY (
  WITH base AS (SELECT i, hash(i, 0) % 1000 AS p FROM range({rows}) t(i)),
  labelled AS (
    SELECT i, CASE WHEN p < 250 THEN 0 WHEN p < 400 THEN 1 WHEN p < 520 THEN 2 WHEN p < 610 THEN 3
                   WHEN p < 690 THEN 4 WHEN p < 760 THEN 5 WHEN p < 820 THEN 6 WHEN p < 870 THEN 7
                   WHEN p < 910 THEN 8 WHEN p < 945 THEN 9 WHEN p < 970 THEN 10 WHEN p < 988 THEN 11
                   ELSE 12 END AS c,
           hash(i, 20) % 100 < 15 AS noisy
    FROM base)
  SELECT
    (c * 90 + hash(i, 1) % 350 + hash(i, 15) % 350)::INTEGER AS frame_len,
    (CASE WHEN hash(i, 2) % 10 < 8 THEN 4 ELSE 6 END)::TINYINT AS ip_version,
    ((c % 4) * 64 - (hash(i, 3) % 8))::SMALLINT AS ip_ttl,
    (CASE WHEN hash(i, 4) % 13 < c % 7 + 3 THEN 6 ELSE 17 END)::SMALLINT AS ip_proto,
    (CASE WHEN hash(i, 5) % 3 = 0 THEN 443 ELSE 1024 + (c * 3000 + hash(i, 6) % 9000) % 60000 END)::INTEGER AS src_port,
    (CASE WHEN hash(i, 7) % 4 = 0 THEN 80 + c % 3 ELSE 443 END)::INTEGER AS dst_port,
    ((c * 7 + hash(i, 8) % 24) % 32)::SMALLINT AS tcp_flags,
    (CASE WHEN hash(i, 9) % 20 = 0 THEN NULL ELSE (c * 2000 + hash(i, 10) % 30000) END)::INTEGER AS tcp_window,
    (c * 60 + hash(i, 11) % 450 + hash(i, 16) % 450)::INTEGER AS payload_len,
    (hash(i, 12) % 2)::TINYINT AS direction,
    (exp((c % 5) + (hash(i, 13) % 1000) / 150.0))::BIGINT AS inter_arrival_us,
    (hash(i, 14) % 100)::SMALLINT AS ip_tos,
    ['Education','Finance','Games','Health_Fitness','Life_Service','Music','News','Reading','Shopping',
     'Social','Tools','Travel','Video'][(CASE WHEN noisy THEN hash(i, 21) % 13 ELSE c END)::BIGINT + 1] AS category
  FROM labelled
) TO '{dir}' (FORMAT parquet, PARTITION_BY (category), ROW_GROUP_SIZE 122880)
)";

std::string Replace(std::string text, const std::string& key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
    text.replace(at, key.size(), value);
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR ROWS [NUMPY_PREFIX]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::string rows = argv[2];
  try {
    auto db = tad::ValueOrThrow(tad::DuckDatabase::OpenInMemory());
    tad::ThrowIfError(db.Execute(Replace(Replace(kSql, "{rows}", std::to_string(std::stoll(rows))), "{dir}", dir)));
    if (argc < 4) return 0;
    const std::string prefix = argv[3];
    // Read it back the way tad does: same row identities, so the same split.
    auto dataset = tad::ValueOrThrow(tad::ParquetDataset::Open(db, dir, "category"));
    const std::vector<std::string>& features = tad::DefaultFeatureColumns();
    std::vector<std::string> present;
    for (const auto& f : features) {
      if (dataset.FindColumn(f)) present.push_back(f);
    }
    const auto& classes = dataset.partition_labels();
    std::ofstream x(prefix + ".X.f32", std::ios::binary);
    std::ofstream y(prefix + ".y.u8", std::ios::binary);
    std::ofstream test(prefix + ".test.u8", std::ios::binary);
    for (const auto& group : dataset.row_groups()) {
      tad::LoadedRows loaded;
      tad::ThrowIfError(tad::ReadRowGroup(db, dataset, group, present, 0, loaded));
      const uint8_t label = static_cast<uint8_t>(
          std::lower_bound(classes.begin(), classes.end(), group.partition_label) - classes.begin());
      x.write(reinterpret_cast<const char*>(loaded.values.data()),
              static_cast<std::streamsize>(loaded.values.size() * sizeof(float)));
      for (int64_t r = 0; r < loaded.rows(); ++r) {
        y.put(static_cast<char>(label));
        test.put(tad::IsTestRow(loaded.identity[static_cast<size_t>(r)], 0.2) ? 1 : 0);
      }
    }
    std::ofstream names(prefix + ".classes.txt");
    for (const auto& name : classes) names << name << "\n";
    std::printf("%s: %lld rows, %zu features, %zu classes, %zu row groups\n", dir.c_str(),
                static_cast<long long>(dataset.total_rows()), present.size(), classes.size(),
                dataset.row_groups().size());
  } catch (const tad::Error& e) {
    std::fprintf(stderr, "tad_gen_train_data: %s\n", e.what());
    return 1;
  }
  return 0;
}
