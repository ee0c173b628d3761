// Tensor handles: an at::Tensor wrapped in a plain JS object tagged as a cnnkit tensor, with per-thread (per-env) accounting.
#pragma once
#include <ATen/ATen.h>
#include <napi.h>

#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace cnnkit {

// Buffers shared with tensors (torch.frombuffer) may be released from any thread; JS references
// may only be dropped on the env's own thread, so releases from elsewhere wait in this queue.
struct ReleaseQueue {
  std::mutex mutex;
  std::vector<napi_ref> pending;
  bool envAlive = true;
};

// One per env (main thread, each worker thread): the live handles and their storage bytes.
struct Instance {
  std::unordered_map<const void*, std::pair<int64_t, int64_t>> storages;  // impl -> (handles, bytes)
  int64_t liveTensors = 0;
  int64_t liveBytes = 0;
  int64_t cpuBytes = 0;  // the part of liveBytes in CPU memory
  std::thread::id thread = std::this_thread::get_id();
  std::shared_ptr<ReleaseQueue> releases = std::make_shared<ReleaseQueue>();
};

std::shared_ptr<Instance> instance(Napi::Env env);
void drainReleases(Napi::Env env);

// Wraps a tensor into a new JS handle (a plain object tagged as a cnnkit tensor, the tensor wrapped inside).
Napi::Value wrap(Napi::Env env, at::Tensor tensor);
// The tensor behind a handle; throws a TypeError naming `what` if it is not a live tensor handle.
at::Tensor& unwrap(const Napi::Value& value, const char* what);

// Whether a value is a tensor handle (live or disposed).
bool isHandle(const Napi::Value& value);

void registerHandle(Napi::Env env, Napi::Object exports);

}  // namespace cnnkit
