#include "report/numbers.h"

#include <cmath>

#include "model/strings.h"
#include "report/table.h"

namespace arbiter::report {

Unit DurationUnitFor(double max) {
  if (max > 2 * 86400) return {86400, "days"};
  if (max > 2 * 3600) return {3600, "hours"};
  if (max > 120) return {60, "minutes"};
  return {1, "seconds"};
}

const std::vector<std::pair<double, const char*>>& DurationTicks() {
  static const auto* ticks = new std::vector<std::pair<double, const char*>>{
      {1, "1s"},           {10, "10s"},         {60, "1m"},           {600, "10m"},
      {3600, "1h"},        {6 * 3600, "6h"},    {86400, "1d"},        {7 * 86400, "1w"},
      {30 * 86400, "30d"}, {365 * 86400, "1y"}, {3650 * 86400, "10y"}};
  return *ticks;
}

std::string DurationTickLabel(double seconds) {
  for (const auto& [value, label] : DurationTicks()) {
    if (value == seconds) return label;
  }
  return HumanDuration(seconds);
}

double ToDollars(Micros m) { return static_cast<double>(m) / kMicrosPerDollar; }

std::string Dollars(double dollars) {
  if (dollars == 0) return "$0";
  const double a = std::fabs(dollars);
  if (a >= 1e6) return Format("$%.3gM", dollars / 1e6);
  if (a >= 1e3) return Format("$%.3gk", dollars / 1e3);
  if (a >= 100) return Format("$%.0f", dollars);
  return Format("$%.2f", dollars);
}

std::string DollarTick(double dollars) {
  const double a = std::fabs(dollars);
  if (a >= 1e6) return Format("$%gM", dollars / 1e6);
  if (a >= 1e3) return Format("$%gk", dollars / 1e3);
  return Format("$%g", dollars);
}

std::string Count(int64_t n) {
  std::string digits = StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? StrCat("-", out) : out;
}

std::string Plural(int64_t n, const char* noun) {
  return StrCat(Count(n), " ", noun, n == 1 ? "" : "s");
}

std::string Percent(double fraction) { return Format("%.1f%%", 100 * fraction); }

}  // namespace arbiter::report
