// libFuzzer target for the classic pcap reader: any bytes as a whole file, every packet it yields
// dissected with the file's link type. ASan/UBSan turn a read past a record or an overflow into a
// crash.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "capture/dissector.h"
#include "capture/pcap_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto reader = tad::PcapReader::FromBytes(std::vector<uint8_t>(data, data + size), "fuzz-input");
  if (!reader.ok()) return 0;
  tad::PcapRecord record;
  tad::PacketFeatures features;
  // Every record consumes at least its 16-byte header, so the loop ends; the bound is a safety net.
  for (size_t steps = 0; steps <= size; ++steps) {
    if (reader->Next(record) != tad::PcapStep::kPacket) break;
    if (record.bytes.size() > size) __builtin_trap();  // packet bytes come from the input
    bool transport_truncated = false;
    (void)tad::Dissect(record.bytes, record.wire_len, reader->link_type(), features, transport_truncated);
  }
  return 0;
}
