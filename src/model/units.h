// Units of state in Arbiter: exact integers only.
//
// Time is integer seconds from the start of a scenario (or, live, from the daemon's epoch).
// Money is integer micro-dollars. Accelerators are integer counts. Prices are micro-dollars per
// accelerator-hour, the unit in which clouds publish them. `double` appears only in reported
// statistics, never in state that is compared, summed or billed.
#ifndef ARBITER_MODEL_UNITS_H_
#define ARBITER_MODEL_UNITS_H_

#include <cstdint>
#include <limits>

namespace arbiter {

using Time = int64_t;      // seconds since the scenario's start
using Duration = int64_t;  // seconds
using Micros = int64_t;    // micro-dollars
using Work = int64_t;      // a job's work units (the loader of a trace defines the unit)
using Rate = int64_t;      // work units per second for a whole gang

// Exact intermediate for products of two int64 values (GCC and Clang).
__extension__ typedef __int128 Int128;

inline constexpr Time kNever = std::numeric_limits<Time>::max();
inline constexpr Micros kMicrosPerDollar = 1'000'000;
inline constexpr Duration kSecondsPerHour = 3600;

// The charge for `accelerators` x `seconds` at `price_per_accel_hour`, rounded to the nearest
// micro-dollar (halves round up). Each charge is rounded once, when it is written to the ledger;
// sums of charges are exact.
Micros ChargeFor(int64_t accelerators, Duration seconds, Micros price_per_accel_hour);

// Seconds needed to do `work` at `rate` (rounded up: a job is not done until all work is done).
// Requires rate > 0 and work >= 0.
Duration RuntimeFor(Work work, Rate rate);

// Work done in `seconds` at `rate`, saturating at `cap`.
Work WorkDone(Duration seconds, Rate rate, Work cap);

// Parses a dollar amount such as "2.5", "0.000001" or "12" into micro-dollars without going
// through floating point. Returns false on anything else (sign, exponent, more than six decimals).
bool ParseDollars(const char* text, Micros* out);

// Formats micro-dollars as dollars with six decimals, e.g. 2500000 -> "2.500000".
void FormatDollars(Micros micros, char* buf, int size);

}  // namespace arbiter

#endif  // ARBITER_MODEL_UNITS_H_
