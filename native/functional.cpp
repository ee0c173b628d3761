// nn.functional: convolution, pooling, normalization, dropout, losses and resampling.
#include "binding.h"

namespace cnnkit {
namespace {
using T = at::Tensor;
using OptT = c10::optional<at::Tensor>;
using Ints = std::vector<int64_t>;

int64_t reductionOf(const std::string& name) {
  if (name == "mean") return at::Reduction::Mean;
  if (name == "sum") return at::Reduction::Sum;
  if (name == "none") return at::Reduction::None;
  throw ArgumentError("reduction must be 'mean', 'sum' or 'none', got '" + name + "'");
}

int64_t choose(const std::string& name, std::initializer_list<const char*> names, const char* what) {
  int64_t k = 0;
  std::string valid;
  for (const char* n : names) {
    if (name == n) return k;
    valid += (k++ ? ", " : "") + std::string(n);
  }
  throw ArgumentError(std::string(what) + " must be one of " + valid + ", got '" + name + "'");
}
}  // namespace

void registerFunctional(Napi::Env env, Napi::Object exports) {
  def(env, exports, "conv2d", [](const T& x, const T& w, OptT b, Ints stride, Ints padding, Ints dilation, int64_t groups) {
    return at::conv2d(x, w, b, stride, padding, dilation, groups);
  });
  def(env, exports, "conv2dPadMode", [](const T& x, const T& w, OptT b, Ints stride, std::string padding, Ints dilation, int64_t groups) {
    return at::conv2d(x, w, b, stride, padding, dilation, groups);
  });
  def(env, exports, "convTranspose2d", [](const T& x, const T& w, OptT b, Ints stride, Ints padding, Ints outputPadding, int64_t groups, Ints dilation) {
    return at::conv_transpose2d(x, w, b, stride, padding, outputPadding, groups, dilation);
  });
  def(env, exports, "linear", [](const T& x, const T& w, OptT b) { return at::linear(x, w, b); });
  def(env, exports, "maxPool2d", [](const T& x, Ints kernel, Ints stride, Ints padding, Ints dilation, bool ceilMode) {
    return at::max_pool2d(x, kernel, stride, padding, dilation, ceilMode);
  });
  def(env, exports, "maxPool2dWithIndices", [](const T& x, Ints kernel, Ints stride, Ints padding, Ints dilation, bool ceilMode) {
    return at::max_pool2d_with_indices(x, kernel, stride, padding, dilation, ceilMode);
  });
  def(env, exports, "avgPool2d", [](const T& x, Ints kernel, Ints stride, Ints padding, bool ceilMode, bool countIncludePad, c10::optional<int64_t> divisor) {
    return at::avg_pool2d(x, kernel, stride, padding, ceilMode, countIncludePad, divisor);
  });
  def(env, exports, "adaptiveAvgPool2d", [](const T& x, Ints size) { return at::adaptive_avg_pool2d(x, size); });
  def(env, exports, "adaptiveMaxPool2d", [](const T& x, Ints size) { return std::get<0>(at::adaptive_max_pool2d(x, size)); });
  def(env, exports, "batchNorm", [](const T& x, OptT mean, OptT var, OptT w, OptT b, bool training, double momentum, double eps) {
    return at::batch_norm(x, w, b, mean, var, training, momentum, eps, true);
  });
  def(env, exports, "layerNorm", [](const T& x, Ints shape, OptT w, OptT b, double eps) { return at::layer_norm(x, shape, w, b, eps); });
  def(env, exports, "groupNorm", [](const T& x, int64_t groups, OptT w, OptT b, double eps) { return at::group_norm(x, groups, w, b, eps); });
  def(env, exports, "dropout", [](const T& x, double p, bool train) { return at::dropout(x, p, train); });
  def(env, exports, "featureDropout", [](const T& x, double p, bool train) { return at::feature_dropout(x, p, train); });
  def(env, exports, "softmax", [](const T& x, int64_t dim, c10::optional<at::ScalarType> dtype) { return at::softmax(x, dim, dtype); });
  def(env, exports, "logSoftmax", [](const T& x, int64_t dim, c10::optional<at::ScalarType> dtype) { return at::log_softmax(x, dim, dtype); });
  def(env, exports, "crossEntropy", [](const T& x, const T& target, OptT w, std::string reduction, int64_t ignoreIndex, double smoothing) {
    return at::cross_entropy_loss(x, target, w, reductionOf(reduction), ignoreIndex, smoothing);
  });
  def(env, exports, "nllLoss", [](const T& x, const T& target, OptT w, std::string reduction, int64_t ignoreIndex) {
    return at::nll_loss_nd(x, target, w, reductionOf(reduction), ignoreIndex);
  });
  def(env, exports, "mseLoss", [](const T& x, const T& y, std::string reduction) { return at::mse_loss(x, y, reductionOf(reduction)); });
  def(env, exports, "l1Loss", [](const T& x, const T& y, std::string reduction) { return at::l1_loss(x, y, reductionOf(reduction)); });
  def(env, exports, "smoothL1Loss", [](const T& x, const T& y, std::string reduction, double beta) { return at::smooth_l1_loss(x, y, reductionOf(reduction), beta); });
  def(env, exports, "binaryCrossEntropy", [](const T& x, const T& y, OptT w, std::string reduction) {
    return at::binary_cross_entropy(x, y, w, reductionOf(reduction));
  });
  def(env, exports, "binaryCrossEntropyWithLogits", [](const T& x, const T& y, OptT w, OptT posWeight, std::string reduction) {
    return at::binary_cross_entropy_with_logits(x, y, w, posWeight, reductionOf(reduction));
  });
  def(env, exports, "upsample2d", [](const T& x, std::string mode, Ints size, c10::optional<bool> alignCorners, c10::optional<double> scaleH, c10::optional<double> scaleW) {
    switch (choose(mode, {"nearest", "bilinear", "bicubic", "nearest-exact"}, "interpolate mode")) {
      case 0: return at::upsample_nearest2d(x, size, scaleH, scaleW);
      case 1: return at::upsample_bilinear2d(x, size, alignCorners.value_or(false), scaleH, scaleW);
      case 2: return at::upsample_bicubic2d(x, size, alignCorners.value_or(false), scaleH, scaleW);
      default: return at::_upsample_nearest_exact2d(x, size, scaleH, scaleW);
    }
  });
  // Antialiased downsampling, as torchvision's resize(antialias=True) and PIL do.
  def(env, exports, "upsample2dAntialias", [](const T& x, std::string mode, Ints size, bool alignCorners) {
    if (choose(mode, {"bilinear", "bicubic"}, "antialiased interpolate mode") == 0) return at::_upsample_bilinear2d_aa(x, size, alignCorners, c10::nullopt, c10::nullopt);
    return at::_upsample_bicubic2d_aa(x, size, alignCorners, c10::nullopt, c10::nullopt);
  });
  def(env, exports, "gridSample", [](const T& x, const T& grid, std::string mode, std::string padding, bool alignCorners) {
    return at::grid_sampler(x, grid, choose(mode, {"bilinear", "nearest", "bicubic"}, "gridSample mode"),
                            choose(padding, {"zeros", "border", "reflection"}, "gridSample paddingMode"), alignCorners);
  });
  def(env, exports, "affineGrid", [](const T& theta, Ints size, bool alignCorners) { return at::affine_grid_generator(theta, size, alignCorners); });
  def(env, exports, "pad", [](const T& x, Ints pad, std::string mode, c10::optional<double> value) { return at::pad(x, pad, mode, value); });
}

}  // namespace cnnkit
