#include "binding.h"

#include <cmath>
#include <limits>
#include <map>
#include <mutex>

namespace cnnkit {

namespace {
// Filled as each env registers its functions; the same in every env, so the first registration wins.
std::mutex signaturesMutex;
std::map<std::string, std::string>& signatureTable() {
  static std::map<std::string, std::string> table;
  return table;
}
}  // namespace

void recordSignature(const char* name, std::string signature) {
  std::lock_guard<std::mutex> lock(signaturesMutex);
  signatureTable().emplace(name, std::move(signature));
}

void registerSignatures(Napi::Env env, Napi::Object exports) {
  def(env, exports, "signatures", []() {
    std::lock_guard<std::mutex> lock(signaturesMutex);
    return signatureTable();
  });
}

std::string argumentName(size_t index) { return "argument " + std::to_string(index + 1); }

namespace {
const std::pair<const char*, at::ScalarType> kScalarTypes[] = {
    {"float32", at::kFloat}, {"float64", at::kDouble}, {"float16", at::kHalf}, {"bfloat16", at::kBFloat16},
    {"int64", at::kLong},    {"int32", at::kInt},      {"int16", at::kShort},  {"int8", at::kChar},
    {"uint8", at::kByte},    {"bool", at::kBool},
};

c10::optional<int64_t> integerOf(const Napi::Value& v) {
  if (!v.IsNumber()) return c10::nullopt;
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != std::floor(d) || !std::isfinite(d)) return c10::nullopt;
  return static_cast<int64_t>(d);
}

// A slice is {start, stop, step} with any of them null or undefined.
at::indexing::Slice sliceOf(const Napi::Object& o, size_t i) {
  auto bound = [&](const char* key) -> c10::optional<int64_t> {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) return c10::nullopt;
    auto n = integerOf(v);
    if (!n) throw ArgumentError(argumentName(i) + ": slice " + key + " must be an integer");
    return *n;
  };
  return at::indexing::Slice(bound("start"), bound("stop"), bound("step"));
}
}  // namespace

at::ScalarType scalarTypeFromName(const std::string& name) {
  for (const auto& [n, t] : kScalarTypes)
    if (name == n) return t;
  throw ArgumentError("unknown dtype '" + name + "'; use one of float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool");
}

const char* scalarTypeName(at::ScalarType type) {
  for (const auto& [n, t] : kScalarTypes)
    if (type == t) return n;
  return c10::toString(type);
}

Indices FromJs<Indices>::convert(const Napi::Value& v, size_t i) {
  if (!v.IsArray()) throw ArgumentError(argumentName(i) + " must be an array of indices");
  auto array = v.As<Napi::Array>();
  Indices out;
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Value item = array.Get(k);
    if (item.IsNull()) out.items.emplace_back(at::indexing::None);
    else if (item.IsBoolean()) out.items.emplace_back(item.As<Napi::Boolean>().Value());
    else if (auto n = integerOf(item)) out.items.emplace_back(*n);
    else if (item.IsString() && item.As<Napi::String>().Utf8Value() == "...") out.items.emplace_back(at::indexing::Ellipsis);
    else if (isHandle(item)) out.items.emplace_back(unwrap(item, "index tensor"));
    else if (item.IsObject()) out.items.emplace_back(sliceOf(item.As<Napi::Object>(), i));
    else throw ArgumentError("index " + std::to_string(k) + " must be an integer, a slice, null, '...', a boolean or a tensor");
  }
  return out;
}

}  // namespace cnnkit
