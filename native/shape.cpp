// Shapes, views, joining and splitting, indexing, sorting, and dtype/device conversion.
#include "binding.h"

namespace cnnkit {

void registerShape(Napi::Env env, Napi::Object exports) {
  using Shape = std::vector<int64_t>;
  def(env, exports, "reshape", [](const at::Tensor& t, Shape s) { return t.reshape(s); });
  def(env, exports, "view", [](const at::Tensor& t, Shape s) { return t.view(s); });
  def(env, exports, "permute", [](const at::Tensor& t, Shape dims) { return t.permute(dims); });
  def(env, exports, "transpose", [](const at::Tensor& t, int64_t a, int64_t b) { return t.transpose(a, b); });
  def(env, exports, "squeeze", [](const at::Tensor& t, c10::optional<int64_t> dim) { return dim ? t.squeeze(*dim) : t.squeeze(); });
  def(env, exports, "unsqueeze", [](const at::Tensor& t, int64_t dim) { return t.unsqueeze(dim); });
  def(env, exports, "flatten", [](const at::Tensor& t, int64_t start, int64_t end) { return t.flatten(start, end); });
  def(env, exports, "unflatten", [](const at::Tensor& t, int64_t dim, Shape sizes) { return t.unflatten(dim, sizes); });
  def(env, exports, "expand", [](const at::Tensor& t, Shape s) { return t.expand(s); });
  def(env, exports, "repeat", [](const at::Tensor& t, Shape s) { return t.repeat(s); });
  def(env, exports, "movedim", [](const at::Tensor& t, int64_t from, int64_t to) { return t.movedim(from, to); });
  def(env, exports, "cat", [](std::vector<at::Tensor> ts, int64_t dim) { return at::cat(ts, dim); });
  def(env, exports, "stack", [](std::vector<at::Tensor> ts, int64_t dim) { return at::stack(ts, dim); });
  def(env, exports, "split", [](const at::Tensor& t, int64_t size, int64_t dim) { return t.split(size, dim); });
  def(env, exports, "splitSizes", [](const at::Tensor& t, Shape sizes, int64_t dim) { return t.split_with_sizes(sizes, dim); });
  def(env, exports, "chunk", [](const at::Tensor& t, int64_t chunks, int64_t dim) { return t.chunk(chunks, dim); });
  def(env, exports, "unbind", [](const at::Tensor& t, int64_t dim) { return t.unbind(dim); });
  def(env, exports, "flip", [](const at::Tensor& t, Shape dims) { return t.flip(dims); });
  // A view of the storage with the given sizes and strides (what a .pth file describes for each tensor).
  def(env, exports, "asStrided", [](const at::Tensor& t, Shape size, Shape stride, int64_t offset) { return t.as_strided(size, stride, offset); });
  def(env, exports, "roll", [](const at::Tensor& t, Shape shifts, Shape dims) { return t.roll(shifts, dims); });
  def(env, exports, "rot90", [](const at::Tensor& t, int64_t k, Shape dims) { return t.rot90(k, dims); });
  def(env, exports, "narrow", [](const at::Tensor& t, int64_t dim, int64_t start, int64_t length) { return t.narrow(dim, start, length); });
  def(env, exports, "select", [](const at::Tensor& t, int64_t dim, int64_t index) { return t.select(dim, index); });
  def(env, exports, "contiguous", [](const at::Tensor& t) { return t.contiguous(); });
  def(env, exports, "clone", [](const at::Tensor& t) { return t.clone(); });
  def(env, exports, "to", [](const at::Tensor& t, c10::optional<at::ScalarType> dtype, c10::optional<at::Device> device, bool copy) {
    return t.to(t.options().dtype(dtype.value_or(t.scalar_type())).device(device.value_or(t.device())), false, copy);
  });

  // Indexing as PyTorch's t[...] and t[...] = v.
  def(env, exports, "index", [](const at::Tensor& t, const Indices& i) { return t.index(i.items); });
  def(env, exports, "indexPut_", [](at::Tensor t, const Indices& i, const Operand& v) { t.index_put_(i.items, v.tensor); });
  def(env, exports, "indexSelect", [](const at::Tensor& t, int64_t dim, const at::Tensor& idx) { return t.index_select(dim, idx); });
  def(env, exports, "gather", [](const at::Tensor& t, int64_t dim, const at::Tensor& idx) { return t.gather(dim, idx); });
  def(env, exports, "scatter", [](const at::Tensor& t, int64_t dim, const at::Tensor& idx, const Operand& src) {
    return src.tensor.unsafeGetTensorImpl()->is_wrapped_number() ? t.scatter(dim, idx, src.tensor.item()) : t.scatter(dim, idx, src.tensor);
  });
  def(env, exports, "scatterAdd", [](const at::Tensor& t, int64_t dim, const at::Tensor& idx, const at::Tensor& src) { return t.scatter_add(dim, idx, src); });
  def(env, exports, "maskedFill", [](const at::Tensor& t, const at::Tensor& mask, const Operand& v) { return t.masked_fill(mask, v.tensor); });
  def(env, exports, "maskedFill_", [](at::Tensor t, const at::Tensor& mask, const Operand& v) { t.masked_fill_(mask, v.tensor); });
  def(env, exports, "maskedSelect", [](const at::Tensor& t, const at::Tensor& mask) { return t.masked_select(mask); });
  def(env, exports, "nonzero", [](const at::Tensor& t) { return t.nonzero(); });

  // Sorting and sampling.
  def(env, exports, "sort", [](const at::Tensor& t, int64_t dim, bool descending) { return t.sort(dim, descending); });
  def(env, exports, "argsort", [](const at::Tensor& t, int64_t dim, bool descending) { return t.argsort(dim, descending); });
  def(env, exports, "topk", [](const at::Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) { return t.topk(k, dim, largest, sorted); });
  def(env, exports, "oneHot", [](const at::Tensor& t, int64_t numClasses) { return at::one_hot(t, numClasses); });
  def(env, exports, "multinomial", [](const at::Tensor& t, int64_t n, bool replacement) { return t.multinomial(n, replacement); });
}

}  // namespace cnnkit
