#include "capture/pcapng_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace tad {
namespace {

// Block types (pcapng draft, section 11.1).
constexpr uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr uint32_t kInterfaceDescription = 1;
constexpr uint32_t kObsoletePacket = 2;
constexpr uint32_t kSimplePacket = 3;
constexpr uint32_t kEnhancedPacket = 6;

constexpr uint16_t kOptEnd = 0;
constexpr uint16_t kOptTsResol = 9;
constexpr uint16_t kOptTsOffset = 14;

// Smallest total length of each block: type, length, fixed body fields, trailing length.
constexpr uint32_t kMinBlock = 12;
constexpr uint32_t kMinSectionHeader = 28;
constexpr uint32_t kMinInterface = 20;
constexpr uint32_t kMinEnhancedPacket = 32;
constexpr uint32_t kMinObsoletePacket = 32;
constexpr uint32_t kMinSimplePacket = 16;

// The biggest if_tsresol we convert: 10^38 and 2^127 still fit in unsigned __int128.
constexpr uint8_t kMaxDecimalExponent = 38;

// 128-bit integers keep the tick conversion exact (GCC and Clang have them; __extension__ tells
// -Wpedantic that we know they are not ISO C++).
__extension__ using U128 = unsigned __int128;
__extension__ using I128 = __int128;

}  // namespace

bool PcapngTicksToNs(uint64_t ticks, const PcapngInterface& iface, int64_t& ns) {
  U128 per_second = 1;
  if (iface.binary_resolution) {
    per_second <<= iface.resolution_exponent;
  } else {
    for (int i = 0; i < iface.resolution_exponent; ++i) per_second *= 10;
  }
  // ticks < 2^64, so the fraction times 1e9 stays below 2^94: exact, rounded down like Wireshark.
  const U128 seconds = ticks / per_second;
  const U128 fraction_ns = (ticks % per_second) * 1'000'000'000u / per_second;
  const I128 total =
      (static_cast<I128>(seconds) + iface.offset_seconds) * 1'000'000'000 + static_cast<I128>(fraction_ns);
  if (total > std::numeric_limits<int64_t>::max() || total < std::numeric_limits<int64_t>::min()) return false;
  ns = static_cast<int64_t>(total);
  return true;
}

Result<PcapngReader> PcapngReader::Open(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return Status::IoError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  struct stat info {};
  if (fstat(fileno(file.get()), &info) != 0 || !S_ISREG(info.st_mode)) {
    return Status::IoError(fmt::format("{}: not a regular file", path));
  }
  // Whole blocks are read at once: a big stdio buffer saves a system call per packet.
  std::setvbuf(file.get(), nullptr, _IOFBF, 1 << 20);
  return PcapngReader(path, std::move(file), static_cast<uint64_t>(info.st_size));
}

PcapngReader PcapngReader::FromBytes(std::vector<uint8_t> bytes, std::string name) {
  const uint64_t size = bytes.size();
  PcapngReader reader(std::move(name), nullptr, size);
  reader.memory_ = std::move(bytes);
  return reader;
}

size_t PcapngReader::Read(uint8_t* out, size_t n) {
  if (file_) return std::fread(out, 1, n, file_.get());
  const size_t take = std::min(n, memory_.size() - memory_pos_);
  if (take) std::memcpy(out, memory_.data() + memory_pos_, take);
  memory_pos_ += take;
  return take;
}

Status PcapngReader::Corrupt(uint64_t offset, const std::string& what) const {
  return Status::InvalidData(fmt::format("{}: corrupt pcapng block at byte offset {}: {}", name_, offset, what));
}

uint16_t PcapngReader::U16(const uint8_t* p) const {
  return big_endian_ ? static_cast<uint16_t>((p[0] << 8) | p[1]) : static_cast<uint16_t>((p[1] << 8) | p[0]);
}

uint32_t PcapngReader::U32(const uint8_t* p) const {
  return big_endian_ ? (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]
                     : (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
}

Result<PcapngStep> PcapngReader::Next(PcapngPacket& packet) {
  for (;;) {
    if (done_) return PcapngStep::kEnd;
    const uint64_t start = offset_;
    const uint64_t left = size_ - offset_;
    if (left == 0) {
      done_ = true;
      return PcapngStep::kEnd;
    }
    auto truncated = [&](uint64_t length) {
      warning_ = length ? fmt::format(
                              "the file ends inside the pcapng block at byte offset {} ({} of its {} bytes "
                              "are there)",
                              start, left, length)
                        : fmt::format(
                              "the file ends inside the pcapng block header at byte offset {} ({} bytes "
                              "left)",
                              start, left);
      done_ = true;
      return PcapngStep::kTruncated;
    };
    // Type, total length and the first body word, which in a Section Header is the byte-order
    // magic that says how to read the total length.
    if (left < kMinBlock) return truncated(0);
    if (block_.size() < kMinBlock) block_.resize(1 << 16);
    if (Read(block_.data(), kMinBlock) != kMinBlock) return truncated(0);
    const uint8_t* head = block_.data();
    const bool section_header = std::memcmp(head, "\x0A\x0D\x0D\x0A", 4) == 0;
    if (section_header) {
      if (std::memcmp(head + 8, "\x4D\x3C\x2B\x1A", 4) == 0) {
        big_endian_ = false;
      } else if (std::memcmp(head + 8, "\x1A\x2B\x3C\x4D", 4) == 0) {
        big_endian_ = true;
      } else {
        done_ = true;
        return Corrupt(start, fmt::format("section header with an unknown byte-order magic {:02x} {:02x} {:02x} {:02x}",
                                          head[8], head[9], head[10], head[11]));
      }
    } else if (!in_section_) {
      done_ = true;
      return Corrupt(start, "the file does not begin with a section header block");
    }
    const uint32_t type = U32(head);
    const uint32_t length = U32(head + 4);
    if (length < kMinBlock || length % 4 != 0) {
      done_ = true;
      return Corrupt(start, fmt::format("block total length {} is not a multiple of 4 of at least 12", length));
    }
    if (length > left) return truncated(length);
    if (block_.size() < length) block_.resize(length);
    if (Read(block_.data() + kMinBlock, length - kMinBlock) != length - kMinBlock) return truncated(length);
    const uint32_t trailing = U32(block_.data() + length - 4);
    if (trailing != length) {
      done_ = true;
      return Corrupt(start, fmt::format("block total length {} differs from its trailing copy {}", length, trailing));
    }
    offset_ += length;
    const std::span<const uint8_t> body(block_.data() + 8, length - kMinBlock);
    Status status;
    switch (type) {
      case kSectionHeader:
        status = ReadSectionHeader(body, start);
        break;
      case kInterfaceDescription:
        status = ReadInterface(body, start);
        break;
      case kEnhancedPacket:
      case kObsoletePacket:
      case kSimplePacket: {
        auto step = ReadPacket(type, body, start, packet);
        if (!step.ok()) done_ = true;
        return step;
      }
      default:  // statistics, name resolution, decryption secrets, custom blocks: not needed
        break;
    }
    if (!status.ok()) {
      done_ = true;
      return status;
    }
  }
}

Status PcapngReader::ReadSectionHeader(std::span<const uint8_t> body, uint64_t offset) {
  if (body.size() + kMinBlock < kMinSectionHeader) {
    return Corrupt(offset,
                   fmt::format("section header of {} bytes (at least {})", body.size() + kMinBlock, kMinSectionHeader));
  }
  const uint16_t major = U16(body.data() + 4);
  const uint16_t minor = U16(body.data() + 6);
  if (major != 1) return Corrupt(offset, fmt::format("unsupported pcapng version {}.{}", major, minor));
  // A new section has its own interfaces: ids in its packets count from 0 again.
  interfaces_.clear();
  in_section_ = true;
  return Status::Ok();
}

Status PcapngReader::ReadInterface(std::span<const uint8_t> body, uint64_t offset) {
  if (body.size() + kMinBlock < kMinInterface) {
    return Corrupt(
        offset, fmt::format("interface description of {} bytes (at least {})", body.size() + kMinBlock, kMinInterface));
  }
  PcapngInterface iface;
  iface.link_type = U16(body.data());
  iface.snaplen = U32(body.data() + 4);
  size_t pos = 8;
  while (body.size() - pos >= 4) {
    const uint16_t code = U16(body.data() + pos);
    const uint16_t size = U16(body.data() + pos + 2);
    pos += 4;
    if (code == kOptEnd) break;
    const size_t padded = (size_t{size} + 3) & ~size_t{3};
    if (padded > body.size() - pos) {
      return Corrupt(offset, fmt::format("interface option {} of {} bytes runs past the end of the block", code, size));
    }
    const uint8_t* value = body.data() + pos;
    if (code == kOptTsResol) {
      if (size != 1) return Corrupt(offset, fmt::format("if_tsresol of {} bytes (1 expected)", size));
      iface.binary_resolution = (value[0] & 0x80) != 0;
      iface.resolution_exponent = value[0] & 0x7f;
      if (!iface.binary_resolution && iface.resolution_exponent > kMaxDecimalExponent) {
        return Corrupt(offset,
                       fmt::format("if_tsresol 10^-{} is finer than we can convert", iface.resolution_exponent));
      }
    } else if (code == kOptTsOffset) {
      if (size != 8) return Corrupt(offset, fmt::format("if_tsoffset of {} bytes (8 expected)", size));
      // A 64-bit option value is one integer in the section's byte order, not two 32-bit halves.
      const uint64_t first = U32(value);
      const uint64_t second = U32(value + 4);
      iface.offset_seconds = static_cast<int64_t>(big_endian_ ? (first << 32) | second : (second << 32) | first);
    }
    pos += padded;
  }
  interfaces_.push_back(iface);
  return Status::Ok();
}

Result<PcapngStep> PcapngReader::ReadPacket(uint32_t type, std::span<const uint8_t> body, uint64_t offset,
                                            PcapngPacket& packet) {
  const uint8_t* p = body.data();
  const size_t length = body.size() + kMinBlock;
  uint32_t interface_id = 0;
  uint32_t captured = 0;
  uint32_t original = 0;
  size_t data_at = 0;
  uint64_t ticks = 0;
  if (type == kSimplePacket) {
    if (length < kMinSimplePacket) return Corrupt(offset, fmt::format("simple packet block of {} bytes", length));
    original = U32(p);
    data_at = 4;
  } else {
    const uint32_t minimum = type == kEnhancedPacket ? kMinEnhancedPacket : kMinObsoletePacket;
    if (length < minimum) {
      return Corrupt(offset, fmt::format("packet block of {} bytes (at least {})", length, minimum));
    }
    // The obsolete Packet Block has a 16-bit interface id followed by a 16-bit drop count.
    interface_id = type == kEnhancedPacket ? U32(p) : U16(p);
    ticks = (uint64_t{U32(p + 4)} << 32) | U32(p + 8);
    captured = U32(p + 12);
    original = U32(p + 16);
    data_at = 20;
  }
  if (interface_id >= interfaces_.size()) {
    return Corrupt(offset, fmt::format("packet of interface {}, but the section defines {} interface{}", interface_id,
                                       interfaces_.size(), interfaces_.size() == 1 ? "" : "s"));
  }
  const PcapngInterface& iface = interfaces_[interface_id];
  const size_t room = body.size() - data_at;
  if (type == kSimplePacket) {
    // No captured length in the block: the packet is what fits, at most the snapshot length.
    captured = static_cast<uint32_t>(std::min<uint64_t>(original, room));
    if (iface.snaplen != 0) captured = std::min(captured, iface.snaplen);
    packet.timestamp_ns = 0;
  } else {
    if (captured > room) {
      return Corrupt(
          offset, fmt::format("captured length {} runs past the end of the block ({} bytes of room)", captured, room));
    }
    if (!PcapngTicksToNs(ticks, iface, packet.timestamp_ns)) {
      return Corrupt(offset, fmt::format("timestamp {} of interface {} is out of range", ticks, interface_id));
    }
  }
  packet.wire_len = original;
  packet.link_type = iface.link_type;
  packet.interface_id = interface_id;
  packet.block_offset = offset;
  packet.bytes = body.subspan(data_at, captured);
  return PcapngStep::kPacket;
}

}  // namespace tad
