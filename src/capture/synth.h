#pragma once
/// `tad synth`: writes ZTE_TAD-like captures, one folder per app category (the seed's 13 names),
/// several Ethernet pcap files per folder, each the application sessions of one app of that
/// category (DNS lookups, parallel and sequential TLS connections with request/response exchanges,
/// port reuse, UDP media/game/VoIP flows) over IPv4 and IPv6; what the apps do depends on the
/// category, per-host values (TTLs, windows, ports) do not (see capture/synth_profiles.h and
/// docs/synth.md). The same options always give byte-identical files.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace tad {

struct SynthOptions {
  uint64_t packets = 200000;      // in all, over every category
  uint64_t seed = 1;
  int files_per_category = 4;
  int threads = 0;                // 0: one per core; the output does not depend on it
  uint32_t snaplen = 0;           // 0: whole frames; else frames cut to this many bytes (>= kMinSynthSnaplen)
};

/// The smallest snapshot length `tad synth` writes: every header of every frame it builds
/// (Ethernet, IPv6, TCP with 20 bytes of options) and a little payload.
inline constexpr uint32_t kMinSynthSnaplen = 96;

struct SynthCategorySummary {
  std::string category;
  int64_t files = 0;
  int64_t flows = 0;
  int64_t packets = 0;
  int64_t bytes = 0;  // frame bytes written
};

struct SynthSummary {
  std::vector<SynthCategorySummary> categories;  // in the order of SynthCategoryNames()
  int64_t files = 0;
  int64_t flows = 0;
  int64_t packets = 0;
  int64_t bytes = 0;
};

/// The 13 category folder names, exactly as in ZTE_TAD.
std::vector<std::string> SynthCategoryNames();

/// How `packets` are shared out over the categories (their shares, largest remainder first); the
/// counts sum to `packets`.
std::vector<uint64_t> SynthPacketsPerCategory(uint64_t packets);

/// Writes the captures into `dir`, which must exist. `on_packets` (may be empty) is called from
/// worker threads with the number of packets just written.
Result<SynthSummary> WriteSynthCaptures(const std::filesystem::path& dir, const SynthOptions& options,
                                        const std::function<void(uint64_t)>& on_packets);

}  // namespace tad
