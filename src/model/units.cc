#include "model/units.h"

#include <cstdio>
#include <cstring>

namespace arbiter {

Micros ChargeFor(int64_t accelerators, Duration seconds, Micros price_per_accel_hour) {
  const Int128 product = static_cast<Int128>(accelerators) * seconds * price_per_accel_hour;
  const Int128 half = kSecondsPerHour / 2;
  if (product >= 0) return static_cast<Micros>((product + half) / kSecondsPerHour);
  return -static_cast<Micros>((-product + half) / kSecondsPerHour);
}

Duration RuntimeFor(Work work, Rate rate) { return (work + rate - 1) / rate; }

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
