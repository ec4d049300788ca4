#include "dataset/feature_row.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "dataset/schema.h"

namespace tad {
namespace {

constexpr double kNull = std::numeric_limits<double>::quiet_NaN();

template <typename Row>
using ValueOf = std::function<double(const Row&)>;

/// The packet feature columns, as ParquetRows::Append(PacketFeatures) writes them.
std::map<std::string, ValueOf<PacketFeatures>> PacketValues() {
  using P = const PacketFeatures&;
  auto in_flow = [](P p) { return p.flow_index != 0; };  // later fragments belong to no flow
  return {
      {"frame_len", [](P p) { return double(p.frame_len); }},
      {"ip_version", [](P p) { return double(p.ip_version); }},
      {"ip_header_len", [](P p) { return double(p.ip_header_len); }},
      {"ip_tos", [](P p) { return double(p.ip_tos); }},
      {"ip_ttl", [](P p) { return double(p.ip_ttl); }},
      {"ip_proto", [](P p) { return double(p.ip_proto); }},
      {"src_port", [](P p) { return p.has_ports ? double(p.src_port) : kNull; }},
      {"dst_port", [](P p) { return p.has_ports ? double(p.dst_port) : kNull; }},
      {"tcp_flags", [](P p) { return p.is_tcp ? double(p.tcp_flags) : kNull; }},
      {"tcp_window", [](P p) { return p.is_tcp ? double(p.tcp_window) : kNull; }},
      {"payload_len", [](P p) { return double(p.payload_len); }},
      {"direction", [in_flow](P p) { return in_flow(p) ? double(p.direction) : kNull; }},
      {"inter_arrival_us", [in_flow](P p) { return in_flow(p) ? double(p.inter_arrival_us) : kNull; }},
  };
}

void AddStats(std::map<std::string, ValueOf<FlowRecord>>& values, const std::string& prefix,
              const std::string& suffix, std::function<const IntegerStats&(const FlowRecord&)> stats) {
  auto value = [stats](auto get) {
    return [stats, get](const FlowRecord& f) {
      const IntegerStats& s = stats(f);
      return s.count > 0 ? get(s) : kNull;
    };
  };
  values[prefix + "min" + suffix] = value([](const IntegerStats& s) { return double(s.min); });
  values[prefix + "max" + suffix] = value([](const IntegerStats& s) { return double(s.max); });
  values[prefix + "mean" + suffix] = value([](const IntegerStats& s) { return s.Mean(); });
  values[prefix + "std" + suffix] = value([](const IntegerStats& s) { return s.Std(); });
}

/// The flow feature columns, as ParquetRows::Append(FlowRecord) writes them.
std::map<std::string, ValueOf<FlowRecord>> FlowValues() {
  using F = const FlowRecord&;
  std::map<std::string, ValueOf<FlowRecord>> v = {
      {"ip_version", [](F f) { return double(f.ip_version); }},
      {"ip_proto", [](F f) { return double(f.ip_proto); }},
      {"src_port", [](F f) { return f.has_ports ? double(f.src_port) : kNull; }},
      {"dst_port", [](F f) { return f.has_ports ? double(f.dst_port) : kNull; }},
      {"duration_us", [](F f) { return double((f.last_timestamp_ns - f.first_timestamp_ns) / 1000); }},
      {"packets", [](F f) { return double(f.sizes.count); }},
      {"bytes", [](F f) { return double(f.sizes.sum); }},
      {"fwd_packets", [](F f) { return double(f.directions[0].sizes.count); }},
      {"fwd_bytes", [](F f) { return double(f.directions[0].sizes.sum); }},
      {"bwd_packets", [](F f) { return double(f.directions[1].sizes.count); }},
      {"bwd_bytes", [](F f) { return double(f.directions[1].sizes.sum); }},
      {"fwd_payload_bytes", [](F f) { return double(f.directions[0].payload_bytes); }},
      {"bwd_payload_bytes", [](F f) { return double(f.directions[1].payload_bytes); }},
      {"syn_count", [](F f) { return double(f.syn_count); }},
      {"ack_count", [](F f) { return double(f.ack_count); }},
      {"psh_count", [](F f) { return double(f.psh_count); }},
      {"rst_count", [](F f) { return double(f.rst_count); }},
      {"fin_count", [](F f) { return double(f.fin_count); }},
      {"urg_count", [](F f) { return double(f.urg_count); }},
      {"fwd_init_window",
       [](F f) { return f.directions[0].init_window >= 0 ? double(f.directions[0].init_window) : kNull; }},
      {"bwd_init_window",
       [](F f) { return f.directions[1].init_window >= 0 ? double(f.directions[1].init_window) : kNull; }},
  };
  AddStats(v, "size_", "", [](F f) -> const IntegerStats& { return f.sizes; });
  AddStats(v, "fwd_size_", "", [](F f) -> const IntegerStats& { return f.directions[0].sizes; });
  AddStats(v, "bwd_size_", "", [](F f) -> const IntegerStats& { return f.directions[1].sizes; });
  AddStats(v, "iat_", "_us", [](F f) -> const IntegerStats& { return f.gaps_us; });
  AddStats(v, "fwd_iat_", "_us", [](F f) -> const IntegerStats& { return f.directions[0].gaps_us; });
  AddStats(v, "bwd_iat_", "_us", [](F f) -> const IntegerStats& { return f.directions[1].gaps_us; });
  for (size_t i = 0; i < static_cast<size_t>(kMaxSplt); ++i) {
    v[fmt::format("splt_size_{}", i + 1)] = [i](F f) { return i < f.splt_size.size() ? double(f.splt_size[i]) : kNull; };
    v[fmt::format("splt_dir_{}", i + 1)] = [i](F f) { return i < f.splt_dir.size() ? double(f.splt_dir[i]) : kNull; };
    v[fmt::format("splt_iat_{}_us", i + 1)] = [i](F f) {
      return i < f.splt_iat_us.size() ? double(f.splt_iat_us[i]) : kNull;
    };
  }
  return v;
}

/// N of splt_size_N, splt_dir_N or splt_iat_N_us; 0 for other names.
int SpltPosition(const std::string& name) {
  int position = 0;
  char rest = 0;
  if (std::sscanf(name.c_str(), "splt_size_%d%c", &position, &rest) == 1 ||
      std::sscanf(name.c_str(), "splt_dir_%d%c", &position, &rest) == 1 ||
      (std::sscanf(name.c_str(), "splt_iat_%d_u%c", &position, &rest) == 2 && rest == 's')) {
    return position;
  }
  return 0;
}

}  // namespace

Result<FeatureRowBuilder> FeatureRowBuilder::Create(const std::vector<std::string>& features) {
  const auto packet_values = PacketValues();
  const auto flow_values = FlowValues();
  FeatureRowBuilder builder;
  builder.size_ = features.size();
  for (const std::string& name : features) {
    if (flow_values.count(name) && !packet_values.count(name)) builder.rows_ = FeatureRows::kFlows;
  }
  std::vector<std::string> missing;
  for (const std::string& name : features) {
    if (builder.rows_ == FeatureRows::kFlows) {
      auto found = flow_values.find(name);
      if (found == flow_values.end()) {
        missing.push_back(name);
        continue;
      }
      builder.flow_values_.push_back(found->second);
      builder.splt_ = std::max(builder.splt_, SpltPosition(name));
    } else {
      auto found = packet_values.find(name);
      if (found == packet_values.end()) {
        missing.push_back(name);
        continue;
      }
      builder.packet_values_.push_back(found->second);
    }
  }
  if (!missing.empty()) {
    return Status::InvalidArgument(fmt::format(
        "the model's features {} are not {} features a capture gives", fmt::join(missing, ", "),
        builder.rows_ == FeatureRows::kFlows ? "flow" : "packet"));
  }
  return builder;
}

void FeatureRowBuilder::Fill(const FlowRecord& flow, float* out) const {
  for (size_t i = 0; i < flow_values_.size(); ++i) out[i] = static_cast<float>(flow_values_[i](flow));
}

void FeatureRowBuilder::Fill(const PacketFeatures& packet, float* out) const {
  for (size_t i = 0; i < packet_values_.size(); ++i) out[i] = static_cast<float>(packet_values_[i](packet));
}

}  // namespace tad
