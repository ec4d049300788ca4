#include "tree/histogram.h"

#include <algorithm>
#include <thread>

namespace tad {

HistogramLayout::HistogramLayout(const std::vector<FeatureBins>& bins, int32_t classes) : classes_(classes) {
  for (const auto& feature : bins) {
    offsets_.push_back(stride_);
    bins_per_feature_.push_back(feature.total_bins());
    stride_ += static_cast<size_t>(feature.total_bins()) * static_cast<size_t>(classes);
  }
}

void ParallelBlocks(int64_t count, int threads, const std::function<void(int64_t, int64_t, int)>& body) {
  threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, count / 4096 + 1)));
  if (threads == 1) {
    body(0, count, 0);
    return;
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    const int64_t begin = count * t / threads;
    const int64_t end = count * (t + 1) / threads;
    workers.emplace_back([&body, begin, end, t] { body(begin, end, t); });
  }
  for (auto& worker : workers) worker.join();
}

namespace {

template <bool kWeighted>
void CountBlock(const BinnedRows& rows, int32_t trees, const int32_t* slots, const uint8_t* weights,
                const int64_t* class_weights, const int32_t* counted_index, const std::vector<size_t>& feature_offsets, size_t stride, int64_t begin,
                int64_t end, int64_t* histogram) {
  const int32_t features = rows.features;
  for (int64_t r = begin; r < end; ++r) {
    const uint8_t* bins = rows.row(r);
    for (int32_t t = 0; t < trees; ++t) {
      const size_t at = static_cast<size_t>(r) * static_cast<size_t>(trees) + static_cast<size_t>(t);
      const int32_t slot = slots[at];
      if (slot < 0) continue;
      const int32_t index = counted_index[slot];
      if (index < 0) continue;
      int64_t* node = histogram + static_cast<size_t>(index) * stride + rows.labels[r];
      if constexpr (kWeighted) {
        const int64_t weight = (weights ? weights[at] : 1) * (class_weights ? class_weights[rows.labels[r]] : 1);
        for (int32_t f = 0; f < features; ++f) node[feature_offsets[f] + bins[f] * feature_offsets.back()] += weight;
      } else {
        for (int32_t f = 0; f < features; ++f) ++node[feature_offsets[f] + bins[f] * feature_offsets.back()];
      }
    }
  }
}

}  // namespace

void BuildHistograms(const BinnedRows& rows, int32_t trees, std::span<const int32_t> slot_of_row,
                     std::span<const uint8_t> weights, std::span<const int64_t> class_weights,
                     std::span<const int32_t> counted_index,
                     const HistogramLayout& layout, int threads, std::span<int64_t> histogram,
                     std::vector<std::vector<int64_t>>& thread_buffers) {
  std::fill(histogram.begin(), histogram.end(), 0);
  // Offsets in elements; the last entry is the class count (the step between bins).
  std::vector<size_t> offsets;
  for (int32_t f = 0; f < layout.features(); ++f) offsets.push_back(layout.offset(f));
  offsets.push_back(static_cast<size_t>(layout.classes()));
  const int blocks = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, rows.rows() / 4096 + 1)));
  if (thread_buffers.size() < static_cast<size_t>(blocks - 1)) thread_buffers.resize(static_cast<size_t>(blocks - 1));
  ParallelBlocks(rows.rows(), blocks, [&](int64_t begin, int64_t end, int t) {
    int64_t* target = histogram.data();
    if (t > 0) {
      thread_buffers[static_cast<size_t>(t - 1)].assign(histogram.size(), 0);
      target = thread_buffers[static_cast<size_t>(t - 1)].data();
    }
    if (weights.empty() && class_weights.empty()) {
      CountBlock<false>(rows, trees, slot_of_row.data(), nullptr, nullptr, counted_index.data(), offsets,
                        layout.node_stride(), begin, end, target);
    } else {
      CountBlock<true>(rows, trees, slot_of_row.data(), weights.empty() ? nullptr : weights.data(),
                       class_weights.empty() ? nullptr : class_weights.data(), counted_index.data(), offsets,
                       layout.node_stride(), begin, end, target);
    }
  });
  for (int t = 1; t < blocks; ++t) {
    const std::vector<int64_t>& buffer = thread_buffers[static_cast<size_t>(t - 1)];
    for (size_t i = 0; i < buffer.size(); ++i) histogram[i] += buffer[i];
  }
}

}  // namespace tad
