#include "sim/event_queue.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace arbiter {
namespace {

TEST(EventQueue, OrdersByTimeThenClassThenPushOrder) {
  EventQueue q;
  q.Push(10, EventClass::kTimer, 1);
  q.Push(10, EventClass::kJobSubmitted, 2);
  q.Push(5, EventClass::kTimer, 3);
  q.Push(10, EventClass::kJobFinished, 4);
  q.Push(10, EventClass::kCapacityChanged, 5);
  q.Push(10, EventClass::kJobFinished, 6);
  q.Push(10, EventClass::kStartFailed, 7);
  q.Push(10, EventClass::kCloseBilling, 8);
  q.Push(10, EventClass::kProviderAnswer, 9);
  q.Push(10, EventClass::kJobKilled, 10);
  q.Push(10, EventClass::kLaunchDone, 11);
  std::vector<int64_t> order;
  while (!q.empty()) order.push_back(q.Pop().payload);
  EXPECT_EQ(order, (std::vector<int64_t>{3, 4, 6, 10, 5, 7, 11, 9, 2, 1, 8}));
}

TEST(EventQueue, KeepsPayloadsAndClass) {
  EventQueue q;
  q.Push(7, EventClass::kJobFinished, 42, 3);
  const QueuedEvent e = q.Pop();
  EXPECT_EQ(e.time, 7);
  EXPECT_EQ(e.payload, 42);
  EXPECT_EQ(e.payload2, 3);
  EXPECT_EQ(e.event_class(), EventClass::kJobFinished);
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, MatchesASortOfManyRandomEvents) {
  std::mt19937_64 rng(7);
  EventQueue q;
  struct Ref {
    Time time;
    int cls;
    int64_t seq;
  };
  std::vector<Ref> ref;
  std::vector<int64_t> popped;
  int64_t seq = 0;
  // Interleave pushes and pops, as the simulator does.
  for (int round = 0; round < 2000; ++round) {
    for (int k = 0; k < 3; ++k) {
      const Time t = static_cast<Time>(rng() % 50) + round / 10;
      const int cls = static_cast<int>(rng() % 8);
      q.Push(t, static_cast<EventClass>(cls), seq);
      ref.push_back({t, cls, seq++});
    }
    popped.push_back(q.Pop().payload);
  }
  while (!q.empty()) popped.push_back(q.Pop().payload);
  // Replay with a naive reference: at each pop, take the minimum of what was pushed so far.
  std::vector<bool> taken(ref.size(), false);
  std::vector<int64_t> expected;
  size_t pushed = 0;
  const auto pop_min = [&] {
    size_t best = ref.size();
    for (size_t i = 0; i < pushed; ++i) {
      if (taken[i]) continue;
      if (best == ref.size() || std::tie(ref[i].time, ref[i].cls, ref[i].seq) <
                                    std::tie(ref[best].time, ref[best].cls, ref[best].seq)) {
        best = i;
      }
    }
    taken[best] = true;
    expected.push_back(ref[best].seq);
  };
  for (int round = 0; round < 2000; ++round) {
    pushed += 3;
    pop_min();
  }
  while (expected.size() < ref.size()) pop_min();
  EXPECT_EQ(popped, expected);
}

}  // namespace
}  // namespace arbiter
