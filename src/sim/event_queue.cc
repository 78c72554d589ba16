#include "sim/event_queue.h"

namespace arbiter {

// A hand-written sift keeps the hot loop free of comparator indirection.
void EventQueue::Push(Time time, EventClass event_class, int64_t payload, int64_t payload2) {
  QueuedEvent e{time, Order(event_class, next_sequence_++), payload, payload2};
  size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0) {
    const size_t parent = (i - 1) / 2;
    if (!Before(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

QueuedEvent EventQueue::Pop() {
  const QueuedEvent top = heap_.front();
  const QueuedEvent last = heap_.back();
  heap_.pop_back();
  const size_t n = heap_.size();
  if (n > 0) {
    size_t i = 0;
    while (true) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && Before(heap_[child + 1], heap_[child])) ++child;
      if (!Before(heap_[child], last)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = last;
  }
  return top;
}

}  // namespace arbiter
