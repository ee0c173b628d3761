// The one way in and out of C++: JS values become C++ arguments by the parameter types of a lambda,
// its result becomes a JS value, and every C++ exception becomes a JS Error.
#pragma once
#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <napi.h>

#include <c10/util/Optional.h>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "handle.h"

namespace cnnkit {

// A wrong JS argument; becomes a TypeError.
struct ArgumentError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

std::string argumentName(size_t index);
at::ScalarType scalarTypeFromName(const std::string& name);
const char* scalarTypeName(at::ScalarType type);

// A tensor parameter that also accepts a JS number or boolean, as PyTorch's "wrapped number":
// it takes part in type promotion like a Python scalar (int tensor + 1 stays int).
struct Operand {
  at::Tensor tensor;
};

// Indices for Tensor::index / index_put_, as PyTorch's t[...] takes them.
struct Indices {
  std::vector<at::indexing::TensorIndex> items;
};

template <typename T, typename = void>
struct FromJs;

template <>
struct FromJs<at::Tensor> {
  static at::Tensor convert(const Napi::Value& v, size_t i) { return unwrap(v, argumentName(i).c_str()); }
};

template <>
struct FromJs<double> {
  static double convert(const Napi::Value& v, size_t i) {
    if (!v.IsNumber()) throw ArgumentError(argumentName(i) + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
  }
};

template <>
struct FromJs<int64_t> {
  static int64_t convert(const Napi::Value& v, size_t i) {
    if (v.IsBigInt()) {
      bool lossless = true;
      return v.As<Napi::BigInt>().Int64Value(&lossless);
    }
    if (!v.IsNumber()) throw ArgumentError(argumentName(i) + " must be an integer");
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) throw ArgumentError(argumentName(i) + " must be an integer, got " + std::to_string(d));
    return static_cast<int64_t>(d);
  }
};

template <>
struct FromJs<bool> {
  static bool convert(const Napi::Value& v, size_t i) {
    if (!v.IsBoolean()) throw ArgumentError(argumentName(i) + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }
};

template <>
struct FromJs<std::string> {
  static std::string convert(const Napi::Value& v, size_t i) {
    if (!v.IsString()) throw ArgumentError(argumentName(i) + " must be a string");
    return v.As<Napi::String>().Utf8Value();
  }
};

template <>
struct FromJs<at::Scalar> {
  static at::Scalar convert(const Napi::Value& v, size_t i) {
    if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
    if (!v.IsNumber()) throw ArgumentError(argumentName(i) + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    // Integral JS numbers act as Python ints, so integer tensors keep their dtype.
    if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9007199254740992.0) return at::Scalar(static_cast<int64_t>(d));
    return at::Scalar(d);
  }
};

template <>
struct FromJs<Operand> {
  static Operand convert(const Napi::Value& v, size_t i) {
    if (v.IsNumber() || v.IsBoolean()) {
      at::Tensor t = c10::scalar_to_tensor(FromJs<at::Scalar>::convert(v, i));
      t.unsafeGetTensorImpl()->set_wrapped_number(true);
      return {t};
    }
    return {unwrap(v, argumentName(i).c_str())};
  }
};

template <>
struct FromJs<at::ScalarType> {
  static at::ScalarType convert(const Napi::Value& v, size_t i) {
    if (!v.IsString()) throw ArgumentError(argumentName(i) + " must be a dtype name");
    return scalarTypeFromName(v.As<Napi::String>().Utf8Value());
  }
};

template <>
struct FromJs<at::Device> {
  static at::Device convert(const Napi::Value& v, size_t i) {
    if (!v.IsString()) throw ArgumentError(argumentName(i) + " must be a device name such as 'cpu' or 'cuda:0'");
    return at::Device(v.As<Napi::String>().Utf8Value());
  }
};

template <>
struct FromJs<Indices> {
  static Indices convert(const Napi::Value& v, size_t i);
};

template <typename T>
struct FromJs<std::vector<T>> {
  static std::vector<T> convert(const Napi::Value& v, size_t i) {
    if (!v.IsArray()) throw ArgumentError(argumentName(i) + " must be an array");
    auto array = v.As<Napi::Array>();
    std::vector<T> out;
    out.reserve(array.Length());
    for (uint32_t k = 0; k < array.Length(); ++k) out.push_back(FromJs<T>::convert(array.Get(k), i));
    return out;
  }
};

// undefined and null stand for "not given".
template <typename T>
struct FromJs<c10::optional<T>> {
  static c10::optional<T> convert(const Napi::Value& v, size_t i) {
    if (v.IsUndefined() || v.IsNull()) return c10::nullopt;
    return FromJs<T>::convert(v, i);
  }
};

// An undefined tensor becomes null; functions whose result may be missing say so by returning a c10::optional.
inline Napi::Value toJs(Napi::Env env, at::Tensor t) { return t.defined() ? wrap(env, std::move(t)) : env.Null(); }
inline Napi::Value toJs(Napi::Env env, double d) { return Napi::Number::New(env, d); }
inline Napi::Value toJs(Napi::Env env, int64_t d) { return Napi::Number::New(env, static_cast<double>(d)); }
inline Napi::Value toJs(Napi::Env env, bool b) { return Napi::Boolean::New(env, b); }
inline Napi::Value toJs(Napi::Env env, const std::string& s) { return Napi::String::New(env, s); }
inline Napi::Value toJs(Napi::Env env, Napi::Value v) { return v; }
inline Napi::Value toJs(Napi::Env env, at::ScalarType type) { return Napi::String::New(env, scalarTypeName(type)); }
// As PyTorch's item(): a bool, an integer (exact below 2^53) or a float.
inline Napi::Value toJs(Napi::Env env, const at::Scalar& s) {
  if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
  if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
  return Napi::Number::New(env, s.toDouble());
}
template <typename T>
Napi::Value toJs(Napi::Env env, const std::map<std::string, T>& items) {
  auto object = Napi::Object::New(env);
  for (const auto& [key, value] : items) object.Set(key, toJs(env, value));
  return object;
}
template <typename T>
Napi::Value toJs(Napi::Env env, const c10::optional<T>& v) { return v ? toJs(env, *v) : env.Null(); }
template <typename T>
Napi::Value toJs(Napi::Env env, const std::vector<T>& items) {
  auto array = Napi::Array::New(env, items.size());
  for (size_t k = 0; k < items.size(); ++k) array.Set(static_cast<uint32_t>(k), toJs(env, items[k]));
  return array;
}
template <typename... T>
Napi::Value toJs(Napi::Env env, const std::tuple<T...>& items) {
  auto array = Napi::Array::New(env, sizeof...(T));
  std::apply([&](const auto&... item) { uint32_t k = 0; (array.Set(k++, toJs(env, item)), ...); }, items);
  return array;
}

template <typename F>
struct Signature : Signature<decltype(&F::operator())> {};
template <typename R, typename... A>
struct Signature<R (*)(A...)> {
  using Result = R;
  using Args = std::tuple<std::decay_t<A>...>;
};
template <typename C, typename R, typename... A>
struct Signature<R (C::*)(A...) const> {
  using Result = R;
  using Args = std::tuple<std::decay_t<A>...>;
};

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<c10::optional<T>> : std::true_type {};

// The TypeScript type of each C++ parameter and result type, so the addon describes its own functions:
// src/torch/native-api.ts is generated from these descriptions (scripts/native-types.mjs) and a test checks it
// against the built addon, so a wrong name or arity on the TypeScript side fails in tsc, not at run time.
// A type with no TsType fails to compile here: say its TypeScript type when adding one.
template <typename T, typename = void>
struct TsType;
#define CNNKIT_TS_TYPE(CppType, text) \
  template <>                         \
  struct TsType<CppType> {            \
    static std::string name() { return text; } \
  }
CNNKIT_TS_TYPE(at::Tensor, "Handle");
CNNKIT_TS_TYPE(Operand, "Handle | number | boolean");
CNNKIT_TS_TYPE(Indices, "Index[]");
CNNKIT_TS_TYPE(at::Scalar, "number | boolean");
CNNKIT_TS_TYPE(at::ScalarType, "DType");
CNNKIT_TS_TYPE(at::Device, "string");
CNNKIT_TS_TYPE(double, "number");
CNNKIT_TS_TYPE(int64_t, "number");
CNNKIT_TS_TYPE(bool, "boolean");
CNNKIT_TS_TYPE(std::string, "string");
CNNKIT_TS_TYPE(Napi::Value, "unknown");
CNNKIT_TS_TYPE(Napi::ArrayBuffer, "ArrayBuffer");
CNNKIT_TS_TYPE(void, "void");
#undef CNNKIT_TS_TYPE
inline std::string tsElement(const std::string& t) { return t.find(' ') == std::string::npos ? t : "(" + t + ")"; }
template <typename T>
struct TsType<std::vector<T>> {
  static std::string name() { return tsElement(TsType<T>::name()) + "[]"; }
};
template <typename T>
struct TsType<std::map<std::string, T>> {
  static std::string name() { return "Record<string, " + TsType<T>::name() + ">"; }
};
template <typename T>
struct TsType<c10::optional<T>> {
  static std::string name() { return TsType<T>::name() + " | null"; }
};
template <typename... T>
struct TsType<std::tuple<T...>> {
  static std::string name() {
    std::string out;
    ((out += (out.empty() ? "" : ", ") + TsType<T>::name()), ...);
    return "[" + out + "]";
  }
};

// `(a0: Handle, a1?: number | null) => Handle`: optional parameters at the end may be left out (they read as undefined).
template <typename Args, typename Result, size_t Skip, size_t... I>
std::string tsSignature(std::index_sequence<I...>) {
  std::vector<std::pair<std::string, bool>> params = {
      {TsType<std::tuple_element_t<I + Skip, Args>>::name(), IsOptional<std::tuple_element_t<I + Skip, Args>>::value}...};
  size_t required = params.size();
  while (required > 0 && params[required - 1].second) --required;
  std::string out = "(";
  for (size_t k = 0; k < params.size(); ++k) {
    // A missing JS argument reads as undefined, which an optional parameter takes as "not given".
    bool optional = params[k].second;
    out += (k ? ", a" : "a") + std::to_string(k) + (k >= required ? "?: " : ": ") + params[k].first + (optional && k < required ? " | undefined" : "");
  }
  return out + ") => " + TsType<Result>::name();
}

// Every def()'d function's signature, by name, for the addon's `signatures()`.
void recordSignature(const char* name, std::string signature);

// Turns every C++ exception into a JS Error (TypeError for wrong arguments), without libtorch's C++ backtrace.
template <typename Body>
Napi::Value guarded(Napi::Env env, const char* name, Body body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const ArgumentError& e) {
    throw Napi::TypeError::New(env, std::string(name) + ": " + e.what());
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  } catch (...) {
    throw Napi::Error::New(env, "unknown C++ exception in libtorch");
  }
}

// A lambda parameter of type Napi::Env takes the call's env and no JS argument; Napi::Value takes the raw argument.
template <typename T>
T argument(const Napi::CallbackInfo& info, size_t index) {
  if constexpr (std::is_same_v<T, Napi::Value>) return info[index];
  else return FromJs<T>::convert(info[index], index);
}

template <typename Args>
constexpr size_t envParameters() {
  if constexpr (std::tuple_size_v<Args> == 0) return 0;
  else return std::is_same_v<std::tuple_element_t<0, Args>, Napi::Env> ? 1 : 0;
}

template <typename Args, size_t Skip, size_t... J>
auto convertAll(const Napi::CallbackInfo& info, std::index_sequence<J...>) {
  return std::tuple<std::tuple_element_t<J + Skip, Args>...>{argument<std::tuple_element_t<J + Skip, Args>>(info, J)...};
}

template <typename F, size_t... I>
Napi::Value invoke(const Napi::CallbackInfo& info, F& f, std::index_sequence<I...>) {
  using Args = typename Signature<F>::Args;
  using Result = typename Signature<F>::Result;
  constexpr size_t skip = envParameters<Args>();
  // Arguments are converted left to right before the call; missing ones read as undefined.
  auto call = [&](auto&&... args) { return f(std::forward<decltype(args)>(args)...); };
  auto converted = [&]() {
    if constexpr (skip == 1) return std::tuple_cat(std::make_tuple(info.Env()), convertAll<Args, 1>(info, std::make_index_sequence<sizeof...(I) - 1>{}));
    else return convertAll<Args, 0>(info, std::index_sequence<I...>{});
  }();
  if constexpr (std::is_void_v<Result>) {
    std::apply(call, std::move(converted));
    return info.Env().Undefined();
  } else {
    return toJs(info.Env(), std::apply(call, std::move(converted)));
  }
}

// Exposes a lambda as exports[name]; the lambda receives the env when its first parameter is Napi::Env.
template <typename F>
void def(Napi::Env env, Napi::Object exports, const char* name, F f) {
  using Args = typename Signature<F>::Args;
  constexpr size_t skip = envParameters<Args>();
  recordSignature(name, tsSignature<Args, typename Signature<F>::Result, skip>(std::make_index_sequence<std::tuple_size_v<Args> - skip>{}));
  exports.Set(name, Napi::Function::New(
                        env,
                        [f, name](const Napi::CallbackInfo& info) mutable -> Napi::Value {
                          return guarded(info.Env(), name, [&] {
                            constexpr size_t n = std::tuple_size_v<typename Signature<F>::Args>;
                            return invoke(info, f, std::make_index_sequence<n>{});
                          });
                        },
                        name));
}

}  // namespace cnnkit
