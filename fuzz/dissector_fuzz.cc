// libFuzzer target for the capture parsers: Dissect over any link type it supports, and the
// capture-format detection, on arbitrary bytes. ASan/UBSan turn any read past the frame or
// arithmetic overflow into a crash.
//
// Input layout: byte 0 picks the link type, byte 1 is how many bytes the frame was longer on the
// wire than captured (a snapshot length cut; 255: the largest length a record header can state),
// the rest is the captured frame.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "capture/capture_format.h"
#include "capture/dissector.h"

namespace {

// Every type Dissect reads, plus one it does not, so kUnsupportedLink is covered too.
constexpr std::array kLinkTypes = {
    tad::link_type::kNull, tad::link_type::kEthernet,  tad::link_type::kRaw12,    tad::link_type::kRaw14,
    tad::link_type::kRaw,  tad::link_type::kLoop,      tad::link_type::kLinuxSll, tad::link_type::kIpv4,
    tad::link_type::kIpv6, tad::link_type::kLinuxSll2, 147 /* DLT_USER0 */,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  (void)tad::DetectCaptureFormat(input, "fuzz-input");
  if (size < 2) return 0;
  const int link = kLinkTypes[data[0] % kLinkTypes.size()];
  const std::span<const uint8_t> frame = input.subspan(2);
  const uint32_t wire_len = data[1] == 0xff ? UINT32_MAX : static_cast<uint32_t>(frame.size()) + data[1];
  tad::PacketFeatures features;
  bool transport_truncated = false;
  const tad::DissectResult result = tad::Dissect(frame, wire_len, link, features, transport_truncated);
  if (result == tad::DissectResult::kOk) {
    // Invariants the rest of extract relies on.
    if (features.ip_version != 4 && features.ip_version != 6) __builtin_trap();
    if (features.payload_len < 0) __builtin_trap();
    if (features.is_tcp && !features.has_ports) __builtin_trap();
  }
  return 0;
}
