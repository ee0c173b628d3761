// PNG decoding with libpng on the calling thread, straight into a uint8 tensor: as PIL's decoder, no gamma or colour
// profile is applied, so pixels equal PIL's Image.open(f) (sharp, the other way, costs 2 to 9 times as much per file).
#include <png.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "binding.h"

namespace cnnkit {
namespace {

// What a decode holds. libpng reports errors by longjmp back into decodePng: everything that lives across the jump is
// here, on the heap, made before the setjmp, so nothing with a destructor is skipped and nothing is left stale.
struct Decode {
  const unsigned char* data = nullptr;
  size_t size = 0;
  size_t at = 0;
  std::string error;
  at::Tensor pixels;
  std::vector<png_bytep> rows;
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~Decode() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

void readBytes(png_structp png, png_bytep out, png_size_t n) {
  auto* decode = static_cast<Decode*>(png_get_io_ptr(png));
  if (decode->size - decode->at < n) png_error(png, "the file is truncated");
  std::memcpy(out, decode->data + decode->at, n);
  decode->at += n;
}

void onError(png_structp png, png_const_charp message) {
  static_cast<Decode*>(png_get_error_ptr(png))->error = message;
  png_longjmp(png, 1);
}

// Warnings (a bad ancillary chunk, an unknown profile) are not errors: PIL reads past them too.
void onWarning(png_structp, png_const_charp) {}

// A PNG's pixels of 8 bits or fewer as a C×H×W uint8 view of H×W×C memory, in the channels stored: 1 gray, 2 gray +
// alpha, 3 RGB, 4 RGBA. A palette becomes RGB, fewer than 8 bits become 8, and a tRNS transparency an alpha channel
// (PIL's convert('RGB') drops it again). 16-bit files are refused: readImage sends them to sharp.
at::Tensor decodePng(Napi::Value bytes) {
  if (!bytes.IsTypedArray() || bytes.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw ArgumentError("decodePng needs the file's bytes as a Uint8Array or Buffer");
  }
  auto array = bytes.As<Napi::Uint8Array>();
  auto decode = std::make_unique<Decode>();
  decode->data = array.Data();
  decode->size = array.ByteLength();
  if (decode->size < 8 || png_sig_cmp(decode->data, 0, 8) != 0) throw std::runtime_error("libpng: not a PNG file (no PNG signature)");
  decode->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decode.get(), onError, onWarning);
  if (decode->png != nullptr) decode->info = png_create_info_struct(decode->png);
  if (decode->png == nullptr || decode->info == nullptr) throw std::runtime_error("libpng: cannot start a decoder (out of memory)");
  png_structp png = decode->png;
  png_infop info = decode->info;
  if (setjmp(png_jmpbuf(png))) throw std::runtime_error("libpng: " + decode->error);
  png_set_read_fn(png, decode.get(), readBytes);
  png_read_info(png, info);
  if (png_get_bit_depth(png, info) > 8) png_error(png, "a 16-bit PNG is decoded by sharp, not here");
  png_set_expand(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int64_t height = png_get_image_height(png, info);
  const int64_t width = png_get_image_width(png, info);
  const int64_t channels = png_get_channels(png, info);
  decode->pixels = at::empty({height, width, channels}, at::kByte);
  decode->rows.resize(height);
  for (int64_t y = 0; y < height; y++) decode->rows[y] = decode->pixels.data_ptr<uint8_t>() + y * width * channels;
  png_read_image(png, decode->rows.data());
  return decode->pixels.permute({2, 0, 1});
}

}  // namespace

void registerPng(Napi::Env env, Napi::Object exports) {
  def(env, exports, "decodePng", decodePng);
}

}  // namespace cnnkit
