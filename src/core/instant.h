// What the parts of the broker core share while one event is handled: the time, the commands
// going out, and the pools whose free capacity grew. The Broker owns the one Instant and lends it
// to each part at construction; parts write commands and grown pools into it, never keep them.
//
// Timers: a timer's tag carries its kind in the top byte and its subject (a job, a request, a
// pool, a launch attempt) below; each part that sets timers of a kind also handles them.
#ifndef ARBITER_CORE_INSTANT_H_
#define ARBITER_CORE_INSTANT_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "core/events.h"
#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

struct Instant {
  Time now = 0;
  std::vector<Command>* out = nullptr;  // the current Handle call's output
  std::vector<PoolId> grown;            // pools whose free capacity grew during this event

  void Emit(Command command) { out->push_back(std::move(command)); }
  void Grew(PoolId pool) { grown.push_back(pool); }
};

enum TimerKind : uint64_t {
  kRetryStart = 1,     // a job whose start failed (or got no offer) is queued again
  kExchange = 2,       // the exchange's window for a request (subject: the request)
  kDeliver = 3,        // an awarded offer's start
  kRelease = 4,        // an awarded offer's start plus grace: release it if not delivered
  kWakeup = 5,         // the policy's NextWakeup
  kBackoff = 6,        // a pool's back-off ends (subject: the pool)
  kLaunchTimeout = 7,  // a launch attempt's timeout (subject: job << 24 | attempt number)
};

inline uint64_t TimerTag(TimerKind kind, int64_t subject) {
  return (static_cast<uint64_t>(kind) << 56) | static_cast<uint64_t>(subject);
}
inline TimerKind TimerKindOf(uint64_t tag) { return static_cast<TimerKind>(tag >> 56); }
inline int64_t TimerSubject(uint64_t tag) {
  return static_cast<int64_t>(tag & ((uint64_t{1} << 56) - 1));
}

}  // namespace arbiter

#endif  // ARBITER_CORE_INSTANT_H_
