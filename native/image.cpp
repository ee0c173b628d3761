// JPEG decoding with libjpeg-turbo (the TurboJPEG API), the library PIL and torchvision.io decode with: on the calling
// thread (a DataLoader worker decodes its own files), straight into a uint8 tensor.
#include <turbojpeg.h>

#include <memory>

#include "binding.h"

namespace cnnkit {
namespace {

// One decompressor per thread, made on first use: it holds libjpeg's state, which is not shared between threads.
std::unique_ptr<void, int (*)(tjhandle)>& threadDecompressor() {
  thread_local std::unique_ptr<void, int (*)(tjhandle)> handle(nullptr, tjDestroy);
  return handle;
}

tjhandle decompressor() {
  auto& handle = threadDecompressor();
  if (!handle) {
    handle.reset(tjInitDecompress());
    if (!handle) throw std::runtime_error(std::string("cannot start libjpeg-turbo: ") + tjGetErrorStr2(nullptr));
  }
  return handle.get();
}

// libjpeg-turbo's error as a JS Error. The decompressor is dropped with it: after a failed decode TurboJPEG 2.1 can
// refuse the next file with "Invalid argument", so the thread's next decode starts a fresh one.
[[noreturn]] void fail(tjhandle tj) {
  std::string message = std::string("libjpeg-turbo: ") + tjGetErrorStr2(tj);
  threadDecompressor().reset();
  throw std::runtime_error(message);
}

// A JPEG's pixels as a C×H×W uint8 tensor (a view of H×W×C memory): `channels` 1 (gray: libjpeg's luma of a colour file), 3 (RGB: a gray file's
// value repeated), or as stored when not given; `scale` 1, 2, 4 or 8 decodes at 1/scale of the size in libjpeg's DCT
// (PIL's draft), each side rounded up. Accurate DCT and fancy upsampling, PIL's defaults, so pixels equal PIL's;
// libjpeg's warnings (a truncated file, corrupt data) are errors, as PIL's "image file is truncated" is.
at::Tensor decodeJpeg(Napi::Value bytes, c10::optional<int64_t> channels, int64_t scale) {
  if (!bytes.IsTypedArray() || bytes.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw ArgumentError("decodeJpeg needs the file's bytes as a Uint8Array or Buffer");
  }
  if (channels && *channels != 1 && *channels != 3) throw ArgumentError("channels must be 1 or 3, got " + std::to_string(*channels));
  if (scale != 1 && scale != 2 && scale != 4 && scale != 8) throw ArgumentError("scale must be 1, 2, 4 or 8, got " + std::to_string(scale));
  auto array = bytes.As<Napi::Uint8Array>();
  const unsigned char* data = array.Data();
  unsigned long size = array.ByteLength();
  tjhandle tj = decompressor();
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(tj, data, size, &width, &height, &subsampling, &colorspace) != 0) fail(tj);
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) throw std::runtime_error("libjpeg-turbo: a CMYK JPEG has no RGB or gray pixels to give");
  int64_t c = channels ? *channels : (colorspace == TJCS_GRAY ? 1 : 3);
  tjscalingfactor factor{1, static_cast<int>(scale)};
  int64_t outWidth = TJSCALED(width, factor);
  int64_t outHeight = TJSCALED(height, factor);
  at::Tensor hwc = at::empty({outHeight, outWidth, c}, at::kByte);
  int flags = TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
  if (tjDecompress2(tj, data, size, hwc.data_ptr<uint8_t>(), static_cast<int>(outWidth), static_cast<int>(outWidth * c),
                    static_cast<int>(outHeight), c == 1 ? TJPF_GRAY : TJPF_RGB, flags) != 0) {
    fail(tj);
  }
  // A C×H×W view of libjpeg's H×W×C pixels, as torchvision's decode_jpeg gives: the next op (a crop, a conversion to
  // float) reads through the strides, where a contiguous copy of uint8 pixels costs about a fifth of the decode.
  return hwc.permute({2, 0, 1});
}

}  // namespace

void registerImage(Napi::Env env, Napi::Object exports) {
  def(env, exports, "decodeJpeg", decodeJpeg);
}

}  // namespace cnnkit
