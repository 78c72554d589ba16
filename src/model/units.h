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
#include <optional>

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

// --- Limits of inputs ---
// Every loader checks the values it reads against these, where it reads them, so that in-range
// inputs cannot overflow int64 arithmetic on one job, one run, one charge or one contract.
// docs/scenario.md ("Limits") gives the derivation; in short:
//   - instants and durations are at most 2^40 s (~34,800 years), so a sum of a few of them (a
//     submit time + a runtime + a setup + a transfer + a launch) stays below 2^43;
//   - a gang is at most 2^24 accelerators and a pool at most 2^24 nodes of at most 1,024;
//   - a price is at most $1,000,000 per accelerator-hour (10^12 micro-dollars < 2^40);
//   - work and rates are at most 2^62 units (a CSV's 2^40 s x 10^6 units/s is below 2^60);
//   - products are checked where inputs meet: one run of a job (its accelerators x the longest
//     it can hold them x the highest price it can pay), one holding (accelerators x its window x
//     its price) and one checkpoint's egress each cost at most 2^62 micro-dollars (~$4.6
//     trillion), half of int64, so that two such charges still add up without overflow.
// Sums over many charges (a tenant's total, a run restarted again and again) are not bounded by
// the inputs; the core checks them.
inline constexpr Time kMaxTime = int64_t{1} << 40;
inline constexpr int64_t kMaxGang = int64_t{1} << 24;
inline constexpr int64_t kMaxPoolNodes = int64_t{1} << 24;
inline constexpr int64_t kMaxAcceleratorsPerNode = 1024;
inline constexpr Micros kMaxPrice = 1'000'000 * kMicrosPerDollar;
inline constexpr int64_t kMaxWork = int64_t{1} << 62;
inline constexpr Micros kMaxMoney = int64_t{1} << 62;
inline constexpr int64_t kMaxBytes = int64_t{1} << 60;

// The charge for `accelerators` x `seconds` at `price_per_accel_hour`, rounded to the nearest
// micro-dollar (halves round up). Each charge is rounded once, when it is written to the ledger;
// sums of charges are exact.
Micros ChargeFor(int64_t accelerators, Duration seconds, Micros price_per_accel_hour);

// Seconds needed to do `work` at `rate` (rounded up: a job is not done until all work is done).
// Requires rate > 0 and work >= 0.
Duration RuntimeFor(Work work, Rate rate);

// Work done in `seconds` at `rate`, saturating at `cap`.
Work WorkDone(Duration seconds, Rate rate, Work cap);

// --- Checked arithmetic: the exact result, or nullopt when it does not fit int64. ---
std::optional<int64_t> CheckedAdd(int64_t a, int64_t b);
std::optional<int64_t> CheckedSub(int64_t a, int64_t b);
std::optional<int64_t> CheckedMul(int64_t a, int64_t b);
// Saturating versions: the exact result, or INT64_MAX / INT64_MIN when it does not fit.
int64_t SaturatingAdd(int64_t a, int64_t b);
int64_t SaturatingMul(int64_t a, int64_t b);
// ChargeFor, or nullopt when the charge does not fit int64.
std::optional<Micros> CheckedChargeFor(int64_t accelerators, Duration seconds,
                                       Micros price_per_accel_hour);
// round(value) as an int64 when `value` is finite and within [min, max]; else nullopt. For
// doubles that come from inputs (a scaled time, a speed x a unit), which std::llround would turn
// into undefined behaviour out of range.
std::optional<int64_t> RoundedInRange(double value, int64_t min, int64_t max);

// Parses a dollar amount such as "2.5", "0.000001" or "12" into micro-dollars without going
// through floating point. Returns false on anything else (sign, exponent, more than six decimals).
bool ParseDollars(const char* text, Micros* out);

// Formats micro-dollars as dollars with six decimals, e.g. 2500000 -> "2.500000".
void FormatDollars(Micros micros, char* buf, int size);

}  // namespace arbiter

#endif  // ARBITER_MODEL_UNITS_H_
