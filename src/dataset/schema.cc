#include "dataset/schema.h"

#include <algorithm>

#include <fmt/format.h>

namespace tad {
namespace {

using enum ColumnType;
using enum ColumnRole;

void AddStats(std::vector<ColumnSpec>& columns, const std::string& prefix, const std::string& suffix,
              const std::string& what) {
  columns.push_back({prefix + "min" + suffix, kBigInt, kFeature, true, "smallest " + what});
  columns.push_back({prefix + "max" + suffix, kBigInt, kFeature, true, "largest " + what});
  columns.push_back({prefix + "mean" + suffix, kDouble, kFeature, true, "mean " + what});
  columns.push_back({prefix + "std" + suffix, kDouble, kFeature, true, "population standard deviation of " + what});
}

}  // namespace

const std::vector<ColumnSpec>& PacketColumns() {
  static const std::vector<ColumnSpec> kColumns = {
      {"source_file", kVarchar, kIdentifier, false, "capture path relative to the input folder"},
      {"packet_index", kBigInt, kIndex, false, "1-based record number in the capture (frame.number)"},
      {"timestamp_ns", kBigInt, kTimestamp, false, "capture time, ns since the epoch"},
      {"frame_len", kInteger, kFeature, false, "length on the wire"},
      {"ip_version", kTinyInt, kFeature, false, "4 or 6"},
      {"ip_header_len", kSmallInt, kFeature, false, "IPv4 IHL*4; 40 for IPv6"},
      {"ip_tos", kSmallInt, kFeature, false, "IPv4 DS field byte / IPv6 traffic class"},
      {"ip_ttl", kSmallInt, kFeature, false, "TTL / hop limit"},
      {"ip_proto", kSmallInt, kFeature, false, "transport protocol"},
      {"src_port", kInteger, kFeature, true, "TCP/UDP source port"},
      {"dst_port", kInteger, kFeature, true, "TCP/UDP destination port"},
      {"tcp_flags", kSmallInt, kFeature, true, "TCP flags (12 bits)"},
      {"tcp_window", kInteger, kFeature, true, "TCP window, unscaled"},
      {"payload_len", kInteger, kFeature, false, "transport payload bytes"},
      {"direction", kTinyInt, kFeature, true, "0: sent by the side that sent the flow's first packet; 1: the other"},
      {"inter_arrival_us", kBigInt, kFeature, true, "µs since the flow's previous packet (0 for the first)"},
      {"flow_index", kBigInt, kIndex, true, "the packet's flow (flow_index of `--flows`); NULL for later fragments"},
      {"category", kVarchar, kIdentifier, false, "the category sub-folder (hive partition)"},
  };
  return kColumns;
}

std::vector<ColumnSpec> FlowColumns(int splt) {
  std::vector<ColumnSpec> c = {
      {"source_file", kVarchar, kIdentifier, false, "capture path relative to the input folder"},
      {"flow_index", kBigInt, kIndex, false, "1-based order of the flows' first packets in the capture"},
      {"first_packet_index", kBigInt, kIndex, false, "record number of the flow's first packet"},
      {"last_packet_index", kBigInt, kIndex, false, "record number of the flow's last packet"},
      {"ip_version", kTinyInt, kFeature, false, "of the first packet: 4 or 6"},
      {"ip_proto", kSmallInt, kFeature, false, "transport protocol"},
      {"src_ip", kVarchar, kAddress, false, "source address of the first packet, as tshark prints it"},
      {"dst_ip", kVarchar, kAddress, false, "destination address of the first packet"},
      {"src_port", kInteger, kFeature, true, "source port of the first packet (NULL without TCP/UDP)"},
      {"dst_port", kInteger, kFeature, true, "destination port of the first packet"},
      {"first_timestamp_ns", kBigInt, kTimestamp, false, "capture time of the first packet, ns since the epoch"},
      {"last_timestamp_ns", kBigInt, kTimestamp, false, "capture time of the last packet"},
      {"duration_us", kBigInt, kFeature, false, "(last - first timestamp) / 1000, integer division"},
      {"end_reason", kVarchar, kText, false, "idle, active, reuse or end"},
      {"packets", kBigInt, kFeature, false, "packets of the flow"},
      {"bytes", kBigInt, kFeature, false, "sum of sizes (IP lengths)"},
      {"fwd_packets", kBigInt, kFeature, false, "packets in the forward direction"},
      {"fwd_bytes", kBigInt, kFeature, false, "sum of forward sizes"},
      {"bwd_packets", kBigInt, kFeature, false, "packets in the backward direction"},
      {"bwd_bytes", kBigInt, kFeature, false, "sum of backward sizes"},
      {"fwd_payload_bytes", kBigInt, kFeature, false, "sum of forward transport payload (payload_len)"},
      {"bwd_payload_bytes", kBigInt, kFeature, false, "sum of backward transport payload"},
  };
  AddStats(c, "size_", "", "size");
  AddStats(c, "fwd_size_", "", "forward size");
  AddStats(c, "bwd_size_", "", "backward size");
  AddStats(c, "iat_", "_us", "gap between consecutive packets, µs");
  AddStats(c, "fwd_iat_", "_us", "gap between consecutive forward packets, µs");
  AddStats(c, "bwd_iat_", "_us", "gap between consecutive backward packets, µs");
  for (const char* flag : {"syn", "ack", "psh", "rst", "fin", "urg"}) {
    c.push_back({fmt::format("{}_count", flag), kBigInt, kFeature, false,
                 fmt::format("packets with TCP {} set (0 for non-TCP)", flag)});
  }
  c.push_back({"fwd_init_window", kInteger, kFeature, true, "tcp_window of the forward direction's first TCP packet"});
  c.push_back({"bwd_init_window", kInteger, kFeature, true, "tcp_window of the backward direction's first TCP packet"});
  for (int i = 1; i <= splt; ++i) {
    c.push_back({fmt::format("splt_size_{}", i), kInteger, kFeature, true, fmt::format("size of packet {}", i)});
  }
  for (int i = 1; i <= splt; ++i) {
    c.push_back({fmt::format("splt_dir_{}", i), kTinyInt, kFeature, true,
                 fmt::format("direction of packet {} (0 forward, 1 backward)", i)});
  }
  for (int i = 1; i <= splt; ++i) {
    c.push_back({fmt::format("splt_iat_{}_us", i), kBigInt, kFeature, true,
                 fmt::format("µs from the flow's previous packet to packet {} (0 for the first)", i)});
  }
  c.push_back({"category", kVarchar, kIdentifier, false, "the category sub-folder (hive partition)"});
  return c;
}

std::vector<std::string> DefaultFeatures(const std::vector<std::string>& present) {
  const bool flows = std::find(present.begin(), present.end(), "first_packet_index") != present.end();
  const std::vector<ColumnSpec> columns = flows ? FlowColumns(kMaxSplt) : PacketColumns();
  std::vector<std::string> features;
  for (const ColumnSpec& column : columns) {
    if (column.role == kFeature && std::find(present.begin(), present.end(), column.name) != present.end()) {
      features.push_back(column.name);
    }
  }
  return features;
}

const char* SplitByName(SplitBy split) {
  switch (split) {
    case SplitBy::kRow: return "row";
    case SplitBy::kFlow: return "flow";
    case SplitBy::kFile: return "file";
    case SplitBy::kAuto: break;
  }
  return "auto";
}

Result<SplitBy> ParseSplitBy(const std::string& text) {
  for (SplitBy split : {SplitBy::kAuto, SplitBy::kRow, SplitBy::kFlow, SplitBy::kFile}) {
    if (text == SplitByName(split)) return split;
  }
  return Status::InvalidArgument(fmt::format("--split-by must be row, flow, file or auto, not '{}'", text));
}

std::string FlowNonFeatureSummary() {
  std::vector<std::string> names;
  for (const ColumnSpec& column : FlowColumns(0)) {
    if (column.role != kFeature) names.push_back(column.name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace tad
