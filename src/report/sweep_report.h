// The HTML report of a sweep (`arbiter sweep ... --report FILE.html`): one self-contained page,
// laid out like a run's report (html_report.h), that plots the grid and lists it.
//
// Plots put the first axis of the grid on x, with one line per combination of the other axes'
// values (for two axes, one line per value of the second): mean completion time, p99 completion
// time and total cost at each point (with one axis, mean and p99 share a plot). A numeric first
// axis is drawn to scale; otherwise its values are evenly spaced categories. Then the table of
// every point: the columns of sweep.csv, in readable units.
#ifndef ARBITER_REPORT_SWEEP_REPORT_H_
#define ARBITER_REPORT_SWEEP_REPORT_H_

#include <string>
#include <vector>

#include "model/sweep_result.h"
#include "report/html_report.h"

namespace arbiter {

// The sections of the page: plots, then the table.
std::vector<Section> SweepSections(const SweepResult& result);

// The whole page.
std::string SweepHtmlReport(const SweepResult& result);

}  // namespace arbiter

#endif  // ARBITER_REPORT_SWEEP_REPORT_H_
