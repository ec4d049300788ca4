// The metadata properties of an ONNX file, read straight from its protobuf bytes (ModelProto
// field 14, entries of key 1 and value 2): onnxruntime-node does not expose them. docs/export.md
// shows this function; the ONNX export test uses it to take the feature order from the file.
export function onnxMetadata(bytes) {
  const decoder = new TextDecoder();
  // Calls visit(field, start, end) for each length-delimited field in bytes[start, end).
  function lengthDelimitedFields(start, end, visit) {
    let pos = start;
    const varint = () => {
      let value = 0;
      let scale = 1;
      let byte;
      do {
        byte = bytes[pos++];
        value += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte & 0x80);
      return value;
    };
    while (pos < end) {
      const key = varint();
      const wireType = key % 8;
      if (wireType === 0) varint();
      else if (wireType === 1) pos += 8;
      else if (wireType === 5) pos += 4;
      else if (wireType === 2) {
        const length = varint();
        visit(Math.floor(key / 8), pos, pos + length);
        pos += length;
      } else throw new Error(`not an ONNX file: protobuf wire type ${wireType}`);
    }
  }
  const metadata = {};
  lengthDelimitedFields(0, bytes.length, (field, start, end) => {
    if (field !== 14) return;
    const entry = {};
    lengthDelimitedFields(start, end, (f, s, e) => { entry[f] = decoder.decode(bytes.subarray(s, e)); });
    metadata[entry[1]] = entry[2] ?? '';
  });
  return metadata;
}
