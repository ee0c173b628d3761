// The metadata_props of an ONNX file, as toOnnx and exportRun write them (classes, input shape, preprocessing).
import onnxProto from 'onnx-proto';

/** key → value of the model's metadata_props. */
export function readMetadata(bytes: Uint8Array): Record<string, string> {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  return Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key, p.value]));
}
