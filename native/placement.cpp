// Where a tensor's memory lies and how it is laid out: pinned (page-locked) host memory, copies that do not wait,
// and memory formats (channels_last is NHWC in memory for an NCHW tensor).
#include <torch/cuda.h>

#include "binding.h"

namespace cnnkit {
namespace {

at::MemoryFormat memoryFormatOf(const std::string& name) {
  if (name == "contiguous") return at::MemoryFormat::Contiguous;
  if (name == "channels_last") return at::MemoryFormat::ChannelsLast;
  if (name == "channels_last_3d") return at::MemoryFormat::ChannelsLast3d;
  if (name == "preserve") return at::MemoryFormat::Preserve;
  throw ArgumentError("memory format must be 'contiguous', 'channels_last', 'channels_last_3d' or 'preserve', got '" + name + "'");
}

}  // namespace

void registerPlacement(Napi::Env env, Napi::Object exports) {
  // Page-locked memory needs a CUDA runtime; libtorch's own error without one lists dispatch keys.
  def(env, exports, "pinMemory", [](const at::Tensor& t) {
    if (!torch::cuda::is_available()) throw std::runtime_error("pinMemory(): page-locked memory needs CUDA, which this libtorch does not have (or finds no GPU)");
    return t.pin_memory();
  });
  def(env, exports, "isPinned", [](const at::Tensor& t) { return t.is_pinned(); });
  // With nonBlocking, a copy from pinned memory to a GPU returns before it ends (ordered on the current stream).
  def(env, exports, "toDevice", [](const at::Tensor& t, at::Device device, bool nonBlocking) { return t.to(device, nonBlocking); });
  def(env, exports, "contiguousFormat", [](const at::Tensor& t, std::string format) { return t.contiguous(memoryFormatOf(format)); });
  def(env, exports, "isContiguousFormat", [](const at::Tensor& t, std::string format) { return t.is_contiguous(memoryFormatOf(format)); });
}

}  // namespace cnnkit
