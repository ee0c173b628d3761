// Autograd: gradient flags, backward, gradient access and the grad mode.
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>

#include "binding.h"

namespace cnnkit {

void registerAutograd(Napi::Env env, Napi::Object exports) {
  def(env, exports, "requiresGrad", [](const at::Tensor& t) { return t.requires_grad(); });
  def(env, exports, "requiresGrad_", [](at::Tensor t, bool flag) { t.requires_grad_(flag); });
  def(env, exports, "grad", [](const at::Tensor& t) { return t.grad().defined() ? c10::make_optional(t.grad()) : c10::nullopt; });
  def(env, exports, "setGrad", [](at::Tensor t, c10::optional<at::Tensor> g) {
    if (g) t.mutable_grad() = *g;
    else t.mutable_grad().reset();
  });
  def(env, exports, "backward", [](const at::Tensor& t, c10::optional<at::Tensor> gradient, c10::optional<bool> retainGraph, bool createGraph) {
    t.backward(gradient.value_or(at::Tensor()), retainGraph, createGraph);
  });
  // Swaps a tensor's data (device, dtype, values) in place, keeping its identity: module.to() moves parameters so.
  def(env, exports, "setData", [](at::Tensor t, const at::Tensor& data) { t.set_data(data); });
  def(env, exports, "detach", [](const at::Tensor& t) { return t.detach(); });
  def(env, exports, "detach_", [](at::Tensor t) { t.detach_(); });
  def(env, exports, "isLeaf", [](const at::Tensor& t) { return t.is_leaf(); });
  def(env, exports, "gradFn", [](const at::Tensor& t) { return t.grad_fn() ? t.grad_fn()->name() : std::string(); });
  def(env, exports, "retainGrad", [](const at::Tensor& t) { t.retain_grad(); });
  // Grad mode is per thread in libtorch, so each worker thread has its own.
  def(env, exports, "isGradEnabled", []() { return at::GradMode::is_enabled(); });
  def(env, exports, "setGradEnabled", [](bool on) { at::GradMode::set_enabled(on); });
  def(env, exports, "autogradGrad", [](std::vector<at::Tensor> outputs, std::vector<at::Tensor> inputs, c10::optional<std::vector<at::Tensor>> gradOutputs,
                                       c10::optional<bool> retainGraph, bool createGraph, bool allowUnused) {
    // An input that the outputs do not depend on (allowUnused) has no gradient: null.
    std::vector<c10::optional<at::Tensor>> grads;
    for (auto& g : torch::autograd::grad(outputs, inputs, gradOutputs.value_or(std::vector<at::Tensor>{}), retainGraph, createGraph, allowUnused)) {
      grads.push_back(g.defined() ? c10::make_optional(g) : c10::nullopt);
    }
    return grads;
  });
}

}  // namespace cnnkit
