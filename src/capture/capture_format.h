#pragma once
/// Which capture format a file is in, decided from its first bytes (never its extension).

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "common/status.h"

namespace tad {

enum class CaptureFormat {
  kPcapMicroLittle,
  kPcapMicroBig,
  kPcapNanoLittle,
  kPcapNanoBig,
  kPcapng,
};

/// Detects the format from the first bytes of a file; InvalidData names `name` and shows the
/// first bytes when they are not a capture.
Result<CaptureFormat> DetectCaptureFormat(std::span<const uint8_t> head, const std::string& name);

/// Reads the first bytes of `path` and detects its format.
Result<CaptureFormat> DetectCaptureFormat(const std::filesystem::path& path);

const char* CaptureFormatName(CaptureFormat format);

}  // namespace tad
