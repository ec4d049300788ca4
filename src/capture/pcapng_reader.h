#pragma once
/// Our own pcapng reader. libpcap gives one link type per file and refuses interfaces whose link
/// type or snapshot length differ from the first one's (it stopped Social/instagram.pcap after 744
/// of its 3443 records), so pcapng is read here block by block: sections in either byte order, each
/// with its own interfaces, and every packet carries the link type and the timestamp resolution and
/// offset of ITS interface. Every length is checked against the block that holds it before use.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace tad {

/// What an Interface Description Block says that matters for reading its packets.
struct PcapngInterface {
  int link_type = 0;                // LINKTYPE_* (the dissector understands these numbers)
  uint32_t snaplen = 0;             // 0: no limit
  bool binary_resolution = false;   // if_tsresol bit 7: units of 2^-exponent s, else 10^-exponent s
  uint8_t resolution_exponent = 6;  // the default is µs
  int64_t offset_seconds = 0;       // if_tsoffset
};

struct PcapngPacket {
  int64_t timestamp_ns = 0;  // ns since the epoch; 0 for a Simple Packet Block (it has none)
  uint32_t wire_len = 0;     // original length
  int link_type = 0;         // of the packet's interface
  uint32_t interface_id = 0;
  uint64_t block_offset = 0;       // byte offset of the packet's block in the file
  std::span<const uint8_t> bytes;  // captured bytes; valid until the next Next()
};

enum class PcapngStep {
  kPacket,     // `packet` is filled
  kEnd,        // the file ends after a complete block
  kTruncated,  // the file ends inside a block: the packets before it were complete; see warning()
};

/// Converts `ticks` of `iface`'s resolution (plus its offset) to ns since the epoch, rounding down
/// as Wireshark does; integer arithmetic only. False when the result does not fit in int64.
bool PcapngTicksToNs(uint64_t ticks, const PcapngInterface& iface, int64_t& ns);

class PcapngReader {
 public:
  /// Opens `path`; IoError when it cannot be opened. The blocks are checked as they are read.
  static Result<PcapngReader> Open(const std::string& path);
  /// Reads from memory (tests, fuzzing); `name` stands for the file in messages.
  static PcapngReader FromBytes(std::vector<uint8_t> bytes, std::string name);

  /// Reads blocks up to the next packet. An error (InvalidData) means a block is inconsistent: a
  /// bad total length or a trailing copy that differs, a packet of an undefined interface, a field
  /// that runs past its block. Its message names the block's byte offset; reading ends there.
  Result<PcapngStep> Next(PcapngPacket& packet);
  /// Why the last Next() returned kTruncated.
  const std::string& warning() const { return warning_; }
  /// The interfaces of the current section.
  const std::vector<PcapngInterface>& interfaces() const { return interfaces_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  PcapngReader(std::string name, std::unique_ptr<std::FILE, FileCloser> file, uint64_t size)
      : name_(std::move(name)), file_(std::move(file)), size_(size) {}

  size_t Read(uint8_t* out, size_t n);
  Status Corrupt(uint64_t offset, const std::string& what) const;
  uint16_t U16(const uint8_t* p) const;
  uint32_t U32(const uint8_t* p) const;
  Status ReadSectionHeader(std::span<const uint8_t> body, uint64_t offset);
  Status ReadInterface(std::span<const uint8_t> body, uint64_t offset);
  Result<PcapngStep> ReadPacket(uint32_t type, std::span<const uint8_t> body, uint64_t offset, PcapngPacket& packet);

  std::string name_;
  std::unique_ptr<std::FILE, FileCloser> file_;  // null when reading from memory_
  std::vector<uint8_t> memory_;
  size_t memory_pos_ = 0;
  uint64_t size_ = 0;    // bytes in the file
  uint64_t offset_ = 0;  // of the next block
  bool big_endian_ = false;
  bool in_section_ = false;
  bool done_ = false;
  std::vector<PcapngInterface> interfaces_;
  std::vector<uint8_t> block_;  // the current block; packet bytes point into it
  std::string warning_;
};

}  // namespace tad
