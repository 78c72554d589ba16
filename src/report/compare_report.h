// The HTML report of a comparison (`arbiter compare ... --report FILE.html`): one self-contained
// page, laid out like a run's report (html_report.h), that sets the policies side by side.
//
// Plots: the distribution (CDF) of job completion time, one line per policy, on a logarithmic
// time axis; bars of mean completion time, makespan and total cost per policy, each with the
// scenario's lower bound as a dashed line; each policy's ratios to the bounds. Then the table of
// every policy: the columns of compare.csv, in readable units.
#ifndef ARBITER_REPORT_COMPARE_REPORT_H_
#define ARBITER_REPORT_COMPARE_REPORT_H_

#include <string>
#include <vector>

#include "model/comparison.h"
#include "report/html_report.h"

namespace arbiter {

// The sections of the page: plots, then the table.
std::vector<Section> CompareSections(const CompareResult& result);

// The whole page.
std::string CompareHtmlReport(const CompareResult& result);

}  // namespace arbiter

#endif  // ARBITER_REPORT_COMPARE_REPORT_H_
