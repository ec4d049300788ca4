#pragma once
/// The one hash of row identities. Sampling (`tad extract --sample`), the train/test split and the
/// sample for bin edges all decide by it, so a row's fate depends on what the row is, never on
/// which file order, thread or executor handled it.

#include <cstdint>
#include <string_view>

namespace tad {

/// SplitMix64's finaliser: a fast bijective mix with full avalanche.
constexpr uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

/// FNV-1a over bytes, then mixed; stable across platforms and releases (it is part of the data
/// format: changing it changes which rows a seed selects).
constexpr uint64_t HashBytes(std::string_view bytes, uint64_t seed = 0) {
  uint64_t h = 0xcbf29ce484222325ULL ^ Mix64(seed);
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return Mix64(h);
}

constexpr uint64_t HashCombine(uint64_t a, uint64_t b) { return Mix64(a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2))); }

/// Identity of one packet row: which capture and which record in it.
constexpr uint64_t RowIdentityHash(std::string_view source_file, int64_t packet_index, uint64_t seed) {
  return HashCombine(HashBytes(source_file, seed), static_cast<uint64_t>(packet_index));
}

/// Maps a hash to [0, 1) with 53 bits, so "keep if UnitInterval(h) < fraction" nests: every row
/// kept at 1 % is also kept at 20 %.
constexpr double UnitInterval(uint64_t hash) { return static_cast<double>(hash >> 11) * 0x1.0p-53; }

}  // namespace tad
