// The engine's global state: random seed and generator state, threads, CUDA, version.
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#include "binding.h"

namespace cnnkit {

void registerRuntime(Napi::Env env, Napi::Object exports) {
  // Seeds the CPU generator and every CUDA one, as torch.manual_seed does.
  def(env, exports, "manualSeed", [](int64_t seed) { torch::manual_seed(static_cast<uint64_t>(seed)); });
  def(env, exports, "getRngState", []() {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
  });
  def(env, exports, "setRngState", [](const at::Tensor& state) {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  });
  def(env, exports, "setNumThreads", [](int64_t n) {
    if (n < 1) throw ArgumentError("setNumThreads needs a positive number of threads, got " + std::to_string(n));
    at::set_num_threads(static_cast<int>(n));
  });
  def(env, exports, "getNumThreads", []() { return static_cast<int64_t>(at::get_num_threads()); });
  def(env, exports, "cudaIsAvailable", []() { return torch::cuda::is_available(); });
  def(env, exports, "cudaDeviceCount", []() { return static_cast<int64_t>(torch::cuda::device_count()); });
  def(env, exports, "cudaSynchronize", []() { torch::cuda::synchronize(); });
  def(env, exports, "version", []() { return std::string(TORCH_VERSION); });
}

}  // namespace cnnkit
