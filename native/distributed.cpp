// Data-parallel training on libtorch's c10d: a TCPStore for rendezvous, a Gloo process group, its collectives,
// DDP's gradient reducer and a differentiable all-reduce (SyncBatchNorm's statistics).
// Every call blocks the JS thread until the collective is done: a wait is bounded by the group's timeout (Gloo's
// context timeout bounds each send and receive too), so a lost peer ends in a JS Error, never a hang.
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/utils.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "binding.h"

namespace cnnkit {

// A rendezvous store and the Gloo group over it; destroy() drops both before the JS object is collected.
struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  std::chrono::milliseconds timeout;
  int64_t failures = 0;  // numbers each failed collective's roll call
  c10d::ProcessGroupGloo& get() const {
    if (!pg) throw std::runtime_error("the process group was destroyed");
    return *pg;
  }
};
struct Store {
  c10::intrusive_ptr<c10d::Store> store;
};
using GroupRef = std::shared_ptr<Group>;
using StoreRef = std::shared_ptr<Store>;
struct Reducer;
using ReducerRef = std::shared_ptr<Reducer>;

// Opaque native objects travel to JS as type-tagged externals, so a wrong one is a TypeError, not a crash.
template <typename T>
struct ExternalTag;
template <>
struct ExternalTag<GroupRef> {
  static constexpr napi_type_tag tag = {0x636e6e6b69744772ULL, 0x6f75700000000001ULL};
  static constexpr const char* what = "a process group";
};
template <>
struct ExternalTag<StoreRef> {
  static constexpr napi_type_tag tag = {0x636e6e6b69745374ULL, 0x6f72650000000002ULL};
  static constexpr const char* what = "a store";
};
template <>
struct ExternalTag<ReducerRef> {
  static constexpr napi_type_tag tag = {0x636e6e6b69745265ULL, 0x6475636500000003ULL};
  static constexpr const char* what = "a reducer";
};

template <typename T>
struct FromJs<T, std::void_t<decltype(ExternalTag<T>::tag)>> {
  static T convert(const Napi::Value& v, size_t i) {
    bool tagged = false;
    if (v.IsExternal()) napi_check_object_type_tag(v.Env(), v, &ExternalTag<T>::tag, &tagged);
    if (!tagged) throw ArgumentError(argumentName(i) + " must be " + ExternalTag<T>::what);
    return *v.As<Napi::External<T>>().Data();
  }
};
template <typename T, typename = std::void_t<decltype(ExternalTag<T>::tag)>>
Napi::Value toJs(Napi::Env env, T ref) {
  auto external = Napi::External<T>::New(env, new T(std::move(ref)), [](Napi::Env, T* p) { delete p; });
  napi_type_tag_object(env, external, &ExternalTag<T>::tag);
  return external;
}
template <>
struct TsType<GroupRef> {
  static std::string name() { return "ProcessGroupHandle"; }
};
template <>
struct TsType<StoreRef> {
  static std::string name() { return "StoreHandle"; }
};
template <>
struct TsType<ReducerRef> {
  static std::string name() { return "ReducerHandle"; }
};

namespace {
using Tensors = std::vector<at::Tensor>;

c10d::ReduceOp reduceOpOf(const std::string& name) {
  if (name == "sum") return c10d::ReduceOp::SUM;
  if (name == "product") return c10d::ReduceOp::PRODUCT;
  if (name == "min") return c10d::ReduceOp::MIN;
  if (name == "max") return c10d::ReduceOp::MAX;
  // Gloo has no AVG: the caller sums and divides.
  throw ArgumentError("reduce op must be 'sum', 'product', 'min' or 'max', got '" + name + "'");
}

// After a failed collective, which ranks are gone: each survivor signs in on the store under this failure's number
// and waits a few seconds for the others. The store lives in rank 0's process, so a store that fails means rank 0.
std::string lostRanks(Group& group) {
  const int rank = group.pg->getRank(), size = group.pg->getSize();
  const std::string prefix = "cnnkit/alive/" + std::to_string(++group.failures) + "/";
  std::vector<int> missing;
  for (int r = 0; r < size; ++r) if (r != rank) missing.push_back(r);
  try {
    group.store->set(prefix + std::to_string(rank), std::vector<uint8_t>{1});
    auto deadline = std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(group.timeout, std::chrono::seconds(5));
    while (!missing.empty() && std::chrono::steady_clock::now() < deadline) {
      missing.erase(std::remove_if(missing.begin(), missing.end(), [&](int r) { return group.store->check({prefix + std::to_string(r)}); }), missing.end());
      if (!missing.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } catch (const std::exception&) {
    return "rank 0 (the master, which holds the store) is lost";
  }
  if (missing.empty()) return "every rank is still there";
  std::string names;
  for (int r : missing) names += (names.empty() ? "" : ", ") + std::to_string(r);
  return (missing.size() == 1 ? "rank " : "ranks ") + names + (missing.size() == 1 ? " is lost" : " are lost");
}

// A failed collective's message; when the transport failed (not a local error such as a shape mismatch, where the
// other ranks are still waiting in the collective), it names the lost ranks.
std::string failure(Group& group, const char* what, const std::string& cause) {
  bool transport = false;
  for (const char* sign : {"Connection closed", "Connection reset", "Connection refused", "Broken pipe", "Timed out", "timed out", "timeout",
                           "Read error", "Write error", "Socket"}) {
    transport = transport || cause.find(sign) != std::string::npos;
  }
  return std::string(what) + " failed on rank " + std::to_string(group.pg->getRank()) + " of " + std::to_string(group.pg->getSize()) + ": " +
         (transport ? lostRanks(group) + " (" + cause + ")" : cause);
}

// Waits for a collective within the group's timeout; Gloo's own errors (a closed connection, its timeout) are
// rethrown by wait() and become one message naming the lost ranks.
void waitFor(Group& group, const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
  std::string cause;
  try {
    if (work->wait(group.timeout)) return;
    cause = "not done within the timeout";
  } catch (const c10::Error& e) {
    cause = e.what_without_backtrace();
  } catch (const std::exception& e) {
    cause = e.what();
  }
  throw std::runtime_error(failure(group, what, cause));
}

void allReduceSum(Group& group, at::Tensor& t) {
  Tensors ts{t};
  c10d::AllreduceOptions options;
  options.timeout = group.timeout;
  waitFor(group, group.get().allreduce(ts, options), "allReduce");
}

// The backward of a sum over ranks is the sum over ranks of the gradients: every rank's output depends on every input.
struct AllReduceSumBackward : torch::autograd::Node {
  GroupRef group;
  std::vector<int64_t> sizes;
  at::TensorOptions options;
  torch::autograd::variable_list apply(torch::autograd::variable_list&& grads) override {
    // Every rank must take part even where this output got no gradient, or the others would wait for it.
    at::Tensor g = grads[0].defined() ? grads[0].clone() : at::zeros(sizes, options);
    allReduceSum(*group, g);
    return {g};
  }
  std::string name() const override { return "AllReduceSumBackward"; }
};
}  // namespace

// DDP's gradient averaging, as c10d::Reducer does it (its header cannot be used: it includes the distributed autograd
// headers, which libtorch-dev does not ship). A hook after each parameter's gradient accumulator counts the bucket's
// ready gradients; a full bucket is flattened, divided by the world size and all-reduced asynchronously while backward
// goes on. Buckets are launched in order, so every rank issues the same collectives in the same order. At the end of
// backward (an engine callback) the reductions are awaited and the averages written back to .grad.
struct Reducer : std::enable_shared_from_this<Reducer> {
  GroupRef group;
  Tensors params;
  std::vector<std::vector<size_t>> buckets;
  std::vector<size_t> bucketOf;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;  // a tensor holds its accumulator weakly
  // One backward's state.
  bool armed = false;
  bool callbackQueued = false;
  std::vector<size_t> waiting;  // gradients each bucket still waits for
  std::vector<bool> seen;
  size_t nextBucket = 0;
  std::vector<at::Tensor> flats;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;

  // Reverse parameter order (gradients become ready roughly so), grouped by dtype and device; the first bucket
  // 1 MB so that communication starts early, the others up to bucketBytes, as torch's DDP lays them out.
  static ReducerRef create(const GroupRef& g, Tensors params, int64_t bucketBytes) {
    g->get();
    auto r = std::make_shared<Reducer>();
    r->group = g;
    r->params = std::move(params);
    r->bucketOf.resize(r->params.size());
    std::map<std::pair<at::ScalarType, std::string>, std::pair<size_t, int64_t>> open;  // key -> (bucket, bytes)
    for (size_t k = r->params.size(); k-- > 0;) {
      const auto& p = r->params[k];
      if (!p.requires_grad()) throw ArgumentError("DistributedDataParallel: parameter " + std::to_string(k) + " does not require grad");
      auto key = std::make_pair(p.scalar_type(), p.device().str());
      int64_t limit = r->buckets.size() <= 1 ? 1024 * 1024 : bucketBytes;
      auto it = open.find(key);
      if (it == open.end() || it->second.second >= limit) {
        r->buckets.emplace_back();
        it = open.insert_or_assign(key, std::make_pair(r->buckets.size() - 1, int64_t{0})).first;
      }
      r->buckets[it->second.first].push_back(k);
      r->bucketOf[k] = it->second.first;
      it->second.second += p.numel() * p.element_size();
    }
    std::weak_ptr<Reducer> weak = r;
    for (size_t k = 0; k < r->params.size(); ++k) {
      auto accumulator = torch::autograd::impl::grad_accumulator(r->params[k]);
      accumulator->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
          [weak, k](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
            if (auto self = weak.lock()) self->ready(k);
            return outputs;
          }));
      r->accumulators.push_back(std::move(accumulator));
    }
    return r;
  }

  void prepare() {
    group->get();
    if (armed) throw std::runtime_error("DistributedDataParallel: the previous synced forward had no backward; every forward outside noSync() needs one");
    armed = true;
    waiting.clear();
    for (const auto& b : buckets) waiting.push_back(b.size());
    seen.assign(params.size(), false);
    nextBucket = 0;
    callbackQueued = false;
    flats.assign(buckets.size(), at::Tensor());
    works.assign(buckets.size(), {});
  }

  void ready(size_t k) {
    if (!armed || seen[k]) return;
    seen[k] = true;
    // The first ready gradient of a backward queues the final wait.
    if (!callbackQueued) {
      callbackQueued = true;
      std::weak_ptr<Reducer> weak = weak_from_this();
      torch::autograd::Engine::get_default_engine().queue_callback([weak] {
        if (auto self = weak.lock()) self->finish();
      });
    }
    --waiting[bucketOf[k]];
    while (nextBucket < buckets.size() && waiting[nextBucket] == 0) launch(nextBucket++);
  }

  void launch(size_t b) {
    Tensors grads;
    for (size_t k : buckets[b]) {
      const auto& grad = params[k].grad();
      grads.push_back((grad.defined() ? grad : at::zeros_like(params[k])).reshape({-1}));
    }
    flats[b] = at::cat(grads).div_(group->get().getSize());
    Tensors ts{flats[b]};
    c10d::AllreduceOptions options;
    options.timeout = group->timeout;
    works[b] = group->get().allreduce(ts, options);
  }

  void finish() {
    armed = false;
    if (nextBucket < buckets.size()) {
      std::string missing;
      for (size_t k = 0; k < params.size(); ++k) if (!seen[k]) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
      throw std::runtime_error("DistributedDataParallel: parameters " + missing + " got no gradient in this backward; "
                               "every parameter must take part in the loss (unused parameters are not supported)");
    }
    for (size_t b = 0; b < buckets.size(); ++b) {
      waitFor(*group, works[b], "allReduce of gradients");
      int64_t offset = 0;
      for (size_t k : buckets[b]) {
        auto& p = params[k];
        auto average = flats[b].narrow(0, offset, p.numel()).view(p.sizes());
        offset += p.numel();
        if (p.grad().defined()) p.mutable_grad().copy_(average);
        else p.mutable_grad() = average.clone();
      }
    }
    flats.assign(buckets.size(), at::Tensor());
    works.assign(buckets.size(), {});
  }
};

void registerDistributed(Napi::Env env, Napi::Object exports) {
  // The master (isServer, on rank 0) listens on port and waits for worldSize - 1 clients; a client retries the
  // connection until the timeout.
  def(env, exports, "tcpStore", [](std::string host, int64_t port, bool isServer, int64_t worldSize, double timeoutMs) {
    if (port < 0 || port > 65535) throw ArgumentError("port must be in 0..65535, got " + std::to_string(port));
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(port);
    options.isServer = isServer;
    options.numWorkers = static_cast<size_t>(worldSize);
    options.waitWorkers = true;
    options.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeoutMs));
    return std::make_shared<Store>(Store{c10::make_intrusive<c10d::TCPStore>(host, options)});
  });
  def(env, exports, "storeSet", [](const StoreRef& s, std::string key, std::string value) {
    s->store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
  });
  // Waits for the key up to timeoutMs.
  def(env, exports, "storeGet", [](const StoreRef& s, std::string key, double timeoutMs) {
    s->store->wait({key}, std::chrono::milliseconds(static_cast<int64_t>(timeoutMs)));
    auto value = s->store->get(key);
    return std::string(value.begin(), value.end());
  });
  def(env, exports, "storeAdd", [](const StoreRef& s, std::string key, int64_t amount) { return s->store->add(key, amount); });
  def(env, exports, "storeCheck", [](const StoreRef& s, std::string key) { return s->store->check({key}); });

  // Gloo's transport binds to `iface` (a network interface) if given, else to the address `hostname` resolves to,
  // else to the address of this machine's host name (loopback when it has none).
  def(env, exports, "processGroupGloo", [](const StoreRef& s, int64_t rank, int64_t worldSize, double timeoutMs,
                                           c10::optional<std::string> iface, c10::optional<std::string> hostname) {
    auto timeout = std::chrono::milliseconds(static_cast<int64_t>(timeoutMs));
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(iface       ? c10d::ProcessGroupGloo::createDeviceForInterface(*iface)
                               : hostname ? c10d::ProcessGroupGloo::createDeviceForHostname(*hostname)
                                          : c10d::ProcessGroupGloo::createDefaultDevice());
    auto store = c10::make_intrusive<c10d::PrefixStore>("cnnkit/gloo", s->store);
    auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, static_cast<int>(rank), static_cast<int>(worldSize), options);
    return std::make_shared<Group>(Group{s->store, pg, timeout});
  });
  def(env, exports, "destroyProcessGroup", [](const GroupRef& g) {
    g->pg.reset();
    g->store.reset();
  });
  def(env, exports, "ncclIsAvailable", []() {
#ifdef USE_C10D_NCCL
    return true;
#else
    return false;
#endif
  });

  def(env, exports, "allReduce", [](const GroupRef& g, Tensors tensors, std::string op) {
    c10d::AllreduceOptions options;
    options.reduceOp = reduceOpOf(op);
    options.timeout = g->timeout;
    waitFor(*g, g->get().allreduce(tensors, options), "allReduce");
  });
  def(env, exports, "broadcast", [](const GroupRef& g, Tensors tensors, int64_t root) {
    c10d::BroadcastOptions options;
    options.rootRank = root;
    options.timeout = g->timeout;
    waitFor(*g, g->get().broadcast(tensors, options), "broadcast");
  });
  // Many tensors from root in flat buffers of at most bufferBytes (as DDP syncs a module's state).
  def(env, exports, "broadcastCoalesced", [](const GroupRef& g, Tensors tensors, int64_t bufferBytes, int64_t root) {
    g->get();
    // Parameters are overwritten in place, which autograd would refuse.
    at::NoGradGuard noGrad;
    try {
      c10d::broadcast_coalesced(g->pg, tensors, static_cast<size_t>(bufferBytes), static_cast<int>(root));
    } catch (const c10::Error& e) {
      throw std::runtime_error(failure(*g, "broadcast", e.what_without_backtrace()));
    } catch (const std::exception& e) {
      throw std::runtime_error(failure(*g, "broadcast", e.what()));
    }
  });
  def(env, exports, "allGather", [](const GroupRef& g, const at::Tensor& t) {
    std::vector<Tensors> outputs(1);
    for (int r = 0; r < g->get().getSize(); ++r) outputs[0].push_back(at::empty_like(t));
    Tensors inputs{t};
    c10d::AllgatherOptions options;
    options.timeout = g->timeout;
    waitFor(*g, g->get().allgather(outputs, inputs, options), "allGather");
    return outputs[0];
  });
  def(env, exports, "barrier", [](const GroupRef& g) {
    c10d::BarrierOptions options;
    options.timeout = g->timeout;
    waitFor(*g, g->get().barrier(options), "barrier");
  });

  // A sum over ranks that autograd differentiates (its backward sums the gradients over ranks).
  def(env, exports, "allReduceSumDifferentiable", [](const GroupRef& g, const at::Tensor& x) {
    at::Tensor out = x.detach().clone();
    allReduceSum(*g, out);
    if (x.requires_grad() && at::GradMode::is_enabled()) {
      auto node = std::shared_ptr<AllReduceSumBackward>(new AllReduceSumBackward(), torch::autograd::deleteNode);
      node->group = g;
      node->sizes = x.sizes().vec();
      node->options = x.options();
      node->set_next_edges(torch::autograd::collect_next_edges(x));
      torch::autograd::set_history(out, node);
    }
    return out;
  });

  def(env, exports, "reducer", [](const GroupRef& g, Tensors params, int64_t bucketBytes) { return Reducer::create(g, std::move(params), bucketBytes); });
  // Arms the hooks for the next backward; without it (noSync) gradients only accumulate locally.
  def(env, exports, "reducerPrepareForBackward", [](const ReducerRef& r) { r->prepare(); });
}

}  // namespace cnnkit
