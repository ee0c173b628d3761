// Tensor creation: from JS data, constant fills, ranges and random draws (libtorch's default generator).
#include <cstring>

#include <ATen/CPUGeneratorImpl.h>

#include "binding.h"

namespace cnnkit {
namespace {

at::TensorOptions options(c10::optional<at::ScalarType> dtype, c10::optional<at::Device> device) {
  at::TensorOptions o;
  if (dtype) o = o.dtype(*dtype);
  if (device) o = o.device(*device);
  return o;
}

// Copies a typed array's bytes into a new tensor of the given shape and dtype.
at::Tensor fromData(Napi::Value data, std::vector<int64_t> shape, at::ScalarType dtype, c10::optional<at::Device> device) {
  if (!data.IsTypedArray()) throw ArgumentError("tensor data must be a TypedArray");
  auto array = data.As<Napi::TypedArray>();
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  if (static_cast<size_t>(t.nbytes()) != array.ByteLength())
    throw ArgumentError("tensor data holds " + std::to_string(array.ByteLength()) + " bytes but shape " + c10::str(t.sizes()) + " of " +
                        scalarTypeName(dtype) + " needs " + std::to_string(t.nbytes()));
  if (t.nbytes() > 0) std::memcpy(t.data_ptr(), static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset(), t.nbytes());
  return device ? t.to(*device) : t;
}

}  // namespace

void registerCreation(Napi::Env env, Napi::Object exports) {
  using Dtype = c10::optional<at::ScalarType>;
  using Device = c10::optional<at::Device>;
  using Shape = std::vector<int64_t>;
  def(env, exports, "fromData", fromData);
  def(env, exports, "zeros", [](Shape s, Dtype d, Device v) { return at::zeros(s, options(d, v)); });
  def(env, exports, "ones", [](Shape s, Dtype d, Device v) { return at::ones(s, options(d, v)); });
  def(env, exports, "empty", [](Shape s, Dtype d, Device v) { return at::empty(s, options(d, v)); });
  def(env, exports, "full", [](Shape s, at::Scalar x, Dtype d, Device v) { return at::full(s, x, options(d, v)); });
  def(env, exports, "arange", [](at::Scalar start, at::Scalar end, at::Scalar step, Dtype d, Device v) { return at::arange(start, end, step, options(d, v)); });
  def(env, exports, "linspace", [](at::Scalar start, at::Scalar end, int64_t steps, Dtype d, Device v) { return at::linspace(start, end, steps, options(d, v)); });
  def(env, exports, "eye", [](int64_t n, int64_t m, Dtype d, Device v) { return at::eye(n, m, options(d, v)); });
  def(env, exports, "rand", [](Shape s, Dtype d, Device v) { return at::rand(s, options(d, v)); });
  def(env, exports, "randn", [](Shape s, Dtype d, Device v) { return at::randn(s, options(d, v)); });
  def(env, exports, "randint", [](int64_t low, int64_t high, Shape s, Dtype d, Device v) { return at::randint(low, high, s, options(d, v)); });
  // Draws from a generator of their own, seeded by the caller: reproducible whichever thread draws, unlike the default one.
  def(env, exports, "randSeeded", [](Shape s, int64_t seed, Dtype d, Device v) {
    return at::rand(s, at::detail::createCPUGenerator(static_cast<uint64_t>(seed)), options(d, c10::nullopt)).to(v.value_or(at::kCPU));
  });
  def(env, exports, "randnSeeded", [](Shape s, int64_t seed, Dtype d, Device v) {
    return at::randn(s, at::detail::createCPUGenerator(static_cast<uint64_t>(seed)), options(d, c10::nullopt)).to(v.value_or(at::kCPU));
  });
  def(env, exports, "randperm", [](int64_t n, Dtype d, Device v) { return at::randperm(n, options(d, v)); });
  def(env, exports, "randpermSeeded", [](int64_t n, int64_t seed, Dtype d, Device v) {
    return at::randperm(n, at::detail::createCPUGenerator(static_cast<uint64_t>(seed)), options(d.value_or(at::kLong), c10::nullopt)).to(v.value_or(at::kCPU));
  });
  def(env, exports, "zerosLike", [](const at::Tensor& t, Dtype d, Device v) { return at::zeros_like(t, options(d, v)); });
  def(env, exports, "onesLike", [](const at::Tensor& t, Dtype d, Device v) { return at::ones_like(t, options(d, v)); });
  def(env, exports, "emptyLike", [](const at::Tensor& t, Dtype d, Device v) { return at::empty_like(t, options(d, v)); });
  def(env, exports, "fullLike", [](const at::Tensor& t, at::Scalar x, Dtype d, Device v) { return at::full_like(t, x, options(d, v)); });
  def(env, exports, "randLike", [](const at::Tensor& t, Dtype d, Device v) { return at::rand_like(t, options(d, v)); });
  def(env, exports, "randnLike", [](const at::Tensor& t, Dtype d, Device v) { return at::randn_like(t, options(d, v)); });
  def(env, exports, "randintLike", [](const at::Tensor& t, int64_t low, int64_t high, Dtype d, Device v) { return at::randint_like(t, low, high, options(d, v)); });
}

}  // namespace cnnkit
