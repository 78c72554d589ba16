// How the HTML reports write numbers: dollars, counts, percentages and the unit a duration reads
// best in. Shared by the run report (html_report.h) and the sweep report (sweep_report.h).
#ifndef ARBITER_REPORT_NUMBERS_H_
#define ARBITER_REPORT_NUMBERS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/units.h"

namespace arbiter::report {

struct Unit {
  double seconds = 1;
  const char* name = "seconds";
};

// The unit in which durations up to `max` seconds read best: days above two days, hours above two
// hours, minutes above two minutes, else seconds.
Unit DurationUnitFor(double max);

double ToDollars(Micros m);

// Three significant figures: $2.43M, $273k, $12.5, $0.10.
std::string Dollars(double dollars);

// A round tick value in dollars: $0, $500, $20k, $1.5M.
std::string DollarTick(double dollars);

// Thousands separated by commas: 18,370.
std::string Count(int64_t n);

// "1 job", "2 jobs".
std::string Plural(int64_t n, const char* noun);

// Round durations for a logarithmic time axis (1 s, 10 s, 1 min, ... 10 years), with labels.
const std::vector<std::pair<double, const char*>>& DurationTicks();

// The label of one of DurationTicks ("1h"), else the duration in readable units.
std::string DurationTickLabel(double seconds);

// 0.123 -> "12.3%".
std::string Percent(double fraction);

}  // namespace arbiter::report

#endif  // ARBITER_REPORT_NUMBERS_H_
