// libFuzzer target for the pcapng reader (classic pcap has its own, pcap_reader_fuzz): any bytes
// as a whole file, every packet it yields dissected with its interface's link type. ASan/UBSan turn
// a read past a block or an overflow into a crash.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "capture/dissector.h"
#include "capture/pcapng_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tad::PcapngReader reader = tad::PcapngReader::FromBytes(std::vector<uint8_t>(data, data + size), "fuzz-input");
  tad::PcapngPacket packet;
  tad::PacketFeatures features;
  // Every step consumes at least one block header, so the loop ends; the bound is a safety net.
  for (size_t steps = 0; steps <= size; ++steps) {
    auto step = reader.Next(packet);
    if (!step.ok() || step.value() != tad::PcapngStep::kPacket) break;
    if (packet.bytes.size() > size) __builtin_trap();  // packet bytes come from the input
    bool transport_truncated = false;
    (void)tad::Dissect(packet.bytes, packet.wire_len, packet.link_type, features, transport_truncated);
  }
  return 0;
}
