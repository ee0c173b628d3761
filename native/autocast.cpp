// Mixed precision: libtorch's autocast state (thread-local, as torch.autocast sets it) and the two steps of
// PyTorch's GradScaler: unscaling gradients while checking them for inf/NaN, and updating the scale.
#include <ATen/autocast_mode.h>

#include "binding.h"

namespace cnnkit {
namespace {

// autocast keeps one switch and one dtype per device type; cnnkit speaks of the two PyTorch's torch.autocast takes here.
bool isCuda(const std::string& deviceType) {
  if (deviceType == "cuda") return true;
  if (deviceType == "cpu") return false;
  throw ArgumentError("autocast device type must be 'cpu' or 'cuda', got '" + deviceType + "'");
}

// libtorch 1.13 has CUDA kernels only for the scaler's two steps; elsewhere they are composed of tensor ops that do
// what the CUDA kernels do (aten/src/ATen/native/cuda/AmpKernels.cu).
bool allCuda(const std::vector<at::Tensor>& tensors, const at::Tensor& other) {
  if (!other.is_cuda()) return false;
  for (const auto& t : tensors)
    if (!t.is_cuda()) return false;
  return true;
}

// Multiplies every gradient by invScale and sets foundInf to 1 when any of them holds an inf or a NaN.
void unscale(std::vector<at::Tensor> grads, at::Tensor foundInf, const at::Tensor& invScale) {
  if (foundInf.numel() != 1 || invScale.numel() != 1) throw ArgumentError("foundInf and invScale must be one-element tensors");
  if (allCuda(grads, foundInf) && invScale.is_cuda()) return at::_amp_foreach_non_finite_check_and_unscale_(grads, foundInf, invScale);
  for (auto& g : grads) {
    // No item() here: on a device that would wait for the GPU at every gradient.
    at::Tensor nonFinite = at::logical_not(at::isfinite(g)).any().to(foundInf.scalar_type()).reshape(foundInf.sizes());
    foundInf.copy_(at::maximum(foundInf, nonFinite));
    g.mul_(invScale.to(g.device()));
  }
}

// After a step: on inf/NaN the scale backs off and the count of good steps restarts; otherwise after `interval`
// good steps in a row the scale grows (unless that would overflow) and the count restarts.
void updateScale(at::Tensor scale, at::Tensor growthTracker, const at::Tensor& foundInf, double growth, double backoff, int64_t interval) {
  if (scale.numel() != 1 || growthTracker.numel() != 1 || foundInf.numel() != 1) throw ArgumentError("scale, growthTracker and foundInf must be one-element tensors");
  if (scale.is_cuda() && growthTracker.is_cuda() && foundInf.is_cuda()) {
    at::_amp_update_scale_(scale, growthTracker, foundInf, growth, backoff, interval);
    return;
  }
  float current = scale.item<float>();
  if (foundInf.item<float>() != 0) {
    scale.fill_(current * static_cast<float>(backoff));
    growthTracker.fill_(0);
    return;
  }
  int64_t successful = growthTracker.item<int64_t>() + 1;
  if (successful == interval) {
    float grown = current * static_cast<float>(growth);
    if (std::isfinite(grown)) scale.fill_(grown);
    growthTracker.fill_(0);
  } else {
    growthTracker.fill_(successful);
  }
}

}  // namespace

void registerAutocast(Napi::Env env, Napi::Object exports) {
  def(env, exports, "isAutocastEnabled", [](std::string deviceType) {
    return isCuda(deviceType) ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
  });
  def(env, exports, "setAutocastEnabled", [](std::string deviceType, bool enabled) {
    if (isCuda(deviceType)) at::autocast::set_enabled(enabled);
    else at::autocast::set_cpu_enabled(enabled);
  });
  def(env, exports, "getAutocastDtype", [](std::string deviceType) {
    return isCuda(deviceType) ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
  });
  def(env, exports, "setAutocastDtype", [](std::string deviceType, at::ScalarType dtype) {
    if (isCuda(deviceType)) at::autocast::set_autocast_gpu_dtype(dtype);
    else at::autocast::set_autocast_cpu_dtype(dtype);
  });
  def(env, exports, "isAutocastCacheEnabled", []() { return at::autocast::is_autocast_cache_enabled(); });
  def(env, exports, "setAutocastCacheEnabled", [](bool enabled) { at::autocast::set_autocast_cache_enabled(enabled); });
  def(env, exports, "autocastIncrementNesting", []() { return static_cast<int64_t>(at::autocast::increment_nesting()); });
  def(env, exports, "autocastDecrementNesting", []() { return static_cast<int64_t>(at::autocast::decrement_nesting()); });
  def(env, exports, "clearAutocastCache", []() { at::autocast::clear_cache(); });
  def(env, exports, "ampUnscale_", unscale);
  def(env, exports, "ampUpdateScale_", updateScale);
}

}  // namespace cnnkit
