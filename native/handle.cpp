#include "handle.h"

#include <algorithm>
#include <cstring>

#include "binding.h"

namespace cnnkit {
namespace {

// Marks the handle objects made here, so a foreign object passed as a tensor is refused instead of crashing.
const napi_type_tag kTensorTag = {0x9c1e5a2b7f3d4e61ULL, 0xa8b4c0d2e6f71935ULL};

struct Box {
  at::Tensor tensor;
  std::shared_ptr<Instance> owner;
};

// The bytes of a tensor's storage, counted once however many handles share it.
void account(Napi::Env env, Instance& inst, const at::Tensor& t, int sign) {
  inst.liveTensors += sign;
  if (!t.defined() || !t.has_storage()) return;
  const void* key = t.storage().unsafeGetStorageImpl();
  int64_t delta = 0;
  if (sign > 0) {
    auto [it, added] = inst.storages.try_emplace(key, 0, static_cast<int64_t>(t.storage().nbytes()));
    if (it->second.first++ == 0) delta = it->second.second;
  } else {
    auto it = inst.storages.find(key);
    if (it == inst.storages.end()) return;
    if (--it->second.first == 0) {
      delta = -it->second.second;
      inst.storages.erase(it);
    }
  }
  inst.liveBytes += delta;
  if (delta == 0 || !t.device().is_cpu()) return;
  // V8 cannot see libtorch's memory, so it is told of the CPU bytes beyond an allowance: leaked tensors then
  // press the GC into running their finalizers, while a training step whose tensors a tidy() scope frees at its
  // end does not set off a full collection every step (V8 collects at each 64 MiB of external growth).
  constexpr int64_t kAllowance = int64_t{256} << 20;
  int64_t before = std::max<int64_t>(0, inst.cpuBytes - kAllowance);
  inst.cpuBytes += delta;
  int64_t after = std::max<int64_t>(0, inst.cpuBytes - kAllowance);
  if (after != before) Napi::MemoryManagement::AdjustExternalMemory(env, after - before);
}

// A handle is a plain JS object tagged as a cnnkit tensor with the Box wrapped inside. dispose() unwraps it
// at once, so a disposed tensor leaves no finalizer behind: Node runs finalizers only when the event loop
// turns, and a synchronous training loop would otherwise pile them up.
enum class State { NotTensor, Disposed, Live };

State lookup(napi_env env, napi_value value, Box** box) {
  napi_valuetype type;
  bool tagged = false;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_object) return State::NotTensor;
  if (napi_check_object_type_tag(env, value, &kTensorTag, &tagged) != napi_ok || !tagged) return State::NotTensor;
  void* data = nullptr;
  if (napi_unwrap(env, value, &data) != napi_ok || data == nullptr) return State::Disposed;
  *box = static_cast<Box*>(data);
  return State::Live;
}

void destroy(napi_env env, Box* box) {
  account(Napi::Env(env), *box->owner, box->tensor, -1);
  delete box;
}

struct InstanceHolder {
  std::shared_ptr<Instance> instance = std::make_shared<Instance>();
  ~InstanceHolder() {
    std::lock_guard<std::mutex> lock(instance->releases->mutex);
    instance->releases->envAlive = false;
  }
};

}  // namespace

std::shared_ptr<Instance> instance(Napi::Env env) {
  auto* holder = env.GetInstanceData<InstanceHolder>();
  if (holder == nullptr) {
    holder = new InstanceHolder();
    env.SetInstanceData(holder);
  }
  return holder->instance;
}

void drainReleases(Napi::Env env) {
  auto queue = instance(env)->releases;
  std::vector<napi_ref> refs;
  {
    std::lock_guard<std::mutex> lock(queue->mutex);
    refs.swap(queue->pending);
  }
  for (napi_ref ref : refs) napi_delete_reference(env, ref);
}

Napi::Value wrap(Napi::Env env, at::Tensor tensor) {
  auto inst = instance(env);
  if (!inst->releases->pending.empty()) drainReleases(env);
  account(env, *inst, tensor, +1);
  auto* box = new Box{std::move(tensor), inst};
  Napi::Object handle = Napi::Object::New(env);
  napi_status status = napi_wrap(env, handle, box, [](napi_env env, void* data, void*) { destroy(env, static_cast<Box*>(data)); }, nullptr, nullptr);
  if (status != napi_ok) {
    destroy(env, box);
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  NAPI_THROW_IF_FAILED(env, napi_type_tag_object(env, handle, &kTensorTag), Napi::Value());
  return handle;
}

bool isHandle(const Napi::Value& value) {
  Box* box = nullptr;
  return lookup(value.Env(), value, &box) != State::NotTensor;
}

at::Tensor& unwrap(const Napi::Value& value, const char* what) {
  Box* box = nullptr;
  switch (lookup(value.Env(), value, &box)) {
    case State::Live: return box->tensor;
    case State::Disposed: throw ArgumentError(std::string(what) + " is a disposed tensor; it was freed by dispose() or by the end of a tidy() scope");
    default: throw ArgumentError(std::string(what) + " must be a tensor");
  }
}

namespace {

// Shares a typed array's memory with a new tensor (torch.frombuffer); the tensor keeps the array alive.
at::Tensor fromBuffer(Napi::Env env, Napi::Value value, at::ScalarType dtype) {
  if (!value.IsTypedArray()) throw ArgumentError("frombuffer needs a TypedArray or Buffer");
  auto array = value.As<Napi::TypedArray>();
  size_t itemSize = c10::elementSize(dtype);
  size_t bytes = array.ByteLength();
  uint8_t* data = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  if (bytes % itemSize != 0)
    throw ArgumentError("frombuffer: " + std::to_string(bytes) + " bytes is not a whole number of " + scalarTypeName(dtype) + " elements");
  if (reinterpret_cast<uintptr_t>(data) % itemSize != 0)
    throw ArgumentError(std::string("frombuffer: the buffer is not aligned for ") + scalarTypeName(dtype));
  napi_ref ref;
  NAPI_THROW_IF_FAILED(env, napi_create_reference(env, array, 1, &ref), at::Tensor());
  auto queue = instance(env)->releases;
  auto owner = std::this_thread::get_id();
  napi_env rawEnv = env;
  auto deleter = [queue, owner, rawEnv, ref](void*) {
    std::lock_guard<std::mutex> lock(queue->mutex);
    if (!queue->envAlive) return;
    if (std::this_thread::get_id() == owner) napi_delete_reference(rawEnv, ref);
    else queue->pending.push_back(ref);
  };
  return at::from_blob(data, {static_cast<int64_t>(bytes / itemSize)}, deleter, at::TensorOptions().dtype(dtype));
}

// A copy of a tensor's elements (contiguous, on the CPU) in a new ArrayBuffer.
Napi::ArrayBuffer toArrayBuffer(Napi::Env env, const at::Tensor& t) {
  at::Tensor src = t.detach().to(at::kCPU).contiguous();
  auto buffer = Napi::ArrayBuffer::New(env, src.nbytes());
  if (src.nbytes() > 0) std::memcpy(buffer.Data(), src.data_ptr(), src.nbytes());
  return buffer;
}

at::Scalar item(const at::Tensor& t) {
  if (t.numel() != 1) throw ArgumentError("item(): the tensor has " + std::to_string(t.numel()) + " elements; only a one-element tensor converts to a number");
  return t.item();
}

}  // namespace

void registerHandle(Napi::Env env, Napi::Object exports) {
  def(env, exports, "isDisposed", [](Napi::Value v) {
    Box* box = nullptr;
    State state = lookup(v.Env(), v, &box);
    if (state == State::NotTensor) throw ArgumentError("argument 1 must be a tensor");
    return state == State::Disposed;
  });
  def(env, exports, "dispose", [](Napi::Value v) {
    Box* box = nullptr;
    State state = lookup(v.Env(), v, &box);
    if (state == State::NotTensor) throw ArgumentError("argument 1 must be a tensor");
    if (state == State::Disposed) return;
    void* data = nullptr;
    NAPI_THROW_IF_FAILED_VOID(v.Env(), napi_remove_wrap(v.Env(), v, &data));
    destroy(v.Env(), box);
  });
  def(env, exports, "memory", [](Napi::Env env) {
    auto inst = instance(env);
    return std::make_tuple(inst->liveTensors, inst->liveBytes);
  });
  def(env, exports, "frombuffer", fromBuffer);
  def(env, exports, "toArrayBuffer", toArrayBuffer);
  def(env, exports, "item", item);
  def(env, exports, "shape", [](const at::Tensor& t) { return t.sizes().vec(); });
  def(env, exports, "stride", [](const at::Tensor& t) { return t.strides().vec(); });
  def(env, exports, "dtype", [](const at::Tensor& t) { return t.scalar_type(); });
  def(env, exports, "device", [](const at::Tensor& t) { return t.device().str(); });
  def(env, exports, "isContiguous", [](const at::Tensor& t) { return t.is_contiguous(); });
}

}  // namespace cnnkit
