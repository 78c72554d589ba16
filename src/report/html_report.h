// The HTML report of a run: one self-contained page (inline CSS and SVG; no scripts, no fonts,
// images or styles fetched from anywhere) with a table of headline numbers and plots of where
// capacity went, who waited, and what it cost. docs/outputs.md describes what each plot shows.
//
// The page is a list of sections, each built by one function from plain data (model types only),
// each plot drawn by one chart function of report/svg.h. To add a plot: compute its data from a
// ReportInput (if the data is new, add a plain field to it or to RunSummary), draw it with a chart
// function, and add the Figure to a section, or a new section to ReportSections().
#ifndef ARBITER_REPORT_HTML_REPORT_H_
#define ARBITER_REPORT_HTML_REPORT_H_

#include <span>
#include <string>
#include <vector>

#include "model/market.h"
#include "model/outcome.h"
#include "model/scenario.h"
#include "model/summary.h"
#include "model/timeline.h"

namespace arbiter {

// Everything a report is made from; all borrowed, read only.
struct ReportInput {
  const Scenario& scenario;
  const RunSummary& summary;
  const Timeline& timeline;                 // empty when the run recorded none
  const std::vector<JobOutcome>& outcomes;  // one per job of scenario.jobs, in the same order
  // The capacity market's audit records in time order (market.jsonl); empty when there are none.
  std::span<const AuditRecord> audit = {};
};

// One plot: an <svg> from report/svg.h, with its title and a caption (HTML).
struct Figure {
  std::string title;
  std::string svg;
  std::string caption;
  bool wide = false;  // spans the page (else two figures share a row)
  int height = 0;     // the svg's height in pixels (for the page's height estimate)
};

struct Section {
  std::string id;  // the HTML anchor; unique on the page
  std::string title;
  std::string intro;  // HTML before the figures
  std::vector<Figure> figures;
  std::string after;   // HTML after the figures (e.g. a table)
  int after_rows = 0;  // table rows in `after` (for the page's height estimate)
};

// The sections of a run's report, in page order. The market section is present only when the run
// has market activity (asks, awards or preemptions); the lost-work section only when some job was
// interrupted.
std::vector<Section> ReportSections(const ReportInput& input);

// The headline numbers, as an HTML table.
std::string HeadlineTable(const ReportInput& input);

// The whole page. Its <head> carries <meta name="arbiter-page-height">, an estimate (in CSS
// pixels, a little generous) of the page's height, which scripts/screenshot.sh uses as the
// window height so that one screenshot holds the whole page.
std::string HtmlReport(const ReportInput& input);

// A page of `sections` under a title and a header (HTML); HtmlReport's layout, for other reports
// (e.g. comparisons) to reuse.
std::string HtmlPage(const std::string& title, const std::string& header, int header_rows,
                     const std::vector<Section>& sections);

}  // namespace arbiter

#endif  // ARBITER_REPORT_HTML_REPORT_H_
