#include "model/units.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace arbiter {

Micros ChargeFor(int64_t accelerators, Duration seconds, Micros price_per_accel_hour) {
  const Int128 product = static_cast<Int128>(accelerators) * seconds * price_per_accel_hour;
  const Int128 half = kSecondsPerHour / 2;
  if (product >= 0) return static_cast<Micros>((product + half) / kSecondsPerHour);
  return -static_cast<Micros>((-product + half) / kSecondsPerHour);
}

std::optional<Micros> CheckedChargeFor(int64_t accelerators, Duration seconds,
                                       Micros price_per_accel_hour) {
  // accelerators x seconds always fits 128 bits; the price may not fit on top of it.
  Int128 product = 0;
  if (__builtin_mul_overflow(static_cast<Int128>(accelerators) * seconds,
                             static_cast<Int128>(price_per_accel_hour), &product)) {
    return std::nullopt;
  }
  const Int128 half = kSecondsPerHour / 2;
  const Int128 rounded =
      product >= 0 ? (product + half) / kSecondsPerHour : -((-product + half) / kSecondsPerHour);
  if (rounded > std::numeric_limits<Micros>::max() ||
      rounded < std::numeric_limits<Micros>::min()) {
    return std::nullopt;
  }
  return static_cast<Micros>(rounded);
}

std::optional<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> CheckedSub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> CheckedMul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_add_overflow(a, b, &r)) return r;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_mul_overflow(a, b, &r)) return r;
  return (a < 0) == (b < 0) ? std::numeric_limits<int64_t>::max()
                            : std::numeric_limits<int64_t>::min();
}

std::optional<int64_t> RoundedInRange(double value, int64_t min, int64_t max) {
  if (!std::isfinite(value)) return std::nullopt;
  const double r = std::round(value);
  // Compare as doubles first: casting an out-of-range double to int64 is undefined.
  if (r < static_cast<double>(min) || r > static_cast<double>(max) || r >= 0x1p63 || r < -0x1p63) {
    return std::nullopt;
  }
  const auto v = static_cast<int64_t>(r);
  if (v < min || v > max) return std::nullopt;
  return v;
}

// Not (work + rate - 1) / rate: that sum overflows for work and rate near 2^62, both in range.
Duration RuntimeFor(Work work, Rate rate) { return work / rate + (work % rate != 0 ? 1 : 0); }

Work WorkDone(Duration seconds, Rate rate, Work cap) {
  if (seconds <= 0) return 0;
  const Int128 done = static_cast<Int128>(seconds) * rate;
  return done >= cap ? cap : static_cast<Work>(done);
}

bool ParseDollars(const char* text, Micros* out) {
  const char* p = text;
  if (*p == '\0') return false;
  Int128 whole = 0;
  bool digits = false;
  while (*p >= '0' && *p <= '9') {
    whole = whole * 10 + (*p - '0');
    if (whole > static_cast<Int128>(1) << 62) return false;
    digits = true;
    ++p;
  }
  int64_t frac = 0;
  int frac_digits = 0;
  if (*p == '.') {
    ++p;
    while (*p >= '0' && *p <= '9') {
      if (frac_digits == 6) {
        if (*p != '0') return false;  // more precision than a micro-dollar
      } else {
        frac = frac * 10 + (*p - '0');
        ++frac_digits;
      }
      digits = true;
      ++p;
    }
  }
  if (!digits || *p != '\0') return false;
  while (frac_digits < 6) {
    frac *= 10;
    ++frac_digits;
  }
  const Int128 total = whole * kMicrosPerDollar + frac;
  if (total > std::numeric_limits<Micros>::max()) return false;
  *out = static_cast<Micros>(total);
  return true;
}

void FormatDollars(Micros micros, char* buf, int size) {
  const bool negative = micros < 0;
  const unsigned long long abs = negative ? 0ULL - static_cast<unsigned long long>(micros)
                                          : static_cast<unsigned long long>(micros);
  std::snprintf(buf, static_cast<size_t>(size), "%s%llu.%06llu", negative ? "-" : "",
                abs / kMicrosPerDollar, abs % kMicrosPerDollar);
}

}  // namespace arbiter
