// The simulator's event queue: a 4-ary min-heap with a total, deterministic order.
//
// Events are ordered by (time, class, sequence). At one instant, classes go in this order:
//   0 kJobFinished     - work that ends frees its capacity first,
//   1 kJobKilled       - then work stopped by failures or by providers,
//   2 kCapacityChanged - then supply changes,
//   3 kStartFailed     - then failed launches are reported,
//   4 kLaunchDone      - then launch attempts that take time come up or fail (faults.launch;
//                        before timers, so an attempt up exactly at its timeout counts),
//   5 kProviderAnswer  - then providers' answers to capacity requests,
//   6 kJobSubmitted    - then arrivals (they see all capacity freed at that instant),
//   7 kTimer           - then timers the core set (windows end after answers due at that time),
//   8 kCloseBilling    - and the end of the run closes billing last.
// Within a class, events keep the order in which they were pushed (the sequence number), so
// arrivals at one instant are submitted in trace order.
#ifndef ARBITER_SIM_EVENT_QUEUE_H_
#define ARBITER_SIM_EVENT_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/units.h"

namespace arbiter {

enum class EventClass : uint8_t {
  kJobFinished = 0,
  kJobKilled = 1,
  kCapacityChanged = 2,
  kStartFailed = 3,
  kLaunchDone = 4,
  kProviderAnswer = 5,
  kJobSubmitted = 6,
  kTimer = 7,
  kCloseBilling = 8,
};

struct QueuedEvent {
  Time time = 0;
  uint64_t order = 0;    // (class << 56) | sequence; assigned by the queue
  int64_t payload = 0;   // class-specific: a job id, a timer tag, an index
  int64_t payload2 = 0;  // class-specific: a run generation

  EventClass event_class() const { return static_cast<EventClass>(order >> 56); }
};

class EventQueue {
 public:
  void Push(Time time, EventClass event_class, int64_t payload, int64_t payload2 = 0);
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  const QueuedEvent& top() const { return heap_.front(); }
  QueuedEvent Pop();
  void Reserve(size_t n) { heap_.reserve(n); }
  // The ordering key of an event that is not in the queue (the simulator merges its sorted
  // arrival stream with the heap under the same order).
  static uint64_t Order(EventClass event_class, uint64_t sequence) {
    return (static_cast<uint64_t>(event_class) << 56) | sequence;
  }
  static bool Before(const QueuedEvent& a, const QueuedEvent& b) {
    return a.time != b.time ? a.time < b.time : a.order < b.order;
  }

 private:
  static constexpr size_t kArity = 4;
  std::vector<QueuedEvent> heap_;
  uint64_t next_sequence_ = 0;
};

}  // namespace arbiter

#endif  // ARBITER_SIM_EVENT_QUEUE_H_
