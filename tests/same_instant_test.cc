// Decisions once per instant: every event of a second is applied before the policy decides, so a
// job that arrived earlier is not passed by one whose start a finish at the same second would
// have triggered, and no policy's schedule depends on the order of the events within a second.
#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/broker.h"
#include "gtest/gtest.h"
#include "sched/registry.h"
#include "sched_case.h"

namespace arbiter {
namespace {

using testing::SchedCase;
using testing::Span;
using testing::SpanOf;

// 8 H100; j0 and j1 take 4 each for 100 s from t=0; j2 (8) arrives at 1, j3 (4) at 2. Both runs
// end at 100: seen together, the older j2 starts then and j3 waits for it.
TEST(SameInstant, FifoStartsTheOlderWideJobWhenTwoRunsEndTogether) {
  SchedCase c;
  c.AddPool(c.h100(), 8);
  const TenantId t = c.AddTenant("t");
  const JobId j0 = c.AddJob(t, 0, 4, 100);
  const JobId j1 = c.AddJob(t, 0, 4, 100);
  const JobId j2 = c.AddJob(t, 1, 8, 100);
  const JobId j3 = c.AddJob(t, 2, 4, 100);
  auto sim = c.Run("fifo");
  EXPECT_EQ(SpanOf(*sim, j0), (Span{0, 100}));
  EXPECT_EQ(SpanOf(*sim, j1), (Span{0, 100}));
  EXPECT_EQ(SpanOf(*sim, j2), (Span{100, 200}));
  EXPECT_EQ(SpanOf(*sim, j3), (Span{200, 300}));
}

// 4 H100; a 1,000 s job and a 10 s job, both of 4, arrive at 0 in that order. SJF sees both
// before it decides: the short one first, mean JCT (10 + 1010) / 2 = 510 s.
TEST(SameInstant, SjfSeesEveryArrivalOfTheSecondBeforeItChooses) {
  SchedCase c;
  c.AddPool(c.h100(), 4);
  const TenantId t = c.AddTenant("t");
  const JobId long_job = c.AddJob(t, 0, 4, 1000);
  const JobId short_job = c.AddJob(t, 0, 4, 10);
  auto sim = c.Run("sjf");
  EXPECT_EQ(SpanOf(*sim, short_job), (Span{0, 10}));
  EXPECT_EQ(SpanOf(*sim, long_job), (Span{10, 1010}));
}

// A small driver of the core alone that applies the events of each instant in an order drawn
// from `seed` (arrivals keep their submission order, as job ids are dense), then decides once.
struct Outcome {
  Time start;
  Time end;
  int32_t pool;
  bool operator==(const Outcome&) const = default;
};

std::vector<Outcome> Drive(const Scenario& scenario, const std::string& policy, uint64_t seed) {
  Broker broker(scenario.fleet, *MakePolicy(policy, PolicyOptions{7}));
  std::mt19937_64 random(seed);
  struct Pending {
    Time at;
    Event event;
  };
  std::vector<Pending> queue;  // finishes and timers
  std::vector<int32_t> generation(scenario.jobs.size(), 0);
  size_t next_arrival = 0;
  std::vector<Command> out;
  const auto carry_out = [&](Time now) {
    for (const Command& command : out) {
      if (const auto* start = std::get_if<StartJob>(&command)) {
        const int32_t g = ++generation[start->job.index()];
        queue.push_back({now + start->setup + RuntimeFor(start->remaining, start->rate),
                         TimerFired{(uint64_t{1} << 63) | (static_cast<uint64_t>(g) << 32) |
                                    static_cast<uint64_t>(start->job.value())}});
      } else if (const auto* stop = std::get_if<StopJob>(&command)) {
        ++generation[stop->job.index()];
      } else if (const auto* timer = std::get_if<SetTimer>(&command)) {
        queue.push_back({std::max(timer->at, now), TimerFired{timer->tag}});
      }
    }
    out.clear();
  };
  Time now = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    Time t = kNever;
    if (next_arrival < scenario.jobs.size()) t = scenario.jobs[next_arrival].submit;
    for (const Pending& p : queue) t = std::min(t, p.at);
    if (t == kNever) break;
    now = t;
    // Everything due now, in a random order that keeps the arrivals' own order.
    std::vector<Event> due;
    std::vector<bool> is_arrival;
    while (next_arrival < scenario.jobs.size() && scenario.jobs[next_arrival].submit == now) {
      due.push_back(JobSubmitted{JobId::FromIndex(next_arrival), scenario.jobs[next_arrival]});
      is_arrival.push_back(true);
      ++next_arrival;
    }
    for (auto it = queue.begin(); it != queue.end();) {
      if (it->at != now) {
        ++it;
        continue;
      }
      due.push_back(std::move(it->event));
      is_arrival.push_back(false);
      it = queue.erase(it);
    }
    std::vector<size_t> order(due.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), random);
    // Put the arrivals back in their own order, in the slots the shuffle gave them.
    std::vector<size_t> arrivals;
    for (size_t i = 0; i < due.size(); ++i) {
      if (is_arrival[i]) arrivals.push_back(i);
    }
    size_t next = 0;
    for (size_t& i : order) {
      if (is_arrival[i]) i = arrivals[next++];
    }
    for (size_t i : order) {
      Event event = std::move(due[i]);
      if (auto* timer = std::get_if<TimerFired>(&event); timer && (timer->tag >> 63) != 0) {
        const JobId job(static_cast<int32_t>(timer->tag & 0xFFFFFFFF));
        const int32_t g = static_cast<int32_t>((timer->tag >> 32) & 0x7FFFFFFF);
        if (g != generation[job.index()]) continue;  // that run was stopped
        event = JobFinished{job};
      }
      EXPECT_TRUE(broker.Apply(now, std::move(event), out).ok());
      carry_out(now);
    }
    broker.Decide(out);
    carry_out(now);
  }
  std::vector<Outcome> result;
  for (const JobOutcome& o : broker.outcomes())
    result.push_back({o.first_start, o.end, o.pool.value()});
  return result;
}

// Jobs on a 100-second grid, so that arrivals and ends fall on the same seconds all the time.
Scenario GridWorkload(uint64_t seed) {
  SchedCase c;
  c.AddPool(c.h100(), 8);
  c.AddPool(c.h100(), 4);
  c.AddPool(c.a100(), 8);
  const TenantId tenants[] = {c.AddTenant("t0", 1), c.AddTenant("t1", 2)};
  std::mt19937_64 random(seed);
  const auto draw = [&random](uint64_t n) { return static_cast<int64_t>(random() % n); };
  Time submit = 0;
  for (int i = 0; i < 40; ++i) {
    submit += 100 * draw(3);
    c.AddJob(tenants[draw(2)], submit, 1 << draw(4), 100 * (1 + draw(8)),
             static_cast<int32_t>(draw(2)), draw(2) == 0 ? 0 : 100, draw(2) == 0 ? 0 : 2);
  }
  return c.scenario();
}

TEST(SameInstant, NoPolicysScheduleDependsOnTheOrderOfEventsWithinASecond) {
  for (const PolicyInfo& info : ListPolicies()) {
    for (uint64_t workload : {1, 2, 3}) {
      const Scenario scenario = GridWorkload(workload);
      const std::vector<Outcome> reference = Drive(scenario, info.name, 0);
      for (const Outcome& o : reference) ASSERT_NE(o.end, kNever) << info.name << " never ended";
      for (uint64_t order = 1; order <= 4; ++order) {
        EXPECT_EQ(Drive(scenario, info.name, order), reference)
            << info.name << " workload " << workload << " order " << order;
      }
    }
  }
}

}  // namespace
}  // namespace arbiter
