// The readable summary a run prints on the terminal.
#ifndef ARBITER_REPORT_TABLE_H_
#define ARBITER_REPORT_TABLE_H_

#include <string>

#include "model/scenario.h"
#include "model/summary.h"

namespace arbiter {

// Headline figures, then one line per provider and per tenant. Plain text, at most 100 columns.
std::string SummaryTable(const Scenario& scenario, const RunSummary& summary);

// "3d 04:05:06"-style rendering of a duration in seconds.
std::string HumanDuration(double seconds);

}  // namespace arbiter

#endif  // ARBITER_REPORT_TABLE_H_
