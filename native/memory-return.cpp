// glibc's malloc hands freed memory back to the system: blocks above its mmap threshold are unmapped on free, and the
// heap's top is trimmed once more than the trim threshold lies free there. A training step frees tens of MB of
// activations and gradients and allocates them again in the next step, so each step re-faults those pages (about 2 µs
// a page here, 10-15 % of a lecture_cnn step on 2 cores). Python's PyTorch pays the same. The addon keeps freed memory
// in the process instead, once per process: the resident size then stays at the largest step's, which is what a
// training run or a server holds anyway. Thresholds the user sets for glibc (GLIBC_TUNABLES, MALLOC_*_) are kept.
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "binding.h"

namespace cnnkit {
namespace {

// Blocks up to 1 GiB come from the heap (a ResNet-50 batch of 128 at 224 px has 411 MB activations), and up to 2 GiB
// of free heap is kept (mallopt takes an int).
constexpr int kMmapThreshold = 1 << 30;
constexpr int kTrimThreshold = 0x7fffffff;

struct MemoryReturn {
  bool tuned = false;
  std::string reason;  // why not, when not tuned
};

MemoryReturn tune() {
  MemoryReturn result;
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if ((tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) || std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr ||
      std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr) {
    result.reason = "glibc's malloc settings come from the environment";
    return result;
  }
  result.tuned = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
  if (!result.tuned) result.reason = "mallopt refused the thresholds";
#else
  result.reason = "not glibc's malloc";
#endif
  return result;
}

const MemoryReturn& memoryReturn() {
  static std::once_flag once;
  static MemoryReturn state;
  std::call_once(once, [] { state = tune(); });
  return state;
}

}  // namespace

void registerMemoryReturn(Napi::Env env, Napi::Object exports) {
  memoryReturn();
  // What the addon did: [true, ""] with its thresholds set, or [false, why it left malloc as it was].
  def(env, exports, "mallocTuned", []() { return std::make_tuple(memoryReturn().tuned, memoryReturn().reason); });
}

}  // namespace cnnkit
