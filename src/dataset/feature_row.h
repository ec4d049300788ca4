#pragma once
/// A model's feature values computed straight from a packet (PacketFeatures) or a flow
/// (FlowRecord), without a dataset in between: each value is what `tad extract` writes to that
/// column (dataset/schema.h) as ReadRowGroup reads it back (CAST AS FLOAT, NULL -> NaN), so a
/// model scores a capture the same way it scores the capture's extracted dataset.

#include <functional>
#include <string>
#include <vector>

#include "capture/flow_record.h"
#include "capture/packet_features.h"
#include "common/status.h"

namespace tad {

/// What one row of a model's input is.
enum class FeatureRows { kPackets, kFlows };

class FeatureRowBuilder {
 public:
  /// Flow rows when any feature is a flow column that is not also a packet column, else packet
  /// rows. InvalidArgument naming every feature neither schema's feature columns give.
  static Result<FeatureRowBuilder> Create(const std::vector<std::string>& features);

  FeatureRows rows() const { return rows_; }
  /// The SPLT packets the flow features need (the largest N of splt_*_N); 0 for packet rows.
  int splt() const { return splt_; }
  size_t size() const { return size_; }
  /// Writes size() values to `out` (flow rows only).
  void Fill(const FlowRecord& flow, float* out) const;
  /// Writes size() values to `out` (packet rows only).
  void Fill(const PacketFeatures& packet, float* out) const;

 private:
  FeatureRows rows_ = FeatureRows::kPackets;
  int splt_ = 0;
  size_t size_ = 0;
  std::vector<std::function<double(const FlowRecord&)>> flow_values_;
  std::vector<std::function<double(const PacketFeatures&)>> packet_values_;
};

}  // namespace tad
