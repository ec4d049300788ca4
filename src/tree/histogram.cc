#include "tree/histogram.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iterator>
#include <thread>

#include "common/elapsed.h"

namespace tad {

void BinnedRows::Allocate(const std::vector<FeatureBins>& bins, int64_t rows) {
  column_offset_.clear();
  column_mask_.clear();
  row_bytes_ = 0;
  for (const FeatureBins& feature : bins) {
    const bool wide = feature.total_bins() > 256;
    column_offset_.push_back(row_bytes_);
    column_mask_.push_back(wide ? 0xFFFF : 0xFF);
    row_bytes_ += wide ? 2 : 1;
  }
  // Left unwritten: the rows are written by SetRow on the loading threads, which then take the
  // fresh pages' first touch in parallel.
  bins_.clear();
  bins_.resize(static_cast<size_t>(rows) * row_bytes_ + 1);  // + 1: ReadBin reads two bytes
  bins_.back() = 0;
}

HistogramLayout::HistogramLayout(const std::vector<FeatureBins>& bins, int32_t classes) : classes_(classes) {
  for (int32_t f = 0; f < static_cast<int32_t>(bins.size()); ++f) held_.push_back(f);
  for (const auto& feature : bins) {
    bins_per_feature_.push_back(feature.total_bins());
    offsets_.push_back(stride_);
    stride_ += static_cast<size_t>(feature.total_bins()) * static_cast<size_t>(classes);
  }
}

HistogramLayout::HistogramLayout(const std::vector<FeatureBins>& bins, int32_t classes,
                                 std::span<const int32_t> features)
    : classes_(classes), offsets_(bins.size(), kAbsent), held_(features.begin(), features.end()) {
  for (const auto& feature : bins) bins_per_feature_.push_back(feature.total_bins());
  for (const int32_t f : features) {
    offsets_[static_cast<size_t>(f)] = stride_;
    stride_ += static_cast<size_t>(bins_per_feature_[static_cast<size_t>(f)]) * static_cast<size_t>(classes);
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

void ParallelItems(int64_t count, int threads, const std::function<void(int64_t)>& body) {
  ParallelItemsOnWorkers(count, threads, [&body](int64_t item, int) { body(item); });
}

int ItemWorkers(int64_t count, int threads) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, count)));
}

void ParallelItemsOnWorkers(int64_t count, int threads, const std::function<void(int64_t, int)>& body) {
  const int workers = ItemWorkers(count, threads);
  if (workers == 1) {
    for (int64_t item = 0; item < count; ++item) body(item, 0);
    return;
  }
  std::atomic<int64_t> next{0};
  auto work = [&](int worker) {
    for (int64_t item = next.fetch_add(1); item < count; item = next.fetch_add(1)) body(item, worker);
  };
  std::vector<std::thread> threads_started;
  for (int w = 1; w < workers; ++w) threads_started.emplace_back(work, w);
  work(0);
  for (auto& thread : threads_started) thread.join();
}

namespace {

// Per held feature: where its bin is in a row, the bin's mask, and where its bins start in the
// node's histogram.
struct FeatureCells {
  std::vector<size_t> columns;
  std::vector<uint16_t> masks;
  std::vector<size_t> offsets;
  FeatureCells(const BinnedRows& rows, const HistogramLayout& layout) {
    for (const int32_t f : layout.held()) {
      columns.push_back(rows.column_offset(f));
      masks.push_back(rows.column_mask(f));
      offsets.push_back(layout.offset(f));
    }
  }
};

// A row's bin of held feature k: one byte, or (kWide) two bytes masked to the column's width.
// `cells`: FeatureCells or SharedRootCells.
template <bool kWide, class Cells>
inline size_t BinOf(const uint8_t* row, const Cells& cells, size_t k) {
  const uint8_t* at = row + cells.columns[k];
  if constexpr (kWide) return static_cast<size_t>((at[0] | (at[1] << 8)) & cells.masks[k]);
  return at[0];
}

// Rows a loop over a node's row indices asks the memory for ahead of reading them. A deep node's
// rows are far apart in BinnedRows (a cache miss each, often a TLB miss too), and the misses are
// independent: requested early, they overlap instead of stalling the loop one by one.
constexpr int64_t kPrefetchRows = 16;

// A row adds its bootstrap copies in the tree (kBootstrap) times its class's weight
// (kClassWeighted), or 1, into `target` (Cell: the int64_t output, or a thread's 32-bit scratch).
// With kCopies = 2 the odd rows count into a second histogram `copy_stride` cells further on.
// Everything the loop reads besides the rows is in locals first: the stores into the cells could
// otherwise alias sizes and weights, which would be read again after every store.
template <bool kWide, bool kBootstrap, bool kClassWeighted, class Cell = int64_t, size_t kCopies = 1>
void CountClasses(const BinnedRows& rows, const uint32_t* order, int64_t begin, int64_t end, int32_t tree,
                  const HistogramLayout& layout, const ClassCounts& sums, Cell* target, size_t copy_stride = 0) {
  const FeatureCells cells(rows, layout);
  const size_t held = cells.offsets.size();
  const size_t* const offsets = cells.offsets.data();
  const size_t step = static_cast<size_t>(layout.classes());
  const uint8_t* const bins = rows.row(0);
  const size_t row_bytes = rows.row_bytes();
  const uint16_t* const labels = rows.labels.data();
  const uint8_t* const copies =
      kBootstrap ? sums.bootstrap.data() + static_cast<size_t>(tree) * static_cast<size_t>(rows.rows()) : nullptr;
  const int64_t* const class_weights = sums.class_weights.data();
  for (int64_t i = begin; i < end; ++i) {
    const uint32_t r = order[i];
    if (i + kPrefetchRows < end) {
      // The row's label and copies are as scattered as its bins (a line each): fetched alike.
      const uint32_t ahead = order[i + kPrefetchRows];
      __builtin_prefetch(bins + ahead * row_bytes);
      __builtin_prefetch(labels + ahead);
      if constexpr (kBootstrap) __builtin_prefetch(copies + ahead);
    }
    const uint8_t* row = bins + r * row_bytes;
    const uint16_t label = labels[r];
    Cell* base = target + label;
    if constexpr (kCopies == 2) base += static_cast<size_t>(i & 1) * copy_stride;
    if constexpr (kBootstrap || kClassWeighted) {
      Cell weight = 1;
      if constexpr (kBootstrap) weight = copies[r];
      if constexpr (kClassWeighted) weight *= class_weights[label];
      for (size_t k = 0; k < held; ++k) base[offsets[k] + BinOf<kWide>(row, cells, k) * step] += weight;
    } else {
      for (size_t k = 0; k < held; ++k) ++base[offsets[k] + BinOf<kWide>(row, cells, k) * step];
    }
  }
}

// Two int64_t cells added in one instruction (a bin's gradient and hessian); aligned(8): any
// int64_t address will do.
using CellPair = int64_t __attribute__((vector_size(16), aligned(8)));
// Two trees' CellPairs side by side (the shared roots' interleaved cells), for AVX2.
using CellQuad = int64_t __attribute__((vector_size(32), aligned(8)));

// How many rows ahead CountGradients fetches.
constexpr int64_t kGradientPrefetchRows = 16;

template <bool kWide>
void CountGradients(const BinnedRows& rows, const uint32_t* order, int64_t begin, int64_t end, int32_t tree,
                    const HistogramLayout& layout, const GradientSums& sums, int64_t* target) {
  const FeatureCells cells(rows, layout);
  const size_t held = cells.offsets.size();
  // In a local: the stores into the cells could otherwise alias it (size_t and int64_t may).
  const size_t* const offsets = cells.offsets.data();
  const size_t step = static_cast<size_t>(layout.classes());
  const GradientPair* tree_pairs = sums.pairs.data() + static_cast<size_t>(tree) * static_cast<size_t>(rows.rows());
  for (int64_t i = begin; i < end; ++i) {
    // A deep node's rows are scattered over the whole table: fetch the bins and values of a row
    // further on while this one is counted (as XGBoost's histogram builder does).
    if (i + kGradientPrefetchRows < end) {
      const uint32_t ahead = order[i + kGradientPrefetchRows];
      __builtin_prefetch(rows.row(ahead));
      __builtin_prefetch(tree_pairs + ahead);
    }
    const uint32_t r = order[i];
    const uint8_t* row = rows.row(r);
    const CellPair pair = *reinterpret_cast<const CellPair*>(tree_pairs + r);
    for (size_t k = 0; k < held; ++k) {
      *reinterpret_cast<CellPair*>(target + offsets[k] + BinOf<kWide>(row, cells, k) * step) += pair;
    }
  }
}

// Unweighted or bootstrap counts of a range into 32-bit cells, in two histograms (even and odd
// rows) added into the output afterwards. Consecutive rows that hit the same cell (a feature with
// few values, a dominant class) then do not wait for each other's store, and the increments go
// to the worker's own buffer, reused node after node (warm in its cache), the two histograms
// together as large as the node's int64_t slice, which is then written once, in order. Exact: a
// row adds at most 255 (its copies, a uint8_t), so a range of at most kMaxScratchRows rows cannot
// overflow a cell.
constexpr int64_t kMaxScratchRows = int64_t{1} << 24;

template <bool kWide, bool kBootstrap>
void CountClassesInScratch(const BinnedRows& rows, const uint32_t* order, int64_t begin, int64_t end, int32_t tree,
                           const HistogramLayout& layout, const ClassCounts& sums, int64_t* target) {
  thread_local std::vector<uint32_t> scratch;
  const size_t stride = layout.node_stride();
  scratch.assign(2 * stride, 0);
  CountClasses<kWide, kBootstrap, false, uint32_t, 2>(rows, order, begin, end, tree, layout, sums, scratch.data(),
                                                       stride);
  const uint32_t* even = scratch.data();
  const uint32_t* odd = scratch.data() + stride;
  for (size_t c = 0; c < stride; ++c) target[c] += int64_t{even[c]} + int64_t{odd[c]};
}

// Shared roots (GradientSums::shared_roots): the roots' histograms interleaved, per feature any
// root holds, per bin, every root's (gradient, hessian) side by side, so that a row's bins are read
// once for all trees and its trees' pairs go to adjacent cells.
struct SharedRootCells {
  std::vector<int32_t> features;  // held by some root (ascending)
  std::vector<size_t> columns;
  std::vector<uint16_t> masks;
  std::vector<size_t> offsets;  // per feature: (bin 0, root 0)
  size_t bin_stride = 0;        // elements per bin: every root's pair
  size_t size = 0;              // elements in all

  SharedRootCells(const BinnedRows& rows, std::span<const CountedNode> roots) : bin_stride(roots.size() * 2) {
    for (int32_t f = 0; f < rows.features(); ++f) {
      const auto holds = [f](const CountedNode& root) { return root.layout->holds(f); };
      if (std::none_of(roots.begin(), roots.end(), holds)) continue;
      features.push_back(f);
      columns.push_back(rows.column_offset(f));
      masks.push_back(rows.column_mask(f));
      offsets.push_back(size);
      size += static_cast<size_t>(roots.front().layout->bins(f)) * bin_stride;
    }
  }
};

// Adds rows order[begin, end) to the interleaved histogram `target`: each row's pairs in every
// root's tree are gathered once into `row_pairs` (from K tree-major streams), then added once per
// feature, one 128-bit add per tree. The cells of different roots are different addresses, so the
// adds of one row do not wait on each other as a single tree's adds wait on the previous row's
// store to the same bin.

// With kTreePairs, two trees' pairs (adjacent cells) in one 256-bit add: inlined into a caller
// compiled for AVX2 (CountSharedRootRowsAvx2), the only one that sets it.
template <bool kWide, bool kTreePairs>
__attribute__((always_inline)) inline void CountSharedRootRowsWith(
    const BinnedRows& rows, const uint32_t* order, int64_t begin, int64_t end, std::span<const CountedNode> roots,
    const SharedRootCells& cells, const GradientSums& sums, GradientPair* row_pairs, int64_t* target) {
  const size_t trees = roots.size();
  const size_t n = static_cast<size_t>(rows.rows());
  const size_t held = cells.offsets.size();
  const size_t* const offsets = cells.offsets.data();
  const size_t bin_stride = cells.bin_stride;
  const GradientPair* const pairs = sums.pairs.data();
  std::vector<const GradientPair*> tree_pairs;
  for (const CountedNode& root : roots) tree_pairs.push_back(pairs + static_cast<size_t>(root.tree) * n);
  for (int64_t i = begin; i < end; ++i) {
    const uint32_t r = order[i];
    for (size_t t = 0; t < trees; ++t) row_pairs[t] = tree_pairs[t][r];
    const uint8_t* row = rows.row(r);
    for (size_t k = 0; k < held; ++k) {
      CellPair* cell = reinterpret_cast<CellPair*>(target + offsets[k] + BinOf<kWide>(row, cells, k) * bin_stride);
      size_t t = 0;
      if constexpr (kTreePairs) {
#pragma GCC unroll 4
        for (; t + 2 <= trees; t += 2) {
          *reinterpret_cast<CellQuad*>(cell + t) += *reinterpret_cast<const CellQuad*>(row_pairs + t);
        }
      }
#pragma GCC unroll 4
      for (; t < trees; ++t) cell[t] += *reinterpret_cast<const CellPair*>(row_pairs + t);
    }
  }
}

template <bool kWide>
void CountSharedRootRows(const BinnedRows& rows, const uint32_t* order, int64_t begin, int64_t end,
                         std::span<const CountedNode> roots, const SharedRootCells& cells, const GradientSums& sums,
                         GradientPair* row_pairs, int64_t* target) {
  CountSharedRootRowsWith<kWide, false>(rows, order, begin, end, roots, cells, sums, row_pairs, target);
}

template <bool kWide>
__attribute__((target("avx2"))) void CountSharedRootRowsAvx2(const BinnedRows& rows, const uint32_t* order,
                                                             int64_t begin, int64_t end,
                                                             std::span<const CountedNode> roots,
                                                             const SharedRootCells& cells, const GradientSums& sums,
                                                             GradientPair* row_pairs, int64_t* target) {
  CountSharedRootRowsWith<kWide, true>(rows, order, begin, end, roots, cells, sums, row_pairs, target);
}

// Rows per chunk of the shared roots' pass: chunks go to whichever worker is free.
constexpr int64_t kSharedRootChunkRows = 16384;

// Counts roots that share their rows (GradientSums::shared_roots) in one pass over the first
// root's rows: every worker adds its chunks into its own interleaved histogram, and each root's
// histogram is then the workers' sum of its cells (integers: the same for any thread count).
void CountSharedRoots(const BinnedRows& rows, std::span<const uint32_t> order, std::span<const CountedNode> roots,
                      const GradientSums& sums, int threads, std::span<int64_t> output, HistogramScratch& scratch) {
  const SharedRootCells cells(rows, roots);
  const int64_t begin = roots.front().begin;
  const int64_t count = roots.front().end - begin;
  const int64_t chunks = std::max<int64_t>(1, (count + kSharedRootChunkRows - 1) / kSharedRootChunkRows);
  const int workers = ItemWorkers(chunks, threads);
  if (scratch.partials.size() < static_cast<size_t>(workers) * cells.size) {
    scratch.partials.resize(static_cast<size_t>(workers) * cells.size);
  }
  std::fill_n(scratch.partials.begin(), static_cast<size_t>(workers) * cells.size, 0);
  std::vector<GradientPair> row_pairs(static_cast<size_t>(workers) * roots.size());
  // Integer adds: the same sums with or without AVX2.
  static const bool avx2 = __builtin_cpu_supports("avx2");
  ParallelItemsOnWorkers(chunks, threads, [&](int64_t chunk, int worker) {
    const int64_t chunk_begin = begin + chunk * kSharedRootChunkRows;
    const int64_t chunk_end = std::min(chunk_begin + kSharedRootChunkRows, begin + count);
    GradientPair* own_pairs = row_pairs.data() + static_cast<size_t>(worker) * roots.size();
    int64_t* target = scratch.partials.data() + static_cast<size_t>(worker) * cells.size;
    const auto count_rows = rows.has_wide_columns() ? (avx2 ? CountSharedRootRowsAvx2<true> : CountSharedRootRows<true>)
                                                    : (avx2 ? CountSharedRootRowsAvx2<false> : CountSharedRootRows<false>);
    count_rows(rows, order.data(), chunk_begin, chunk_end, roots, cells, sums, own_pairs, target);
  });
  ParallelItems(static_cast<int64_t>(roots.size()), threads, [&](int64_t t) {
    const CountedNode& root = roots[static_cast<size_t>(t)];
    int64_t* histogram = output.data() + root.offset;
    for (size_t k = 0; k < cells.features.size(); ++k) {
      const int32_t f = cells.features[k];
      if (!root.layout->holds(f)) continue;
      int64_t* to = histogram + root.layout->offset(f);
      for (int32_t b = 0; b < root.layout->bins(f); ++b) {
        for (size_t s = 0; s < 2; ++s) {
          const size_t cell = cells.offsets[k] + static_cast<size_t>(b) * cells.bin_stride + 2 * static_cast<size_t>(t) + s;
          int64_t sum = 0;
          for (int w = 0; w < workers; ++w) sum += scratch.partials[static_cast<size_t>(w) * cells.size + cell];
          to[static_cast<size_t>(b) * 2 + s] = sum;
        }
      }
    }
  });
}

template <bool kWide>
void CountClassesWith(const BinnedRows& rows, const uint32_t* order, int64_t begin, int64_t end, int32_t tree,
                      const HistogramLayout& layout, const ClassCounts& sums, int64_t* target) {
  const bool bootstrap = !sums.bootstrap.empty();
  const bool class_weighted = !sums.class_weights.empty();
  // The scratch pays when the range adds more than it has cells to clear and add.
  const int64_t additions = (end - begin) * static_cast<int64_t>(layout.held().size());
  if (!class_weighted && end - begin <= kMaxScratchRows && additions >= static_cast<int64_t>(layout.node_stride())) {
    if (bootstrap) return CountClassesInScratch<kWide, true>(rows, order, begin, end, tree, layout, sums, target);
    return CountClassesInScratch<kWide, false>(rows, order, begin, end, tree, layout, sums, target);
  }
  if (bootstrap && class_weighted) {
    return CountClasses<kWide, true, true>(rows, order, begin, end, tree, layout, sums, target);
  }
  if (bootstrap) return CountClasses<kWide, true, false>(rows, order, begin, end, tree, layout, sums, target);
  if (class_weighted) return CountClasses<kWide, false, true>(rows, order, begin, end, tree, layout, sums, target);
  CountClasses<kWide, false, false>(rows, order, begin, end, tree, layout, sums, target);
}

void CountRange(const BinnedRows& rows, const uint32_t* order, int64_t begin, int64_t end, int32_t tree,
                const HistogramLayout& layout, const ClassCounts& sums, int64_t* target) {
  if (rows.has_wide_columns()) return CountClassesWith<true>(rows, order, begin, end, tree, layout, sums, target);
  CountClassesWith<false>(rows, order, begin, end, tree, layout, sums, target);
}

void CountRange(const BinnedRows& rows, const uint32_t* order, int64_t begin, int64_t end, int32_t tree,
                const HistogramLayout& layout, const GradientSums& sums, int64_t* target) {
  if (rows.has_wide_columns()) return CountGradients<true>(rows, order, begin, end, tree, layout, sums, target);
  CountGradients<false>(rows, order, begin, end, tree, layout, sums, target);
}

template <class Sums>
void CountNodesOf(const BinnedRows& rows, std::span<const uint32_t> order, std::span<const CountedNode> nodes,
                  const Sums& sums, int threads, std::span<int64_t> output, HistogramScratch& scratch) {
  const int64_t count = static_cast<int64_t>(nodes.size());
  // Too few nodes to keep every thread busy: each node is counted in `chunks` row chunks, the
  // first into the output and the others into partials, added afterwards.
  const int64_t chunks = threads > 1 && count < 2 * threads ? threads : 1;
  std::vector<size_t> partial_offset(nodes.size(), 0);
  size_t partials = 0;
  if (chunks > 1) {
    for (size_t n = 0; n < nodes.size(); ++n) {
      partial_offset[n] = partials;
      partials += static_cast<size_t>(chunks - 1) * nodes[n].layout->node_stride();
    }
    if (scratch.partials.size() < partials) scratch.partials.resize(partials);
  }
  ParallelItems(count * chunks, threads, [&](int64_t item) {
    const CountedNode& node = nodes[static_cast<size_t>(item / chunks)];
    const int64_t chunk = item % chunks;
    const int64_t rows_in_node = node.end - node.begin;
    const int64_t begin = node.begin + rows_in_node * chunk / chunks;
    const int64_t end = node.begin + rows_in_node * (chunk + 1) / chunks;
    const size_t stride = node.layout->node_stride();
    int64_t* target = chunk == 0 ? output.data() + node.offset
                                 : scratch.partials.data() + partial_offset[static_cast<size_t>(item / chunks)] +
                                       static_cast<size_t>(chunk - 1) * stride;
    std::fill_n(target, stride, 0);
    CountRange(rows, order.data(), begin, end, node.tree, *node.layout, sums, target);
  });
  if (chunks == 1) return;
  ParallelItems(count, threads, [&](int64_t n) {
    const CountedNode& node = nodes[static_cast<size_t>(n)];
    const size_t stride = node.layout->node_stride();
    int64_t* target = output.data() + node.offset;
    for (int64_t chunk = 1; chunk < chunks; ++chunk) {
      const int64_t* partial =
          scratch.partials.data() + partial_offset[static_cast<size_t>(n)] + static_cast<size_t>(chunk - 1) * stride;
      for (size_t i = 0; i < stride; ++i) target[i] += partial[i];
    }
  });
}

}  // namespace

void CountNodes(const BinnedRows& rows, std::span<const uint32_t> order, std::span<const CountedNode> nodes,
                const ClassCounts& sums, int threads, std::span<int64_t> output, HistogramScratch& scratch) {
  CountNodesOf(rows, order, nodes, sums, threads, output, scratch);
}

void CountNodes(const BinnedRows& rows, std::span<const uint32_t> order, std::span<const CountedNode> nodes,
                const GradientSums& sums, int threads, std::span<int64_t> output, HistogramScratch& scratch) {
  if (sums.shared_roots && !nodes.empty()) return CountSharedRoots(rows, order, nodes, sums, threads, output, scratch);
  CountNodesOf(rows, order, nodes, sums, threads, output, scratch);
}

std::vector<int64_t> PartitionRows(const BinnedRows& rows, std::span<uint32_t> order,
                                   std::span<const RangeSplit> splits, int threads, std::vector<uint32_t>& scratch) {
  // Each worker sets a range's right rows aside in its own part of `scratch`, as long as the
  // largest range: far less memory to touch than room for every row.
  int64_t largest = 0;
  for (const RangeSplit& split : splits) largest = std::max(largest, split.end - split.begin);
  const int64_t count = static_cast<int64_t>(splits.size());
  const size_t needed = static_cast<size_t>(largest) * static_cast<size_t>(ItemWorkers(count, threads));
  if (scratch.size() < needed) scratch.resize(needed);
  std::vector<int64_t> middle(splits.size());
  ParallelItemsOnWorkers(count, threads, [&](int64_t s, int worker) {
    const RangeSplit& split = splits[static_cast<size_t>(s)];
    // Without branches (which side a row goes is unpredictable): each row is written to both
    // sides and only the side it belongs to advances.
    uint32_t* const rows_at = order.data();
    uint32_t* const right_at = scratch.data() + static_cast<size_t>(worker) * static_cast<size_t>(largest);
    const size_t column = rows.column_offset(split.feature);
    const uint16_t mask = rows.column_mask(split.feature);
    int64_t left = split.begin;
    int64_t right = 0;
    for (int64_t i = split.begin; i < split.end; ++i) {
      const uint32_t r = rows_at[i];
      if (i + kPrefetchRows < split.end) __builtin_prefetch(rows.row(rows_at[i + kPrefetchRows]) + column);
      const uint8_t* at = rows.row(r) + column;
      const bool goes_left = ((at[0] | (at[1] << 8)) & mask) <= split.bin;
      rows_at[left] = r;
      right_at[right] = r;
      left += goes_left;
      right += !goes_left;
    }
    std::copy(right_at, right_at + right, rows_at + left);
    middle[static_cast<size_t>(s)] = left;
  });
  return middle;
}

LevelGrowth::LevelGrowth(const BinnedRows& rows, const std::vector<FeatureBins>& bins, int32_t statistics,
                         std::vector<uint32_t> order, const std::vector<int64_t>& root_rows,
                         std::vector<std::vector<int32_t>> candidates, int threads)
    : rows_(rows), bins_(bins), statistics_(statistics), threads_(threads) {
  Restart(order, root_rows, std::move(candidates));
}

void LevelGrowth::Buffer::Reuse(size_t size) {
  if (size > capacity_) {
    data_.reset();  // nothing to copy into the new allocation
    capacity_ = size + std::min(size * (kGrowth - 1), kMaxSpare);
    data_.reset(new int64_t[capacity_]);  // default-initialised: no page is touched yet
  }
  size_ = size;
}

const int64_t* LevelGrowth::histogram(size_t i) const {
  return (nodes_[i].derived() ? derived_.data() : counted_.data()) + offset_[i];
}

const int64_t* LevelGrowth::previous_histogram(size_t i) const {
  return parents_.data() + parent_offset_[i];
}

void LevelGrowth::Build(const ClassCounts& sums, Communicator& communicator, TrainingStats& stats) {
  BuildWith(sums, communicator, stats);
}

void LevelGrowth::Build(const GradientSums& sums, Communicator& communicator, TrainingStats& stats) {
  BuildWith(sums, communicator, stats);
}

void LevelGrowth::Restart(std::vector<uint32_t>& order, const std::vector<int64_t>& root_rows,
                          std::vector<std::vector<int32_t>> candidates) {
  order_.swap(order);
  nodes_.clear();
  int64_t begin = 0;
  for (size_t t = 0; t < root_rows.size(); ++t) {
    LevelNode root;
    root.tree = static_cast<int32_t>(t);
    root.candidates = std::move(candidates[t]);
    root.layout = HistogramLayout(bins_, statistics_, root.candidates);
    root.begin = begin;
    root.end = begin + root_rows[t];
    begin = root.end;
    nodes_.push_back(std::move(root));
  }
}

template <class Sums>
void LevelGrowth::BuildWith(const Sums& sums, Communicator& communicator, TrainingStats& stats) {
  const auto start = SteadyClock::now();
  offset_.assign(nodes_.size(), 0);
  size_t counted_size = 0;
  size_t derived_size = 0;
  std::vector<CountedNode> counted_nodes;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const LevelNode& node = nodes_[i];
    size_t& size = node.derived() ? derived_size : counted_size;
    offset_[i] = size;
    if (!node.derived()) counted_nodes.push_back(CountedNode{node.begin, node.end, node.tree, &node.layout, size});
    size += node.layout.node_stride();
  }
  counted_.Reuse(counted_size);  // CountNodes zeroes each node's slice
  CountNodes(rows_, order_, counted_nodes, sums, threads_, counted_.span(), scratch_histogram_);
  stats.histogram_seconds += SecondsSince(start);

  const auto reduce_start = SteadyClock::now();
  communicator.AllReduceSum(counted_.span());
  stats.reduce_seconds += SecondsSince(reduce_start);
  stats.bytes_per_level.push_back(counted_size * sizeof(int64_t));

  const auto derive_start = SteadyClock::now();
  derived_.Reuse(derived_size);  // every derived cell is written below
  ParallelItems(static_cast<int64_t>(nodes_.size()), threads_, [&](int64_t i) {
    const LevelNode& node = nodes_[static_cast<size_t>(i)];
    if (!node.derived()) return;
    const HistogramLayout& parent_layout = previous_nodes_[static_cast<size_t>(node.parent)].layout;
    const HistogramLayout& sibling_layout = nodes_[static_cast<size_t>(node.sibling)].layout;
    const int64_t* parent = previous_histogram(static_cast<size_t>(node.parent));
    const int64_t* sibling = histogram(static_cast<size_t>(node.sibling));
    int64_t* own = derived_.data() + offset_[static_cast<size_t>(i)];
    for (const int32_t f : node.layout.held()) {
      const size_t cells = static_cast<size_t>(node.layout.bins(f)) * static_cast<size_t>(statistics_);
      const int64_t* from = parent + parent_layout.offset(f);
      const int64_t* minus = sibling + sibling_layout.offset(f);
      int64_t* to = own + node.layout.offset(f);
      for (size_t c = 0; c < cells; ++c) to[c] = from[c] - minus[c];
    }
  });
  stats.histogram_seconds += SecondsSince(derive_start);
}

void LevelGrowth::AddChildren(size_t i, int32_t feature, int32_t bin, int32_t left_id, const bool open[2],
                              const int64_t totals[2], std::vector<int32_t> candidates[2]) {
  const LevelNode& parent = nodes_[i];
  // Only a split with a child at the next level has its rows moved (none at the last level).
  const size_t split = splits_.size();
  bool moves_rows = false;
  const int counted_side = totals[0] <= totals[1] ? 0 : 1;
  const int derived_side = 1 - counted_side;
  bool derivable = open[derived_side];
  for (const int32_t f : candidates[derived_side]) derivable = derivable && parent.layout.holds(f);
  int32_t child_index[2] = {-1, -1};
  for (int side = 0; side < 2; ++side) {
    const bool counted_for_sibling = derivable && side == counted_side;
    if (!open[side] && !counted_for_sibling) continue;
    LevelNode child;
    child.tree = parent.tree;
    child.node = left_id + side;
    child.open = open[side];
    if (open[side]) child.candidates = candidates[side];
    std::vector<int32_t> held = child.candidates;
    if (counted_for_sibling) {
      std::vector<int32_t> both;
      std::set_union(held.begin(), held.end(), candidates[derived_side].begin(), candidates[derived_side].end(),
                     std::back_inserter(both));
      held = std::move(both);
    }
    child.layout = HistogramLayout(bins_, statistics_, held);
    child_index[side] = static_cast<int32_t>(next_.size());
    next_.push_back(std::move(child));
    next_range_.emplace_back(split, side);
    moves_rows = true;
  }
  if (moves_rows) splits_.push_back(RangeSplit{parent.begin, parent.end, feature, bin});
  if (derivable) {
    LevelNode& derived = next_[static_cast<size_t>(child_index[derived_side])];
    derived.parent = static_cast<int32_t>(i);
    derived.sibling = child_index[counted_side];
  }
}

void LevelGrowth::NextLevel() {
  const std::vector<int64_t> middle = PartitionRows(rows_, order_, splits_, threads_, scratch_);
  for (size_t j = 0; j < next_.size(); ++j) {
    const auto [split, side] = next_range_[j];
    next_[j].begin = side == 0 ? splits_[split].begin : middle[split];
    next_[j].end = side == 0 ? middle[split] : splits_[split].end;
  }
  // The histograms the next level derives from are set aside, so that counted_ and derived_ are
  // rewritten in place level after level (their pages stay mapped instead of being faulted in
  // anew): few for a forest (a child's random feature subset is rarely in its parent's),
  // the larger child's parent in boosting.
  parent_offset_.assign(nodes_.size(), 0);
  size_t parents_size = 0;
  for (const LevelNode& child : next_) {
    if (!child.derived()) continue;
    parent_offset_[static_cast<size_t>(child.parent)] = parents_size;
    parents_size += nodes_[static_cast<size_t>(child.parent)].layout.node_stride();
  }
  parents_.Reuse(parents_size);
  for (const LevelNode& child : next_) {
    if (!child.derived()) continue;
    const size_t parent = static_cast<size_t>(child.parent);
    std::copy_n(histogram(parent), nodes_[parent].layout.node_stride(), parents_.data() + parent_offset_[parent]);
  }
  previous_nodes_ = std::move(nodes_);
  nodes_ = std::move(next_);
  next_.clear();
  next_range_.clear();
  splits_.clear();
}

}  // namespace tad
