#include "capture/pcap_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace tad {
namespace {

constexpr uint64_t kFileHeader = 24;
constexpr uint64_t kRecordHeader = 16;
// libpcap's MAXIMUM_SNAPLEN: a longer record is taken for a corrupt length.
constexpr uint32_t kMaxSnaplen = 262144;
constexpr int kLinktypeRaw = 101;
constexpr int kDltRaw = 12;
// Pages read are dropped from the mapping in steps of this many bytes.
constexpr uint64_t kReleaseStep = 4 << 20;

}  // namespace

Result<PcapReader> PcapReader::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Status::IoError(fmt::format("{}: not a regular file", path));
  }
  const auto size = static_cast<uint64_t>(info.st_size);
  if (size < kFileHeader) {
    ::close(fd);
    return Status::InvalidData(fmt::format(
        "{}: cannot read the capture: truncated dump file; tried to read {} file header bytes, only got {}", path,
        kFileHeader, size));
  }
  void* mapped = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (mapped == MAP_FAILED) return Status::IoError(fmt::format("{}: cannot map: {}", path, std::strerror(map_errno)));
  // Records are read front to back: let the kernel read ahead far, and map the first pages at once.
  madvise(mapped, size, MADV_SEQUENTIAL);
  madvise(mapped, std::min<uint64_t>(2 * kReleaseStep, size), MADV_POPULATE_READ);
  PcapReader reader(static_cast<const uint8_t*>(mapped), size, true);
  TAD_RETURN_IF_ERROR(reader.ReadFileHeader(path));
  return reader;
}

Result<PcapReader> PcapReader::FromBytes(std::vector<uint8_t> bytes, const std::string& name) {
  PcapReader reader(nullptr, bytes.size(), false);
  reader.memory_ = std::move(bytes);
  reader.data_ = reader.memory_.data();
  TAD_RETURN_IF_ERROR(reader.ReadFileHeader(name));
  return reader;
}

Status PcapReader::ReadFileHeader(const std::string& name) {
  auto fail = [&](const std::string& why) {
    return Status::InvalidData(fmt::format("{}: cannot read the capture: {}", name, why));
  };
  if (size_ < kFileHeader) {
    return fail(fmt::format("truncated dump file; tried to read {} file header bytes, only got {}", kFileHeader, size_));
  }
  uint32_t magic = 0;
  std::memcpy(&magic, data_, 4);
  switch (magic) {
    case 0xa1b2c3d4: break;
    case 0xd4c3b2a1: swapped_ = true; break;
    case 0xa1b23c4d: nanoseconds_ = true; break;
    case 0x4d3cb2a1: swapped_ = nanoseconds_ = true; break;
    default: return fail("unknown file format");
  }
  // Version major and minor: two 16-bit fields in the file's byte order.
  uint16_t raw_major = 0;
  uint16_t raw_minor = 0;
  std::memcpy(&raw_major, data_ + 4, 2);
  std::memcpy(&raw_minor, data_ + 6, 2);
  const uint32_t version_major = swapped_ ? __builtin_bswap16(raw_major) : raw_major;
  const uint32_t version_minor = swapped_ ? __builtin_bswap16(raw_minor) : raw_minor;
  if (version_major < 2) return fail("archaic pcap savefile format");
  if (!(version_major == 2 && version_minor <= 4) && !(version_major == 543 && version_minor == 0)) {
    return fail(fmt::format("unsupported pcap savefile version {}.{}", version_major, version_minor));
  }
  snapshot_ = U32(data_ + 16);
  if (snapshot_ == 0 || snapshot_ > kMaxSnaplen) snapshot_ = kMaxSnaplen;
  link_type_ = static_cast<int>(U32(data_ + 20) & 0xffff);  // the upper bits carry FCS flags
  if (link_type_ == kLinktypeRaw) link_type_ = kDltRaw;
  offset_ = kFileHeader;
  return Status::Ok();
}

PcapReader::PcapReader(PcapReader&& other) noexcept
    : data_(other.data_),
      size_(other.size_),
      mapped_(other.mapped_),
      memory_(std::move(other.memory_)),
      offset_(other.offset_),
      released_(other.released_),
      swapped_(other.swapped_),
      nanoseconds_(other.nanoseconds_),
      snapshot_(other.snapshot_),
      link_type_(other.link_type_),
      error_(std::move(other.error_)) {
  other.data_ = nullptr;
}

PcapReader::~PcapReader() {
  if (data_ && mapped_) munmap(const_cast<uint8_t*>(data_), size_);
}

uint32_t PcapReader::U32(const uint8_t* p) const {
  uint32_t value = 0;
  std::memcpy(&value, p, 4);
  return swapped_ ? __builtin_bswap32(value) : value;
}

void PcapReader::ReleaseBefore(uint64_t offset) {
  if (!mapped_) {
    released_ = offset;
    return;
  }
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t end = offset / page * page;
  auto* base = const_cast<uint8_t*>(data_);
  if (end > released_) madvise(base + released_, end - released_, MADV_DONTNEED);
  released_ = end;
  // Map the next step's pages in one call rather than a page fault every few records (the
  // pages come from the page cache; a kernel without MADV_POPULATE_READ faults them as before).
  if (end < size_) madvise(base + end, std::min<uint64_t>(2 * kReleaseStep, size_ - end), MADV_POPULATE_READ);
}

PcapStep PcapReader::Next(PcapRecord& record) {
  if (offset_ - released_ >= kReleaseStep) ReleaseBefore(offset_);
  const uint64_t left = size_ - offset_;
  if (left == 0) return PcapStep::kEnd;
  if (left < kRecordHeader) {
    error_ = fmt::format("truncated dump file; tried to read {} header bytes, only got {}", kRecordHeader, left);
    offset_ = size_;
    return PcapStep::kTruncated;
  }
  const uint8_t* header = data_ + offset_;
  // Seconds and fraction are signed 32-bit in the format (libpcap's struct pcap_timeval).
  const auto seconds = static_cast<int32_t>(U32(header));
  const auto fraction = static_cast<int32_t>(U32(header + 4));
  const uint32_t caplen = U32(header + 8);
  if (caplen > kMaxSnaplen) {
    error_ = fmt::format("invalid packet capture length {}, bigger than maximum of {}", caplen, kMaxSnaplen);
    offset_ = size_;
    return PcapStep::kTruncated;
  }
  if (left - kRecordHeader < caplen) {
    error_ = fmt::format("truncated dump file; tried to read {} captured bytes, only got {}", caplen,
                         left - kRecordHeader);
    offset_ = size_;
    return PcapStep::kTruncated;
  }
  record.timestamp_ns = int64_t{seconds} * 1'000'000'000 + int64_t{fraction} * (nanoseconds_ ? 1 : 1000);
  record.wire_len = U32(header + 12);
  record.bytes = std::span<const uint8_t>(header + kRecordHeader, caplen < snapshot_ ? caplen : snapshot_);
  offset_ += kRecordHeader + caplen;
  // The next record's header and first bytes: loaded while this packet is dissected.
  __builtin_prefetch(data_ + offset_);
  __builtin_prefetch(data_ + offset_ + 64);
  return PcapStep::kPacket;
}

}  // namespace tad
