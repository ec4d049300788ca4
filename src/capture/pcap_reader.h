#pragma once
/// Our own reader of classic pcap files (either byte order, µs or ns timestamps). The file is
/// memory-mapped and records are handed out in place: reading a packet touches its 16-byte record
/// header and whatever of its bytes the dissector looks at, never copies them (libpcap copied
/// every byte twice, through stdio's 4 KiB buffer into its own, and that was most of extraction's
/// system time). It follows libpcap's rules where a file bends them: a record longer than the
/// file's snapshot length is cut to it, one longer than 262,144 bytes or cut short by the end of
/// the file ends the reading with a message in libpcap's words. Pages already read are dropped
/// from the mapping as it goes, so resident memory stays flat however long the file.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace tad {

enum class PcapStep {
  kPacket,
  kEnd,        // the file ends after a complete record
  kTruncated,  // the file ends inside a record, or a record's length is impossible; see error()
};

struct PcapRecord {
  int64_t timestamp_ns = 0;
  uint32_t wire_len = 0;
  std::span<const uint8_t> bytes;  // captured bytes; valid until the next Next()
};

class PcapReader {
 public:
  /// Opens and maps `path`; InvalidData when its file header is not a pcap header we read.
  static Result<PcapReader> Open(const std::string& path);
  /// Reads from memory (tests, fuzzing); `name` stands for the file in messages.
  static Result<PcapReader> FromBytes(std::vector<uint8_t> bytes, const std::string& name);
  PcapReader(PcapReader&& other) noexcept;
  PcapReader& operator=(PcapReader&&) = delete;
  PcapReader(const PcapReader&) = delete;
  ~PcapReader();

  /// The file's link type, as a DLT value (LINKTYPE_RAW 101 becomes DLT_RAW 12, as libpcap does).
  int link_type() const { return link_type_; }
  PcapStep Next(PcapRecord& record);
  const std::string& error() const { return error_; }

 private:
  PcapReader(const uint8_t* data, uint64_t size, bool mapped) : data_(data), size_(size), mapped_(mapped) {}
  /// Reads the file header; InvalidData naming `name` when it is not one we read.
  Status ReadFileHeader(const std::string& name);
  uint32_t U32(const uint8_t* p) const;
  /// Drops the mapping's pages before `offset` from this process (they stay in the page cache),
  /// so that resident memory does not grow with the file.
  void ReleaseBefore(uint64_t offset);

  const uint8_t* data_ = nullptr;  // the mapping, or memory_'s bytes
  uint64_t size_ = 0;
  bool mapped_ = false;
  std::vector<uint8_t> memory_;
  uint64_t offset_ = 0;  // of the next record
  uint64_t released_ = 0;  // pages before this offset were dropped
  bool swapped_ = false;
  bool nanoseconds_ = false;
  uint32_t snapshot_ = 0;
  int link_type_ = 0;
  std::string error_;
};

}  // namespace tad
