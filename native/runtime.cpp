// The engine's global state: random seed and generator state, threads, CUDA, version.
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <dlfcn.h>

#include "binding.h"

namespace cnnkit {
namespace {

// libtorch's OpenMP runtime's omp_set_num_threads, looked up among libtorch's own libraries: the addon links no
// OpenMP runtime, which could be a second one (a libtorch from pytorch.org or pip carries its libgomp under another
// name, an Intel build libiomp5).
using SetThreads = void (*)(int);
SetThreads openmpSetNumThreads() {
  static const SetThreads set = []() -> SetThreads {
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&at::set_num_threads), &info) == 0 || info.dli_fname == nullptr) return nullptr;
    void* torch = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    return torch == nullptr ? nullptr : reinterpret_cast<SetThreads>(dlsym(torch, "omp_set_num_threads"));
  }();
  return set;
}

}  // namespace

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
  // The calling thread's count alone. at::set_num_threads also sets the process-wide count that each thread takes up
  // at its first parallel op, so a worker thread calling it could lower the main thread's. Under OpenMP each thread
  // has its own; a libtorch with one shared pool (native or TBB) has nothing per thread, and says so (false).
  def(env, exports, "setThreadNumThreads", [](int64_t n) {
    if (n < 1) throw ArgumentError("setThreadNumThreads needs a positive number of threads, got " + std::to_string(n));
    const SetThreads set = AT_PARALLEL_OPENMP ? openmpSetNumThreads() : nullptr;
    if (set == nullptr) return false;
    at::get_num_threads();  // libtorch gives this thread the process-wide count once, lazily: have that happen first
    set(static_cast<int>(n));
    return true;
  });
  def(env, exports, "getNumThreads", []() { return static_cast<int64_t>(at::get_num_threads()); });
  def(env, exports, "cudaIsAvailable", []() { return torch::cuda::is_available(); });
  def(env, exports, "cudaDeviceCount", []() { return static_cast<int64_t>(torch::cuda::device_count()); });
  def(env, exports, "cudaSynchronize", []() { torch::cuda::synchronize(); });
  def(env, exports, "version", []() { return std::string(TORCH_VERSION); });
}

}  // namespace cnnkit
