#include "capture/capture_format.h"

#include <fmt/format.h>

#include <array>
#include <cstdio>

namespace tad {

Result<CaptureFormat> DetectCaptureFormat(std::span<const uint8_t> head, const std::string& name) {
  if (head.size() >= 4) {
    const uint32_t be = (uint32_t{head[0]} << 24) | (uint32_t{head[1]} << 16) | (uint32_t{head[2]} << 8) | head[3];
    switch (be) {
      case 0xd4c3b2a1: return CaptureFormat::kPcapMicroLittle;
      case 0xa1b2c3d4: return CaptureFormat::kPcapMicroBig;
      case 0x4d3cb2a1: return CaptureFormat::kPcapNanoLittle;
      case 0xa1b23c4d: return CaptureFormat::kPcapNanoBig;
      case 0x0a0d0d0a: return CaptureFormat::kPcapng;
      default: break;
    }
  }
  if (head.empty()) return Status::InvalidData(fmt::format("{}: not a packet capture (the file is empty)", name));
  std::string bytes;
  for (size_t i = 0; i < head.size() && i < 4; ++i) bytes += fmt::format("{}{:02x}", i ? " " : "", head[i]);
  return Status::InvalidData(fmt::format("{}: not a packet capture (starts with {})", name, bytes));
}

Result<CaptureFormat> DetectCaptureFormat(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return Status::IoError(fmt::format("{}: cannot open", path.string()));
  std::array<uint8_t, 4> head{};
  const size_t n = std::fread(head.data(), 1, head.size(), file);
  std::fclose(file);
  return DetectCaptureFormat(std::span<const uint8_t>(head.data(), n), path.string());
}

const char* CaptureFormatName(CaptureFormat format) {
  switch (format) {
    case CaptureFormat::kPcapMicroLittle: return "pcap-us-le";
    case CaptureFormat::kPcapMicroBig: return "pcap-us-be";
    case CaptureFormat::kPcapNanoLittle: return "pcap-ns-le";
    case CaptureFormat::kPcapNanoBig: return "pcap-ns-be";
    case CaptureFormat::kPcapng: return "pcapng";
  }
  return "unknown";
}

}  // namespace tad
