// The addon's entry point. Context-aware: each env (main thread or worker) gets its own instance.
#include "binding.h"

namespace cnnkit {
void registerHandle(Napi::Env env, Napi::Object exports);
void registerCreation(Napi::Env env, Napi::Object exports);
void registerMath(Napi::Env env, Napi::Object exports);
void registerShape(Napi::Env env, Napi::Object exports);
void registerFunctional(Napi::Env env, Napi::Object exports);
void registerAutograd(Napi::Env env, Napi::Object exports);
void registerRuntime(Napi::Env env, Napi::Object exports);
void registerImage(Napi::Env env, Napi::Object exports);
void registerPng(Napi::Env env, Napi::Object exports);
void registerDistributed(Napi::Env env, Napi::Object exports);
void registerSignatures(Napi::Env env, Napi::Object exports);
void registerAutocast(Napi::Env env, Napi::Object exports);
void registerPlacement(Napi::Env env, Napi::Object exports);
void registerMemoryReturn(Napi::Env env, Napi::Object exports);
}  // namespace cnnkit

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  cnnkit::instance(env);
  cnnkit::registerMemoryReturn(env, exports);
  cnnkit::registerHandle(env, exports);
  cnnkit::registerCreation(env, exports);
  cnnkit::registerMath(env, exports);
  cnnkit::registerShape(env, exports);
  cnnkit::registerFunctional(env, exports);
  cnnkit::registerAutograd(env, exports);
  cnnkit::registerRuntime(env, exports);
  cnnkit::registerImage(env, exports);
  cnnkit::registerPng(env, exports);
  cnnkit::registerAutocast(env, exports);
  cnnkit::registerPlacement(env, exports);
  cnnkit::registerDistributed(env, exports);
  cnnkit::registerSignatures(env, exports);
  return exports;
}

NODE_API_MODULE(cnnkit, init)
