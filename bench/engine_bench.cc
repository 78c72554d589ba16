// Micro-benchmarks of the simulator's engine loop alone: the event queue (sim/event_queue.h) at
// realistic heap sizes. Target (docs: benchmarks.md): >= 5,000,000 events/s.
//
// One "event" is one Pop of the earliest event plus one Push of the event it causes, which is
// what the simulator does per finished job. The heap is held at a constant size n (the classic
// "hold" model): n is the number of jobs running at once, since each running job has exactly one
// finish event queued. Time increments are drawn from a log-normal with the Gavel jobs' median
// runtime (8,800 s) and a heavy tail (sigma 2), so new events land all over the heap as in a run.
//
//   taskset -c 0 build/bench/bench/engine_bench
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "sim/event_queue.h"

namespace arbiter::bench {
namespace {

constexpr size_t kIncrements = 1 << 16;

// Deterministic log-normal increments (Box-Muller over mt19937_64).
const std::vector<Time>& Increments() {
  static const std::vector<Time> increments = [] {
    std::mt19937_64 rng(42);
    const auto uniform = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
    std::vector<Time> v(kIncrements);
    for (Time& t : v) {
      const double z = std::sqrt(-2.0 * std::log(1.0 - uniform())) *
                       std::cos(2.0 * std::numbers::pi * uniform());
      t = std::max<Time>(1, std::llround(8800.0 * std::exp(2.0 * z)));
    }
    return v;
  }();
  return increments;
}

void Fill(EventQueue& queue, size_t n) {
  const std::vector<Time>& inc = Increments();
  queue.Reserve(n + 1);
  for (size_t i = 0; i < n; ++i) {
    queue.Push(inc[i % kIncrements], EventClass::kJobFinished, static_cast<int64_t>(i), 1);
  }
}

// Pop + push at a constant heap size.
void BM_Hold(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<Time>& inc = Increments();
  EventQueue queue;
  Fill(queue, n);
  size_t k = n;
  for (auto _ : state) {
    const QueuedEvent e = queue.Pop();
    queue.Push(e.time + inc[k++ & (kIncrements - 1)], EventClass::kJobFinished, e.payload,
               e.payload2 + 1);
  }
  benchmark::DoNotOptimize(queue.top());
  state.SetItemsProcessed(state.iterations());
  state.counters["heap"] = static_cast<double>(n);
}
BENCHMARK(BM_Hold)->Arg(1 << 10)->Arg(1 << 13)->Arg(1 << 15)->Arg(1 << 17)->Arg(1 << 20);

// Handlers as the simulator has them: a switch on the class and a call that may push the next
// event. A finish is followed by a new finish (a queued job starts); one event in eight is a
// timer that re-arms itself, so two classes interleave in the heap.
struct Handlers {
  const std::vector<Time>* inc;
  size_t k = 0;
  int64_t finished = 0;
  int64_t timers = 0;

  [[gnu::noinline]] void OnFinished(EventQueue& queue, const QueuedEvent& e) {
    ++finished;
    const EventClass next = (k & 7) == 0 ? EventClass::kTimer : EventClass::kJobFinished;
    queue.Push(e.time + (*inc)[k++ & (kIncrements - 1)], next, e.payload, e.payload2 + 1);
  }
  [[gnu::noinline]] void OnTimer(EventQueue& queue, const QueuedEvent& e) {
    ++timers;
    queue.Push(e.time + (*inc)[k++ & (kIncrements - 1)], EventClass::kJobFinished, e.payload,
               e.payload2 + 1);
  }
};

void BM_HoldDispatch(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  EventQueue queue;
  Fill(queue, n);
  Handlers handlers{&Increments(), n};
  for (auto _ : state) {
    const QueuedEvent e = queue.Pop();
    switch (e.event_class()) {
      case EventClass::kJobFinished:
        handlers.OnFinished(queue, e);
        break;
      case EventClass::kTimer:
        handlers.OnTimer(queue, e);
        break;
      default:
        break;
    }
  }
  benchmark::DoNotOptimize(handlers.finished + handlers.timers);
  state.SetItemsProcessed(state.iterations());
  state.counters["heap"] = static_cast<double>(n);
}
BENCHMARK(BM_HoldDispatch)->Arg(1 << 10)->Arg(1 << 15)->Arg(1 << 17)->Arg(1 << 20);

// Bursty use: push n events, then pop them all (an event = one push + one pop).
void BM_FillDrain(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<Time>& inc = Increments();
  EventQueue queue;
  queue.Reserve(n);
  Time base = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < n; ++i) {
      queue.Push(base + inc[i & (kIncrements - 1)], EventClass::kJobFinished,
                 static_cast<int64_t>(i));
    }
    while (!queue.empty()) base = queue.Pop().time;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.counters["heap"] = static_cast<double>(n);
}
BENCHMARK(BM_FillDrain)->Arg(1 << 10)->Arg(1 << 15)->Arg(1 << 17)->Arg(1 << 20);

}  // namespace
}  // namespace arbiter::bench

BENCHMARK_MAIN();
