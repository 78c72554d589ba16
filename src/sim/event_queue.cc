#include "sim/event_queue.h"

namespace arbiter {

// A 4-ary heap: half the depth of a binary one, and a node's four children (32 bytes each) sit in
// two adjacent cache lines, so a pop from a large heap misses the cache about half as often. Keys
// (time, class, sequence) are unique, so every heap shape pops the same sequence. A hand-written
// sift keeps the hot loop free of comparator indirection.
void EventQueue::Push(Time time, EventClass event_class, int64_t payload, int64_t payload2) {
  QueuedEvent e{time, Order(event_class, next_sequence_++), payload, payload2};
  size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0) {
    const size_t parent = (i - 1) / kArity;
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
      const size_t first = kArity * i + 1;
      if (first >= n) break;
      size_t child = first;
      if (first + kArity <= n) {
        // All four children: a tournament of index arithmetic the compiler can do without branches.
        const size_t a = first + static_cast<size_t>(Before(heap_[first + 1], heap_[first]));
        const size_t b =
            first + 2 + static_cast<size_t>(Before(heap_[first + 3], heap_[first + 2]));
        child = Before(heap_[b], heap_[a]) ? b : a;
      } else {
        for (size_t c = first + 1; c < n; ++c) {
          if (Before(heap_[c], heap_[child])) child = c;
        }
      }
      if (!Before(heap_[child], last)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = last;
  }
  return top;
}

}  // namespace arbiter
