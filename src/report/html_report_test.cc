#include "report/html_report.h"

#include <cmath>
#include <set>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "model/testing.h"
#include "report/testing.h"

namespace arbiter {
namespace {

using ::arbiter::testing::Axes;
using ::arbiter::testing::AxesOf;
using ::arbiter::testing::BarRect;
using ::arbiter::testing::CountOf;
using ::arbiter::testing::ExpectPoints;
using ::arbiter::testing::kPixel;
using ::arbiter::testing::PlotSvg;
using ::arbiter::testing::Point;
using ::arbiter::testing::Range;
using ::arbiter::testing::SeriesNames;
using ::arbiter::testing::SeriesPoints;
using ::arbiter::testing::TagBalanceError;

constexpr Micros kDollar = kMicrosPerDollar;

// A small run, built by hand: a cloud (one 16-accelerator pool) and a rival (one 8-accelerator
// pool) with first-party demand of its own; four jobs over four hours.
//
//   job  tenant        submit  first start  end    accelerators
//   j0   lab           0       0            7200   8   on cloud
//   j1   lab           1800    3600         7200   4   on rival, interrupted once ($2 lost)
//   j2   rival-models  3600    3600         10800  4   on rival (first-party)
//   j3   lab           7200    10800        14400  8   on cloud
//
// Costs: lab $16 on cloud and $8 on rival (all on demand), rival-models $2 (internal).
class HtmlReportTest : public ::testing::Test {
 protected:
  HtmlReportTest() {
    Fleet& fleet = scenario_.fleet;
    const AcceleratorTypeId h100 = fleet.AddAcceleratorType("H100");
    const ProviderId cloud = fleet.AddProvider("cloud");
    const ProviderId rival = fleet.AddProvider("rival");
    ::arbiter::testing::AddTestPool(fleet, fleet.AddRegion(cloud, "r1"), h100, 4, 4, 4 * kDollar);
    ::arbiter::testing::AddTestPool(fleet, fleet.AddRegion(rival, "r2"), h100, 2, 4, 2 * kDollar);
    const TenantId lab = fleet.AddTenant({"lab", 1, std::nullopt});
    const TenantId models = fleet.AddTenant({"rival-models", 1, rival});
    scenario_.name = "tiny";
    const auto job = [&](const char* name, TenantId tenant, Time submit, int accelerators) {
      scenario_.jobs.push_back(
          ::arbiter::testing::TestJob(name, tenant, submit, accelerators, 100, {{h100, 1}}));
    };
    job("j0", lab, 0, 8);
    job("j1", lab, 1800, 4);
    job("j2", models, 3600, 4);
    job("j3", lab, 7200, 8);
    const auto outcome = [&](PoolId pool, Time start, Time end) {
      JobOutcome o;
      o.state = JobState::kFinished;
      o.pool = pool;
      o.first_start = start;
      o.end = end;
      o.starts = 1;
      outcomes_.push_back(o);
    };
    outcome(PoolId(0), 0, 7200);
    outcome(PoolId(1), 3600, 7200);
    outcome(PoolId(1), 3600, 10800);
    outcome(PoolId(0), 10800, 14400);
    outcomes_[1].starts = 2;
    outcomes_[1].interruptions = 1;
    outcomes_[1].lost_accelerator_seconds = 4 * 1800;
    outcomes_[1].lost_cost = 2 * kDollar;
    outcomes_[1].migrations = 1;  // it restarted on another provider

    summary_.scenario = "tiny";
    summary_.policy = "fifo";
    summary_.jobs = 4;
    summary_.finished = 4;
    summary_.end = 14400;
    summary_.total_cost = 26 * kDollar;
    summary_.accelerator_seconds = 26 * 3600;
    summary_.providers = {{cloud, 0, 0, 0.5, 16 * kDollar}, {rival, 0, 0, 0.25, 8 * kDollar}};
    summary_.providers[1].recovery.interruptions = 1;
    summary_.providers[1].recovery.lost_accelerator_seconds = 4 * 1800;
    TenantSpend lab_spend;
    lab_spend.tenant = lab;
    lab_spend.jobs = 3;
    lab_spend.finished = 3;
    lab_spend.cost = 24 * kDollar;
    lab_spend.cost_by_provider = {16 * kDollar, 8 * kDollar};
    lab_spend.cost_by_kind.on_demand = 24 * kDollar;
    lab_spend.recovery.egress_cost = kDollar / 2;
    lab_spend.recovery.useful_accelerator_seconds = 4 * 3600 + 8 * 3600;
    lab_spend.recovery.paid_accelerator_seconds = 4 * 3600 + 8 * 3600 + 4 * 1800;
    lab_spend.recovery.goodput = 0.96;
    TenantSpend models_spend;
    models_spend.tenant = models;
    models_spend.jobs = 1;
    models_spend.finished = 1;
    models_spend.cost = 2 * kDollar;
    models_spend.cost_by_provider = {0, 2 * kDollar};
    models_spend.cost_by_kind.internal = 2 * kDollar;
    summary_.tenants = {lab_spend, models_spend};
    summary_.recovery = lab_spend.recovery;
    summary_.recovery.restarts = 1;
    summary_.recovery.migrations = 1;

    timeline_.interval = 3600;
    timeline_.pools = 2;
    timeline_.times = {0, 3600, 7200, 10800, 14400};
    // Per sample: cloud's pool, then rival's.
    timeline_.capacity = {16, 8, 16, 8, 16, 8, 16, 8, 16, 8};
    timeline_.used = {0, 0, 8, 4, 12, 8, 12, 8, 4, 0};
    timeline_.used_first_party = {0, 0, 0, 0, 0, 4, 0, 4, 0, 0};
    timeline_.pending_jobs = {0, 1, 0, 1, 0};
    timeline_.pending_accelerators = {0, 4, 0, 8, 0};
  }

  std::string Report() const {
    return HtmlReport({scenario_, summary_, timeline_, outcomes_, audit_});
  }

  Scenario scenario_;
  RunSummary summary_;
  Timeline timeline_;
  std::vector<JobOutcome> outcomes_;
  std::vector<AuditRecord> audit_;  // none: this run did not use the market
};

void ExpectExactRange(const Range& r, double min, double max) {
  EXPECT_EQ(r.min, min);
  EXPECT_EQ(r.max, max);
}

// The points of a step series with values `v` at x = 0, 1, 2, ...
std::vector<Point> Steps(const Axes& axes, const std::vector<double>& v) {
  std::vector<Point> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const double x = static_cast<double>(i);
    if (i > 0) out.push_back(axes.At('L', x, v[i - 1]));
    out.push_back(axes.At(i == 0 ? 'M' : 'L', x, v[i]));
  }
  return out;
}

// The points of a stacked band with tops `top` over bottoms `bottom` at x = 0, 1, 2, ...
std::vector<Point> Band(const Axes& axes, const std::vector<double>& top,
                        const std::vector<double>& bottom) {
  std::vector<Point> out = Steps(axes, top);
  for (size_t j = 0; j < bottom.size(); ++j) {
    const size_t i = bottom.size() - 1 - j;
    const double x = static_cast<double>(i);
    out.push_back(axes.At('L', x, bottom[i]));
    if (i > 0) out.push_back(axes.At('L', x, bottom[i - 1]));
  }
  return out;
}

void ExpectBar(const std::string& svg, const char* series, const char* category, int index,
               int categories, double from, double to) {
  const Axes axes = AxesOf(svg);
  const double band = axes.area.width / categories;
  const ::arbiter::testing::Rect r = BarRect(svg, series, category);
  ASSERT_TRUE(r.found) << series << " in " << category;
  EXPECT_NEAR(r.x, axes.area.left + (index + 0.2) * band, kPixel) << series;
  EXPECT_NEAR(r.width, 0.6 * band, kPixel) << series;
  EXPECT_NEAR(r.y, axes.Y(to), kPixel) << series;
  EXPECT_NEAR(r.height, axes.Y(from) - axes.Y(to), kPixel) << series;
}

TEST_F(HtmlReportTest, IsWellFormedAndSelfContained) {
  const std::string html = Report();
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(TagBalanceError(html), "");
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  // Any src= or url( reference is inline: a data: URI or an id in the page.
  for (size_t at = html.find("src="); at != std::string::npos; at = html.find("src=", at + 1)) {
    EXPECT_EQ(html.compare(at, 10, "src=\"data:"), 0) << html.substr(at, 40);
  }
  for (size_t at = html.find("url("); at != std::string::npos; at = html.find("url(", at + 1)) {
    EXPECT_EQ(html.compare(at, 5, "url(#"), 0) << html.substr(at, 40);
  }
  // One <svg> per plot, each with a unique id.
  const std::vector<std::string> plots = {
      "use-0",          "use-1",     "queue-jobs",       "queue-accelerators",
      "queueing-delay", "jct-cdf",   "cost-by-tenant",   "cost-by-provider",
      "cost-by-kind",   "lost-work", "lost-by-provider", "restarts"};
  EXPECT_EQ(CountOf(html, "<svg"), plots.size());
  EXPECT_EQ(CountOf(html, "</svg>"), plots.size());
  for (const std::string& id : plots) {
    EXPECT_EQ(CountOf(html, "data-plot=\"" + id + "\""), 1u) << id;
    const std::string svg = PlotSvg(html, id);
    EXPECT_EQ(TagBalanceError(svg), "") << id;
    EXPECT_FALSE(SeriesNames(svg).empty()) << id;
  }
  // Element ids are unique on the page.
  std::set<std::string> ids;
  for (size_t at = html.find(" id=\""); at != std::string::npos; at = html.find(" id=\"", at + 1)) {
    const std::string id = html.substr(at + 5, html.find('"', at + 5) - at - 5);
    EXPECT_TRUE(ids.insert(id).second) << id;
  }
}

TEST_F(HtmlReportTest, HeadlineTableComesFirst) {
  const std::string html = Report();
  const size_t table = html.find("<table class=\"headline\">");
  ASSERT_NE(table, std::string::npos);
  EXPECT_LT(table, html.find("<svg"));
  EXPECT_NE(html.find("4 submitted: 4 finished, 0 running at the end, 0 waiting, 0 rejected"),
            std::string::npos);
  EXPECT_NE(html.find("$26.00 for 26 accelerator-hours ($1.00 per hour)"), std::string::npos);
  EXPECT_NE(html.find("cloud 50.0% &middot; rival 25.0%"), std::string::npos);
  EXPECT_NE(html.find("$2.00 (2.0 accelerator-hours) in 1 interruption of 1 job; 1 restart (1 to "
                      "another provider), $0.50 egress; goodput 96.0%"),
            std::string::npos);
  EXPECT_NE(html.find("<meta name=\"arbiter-page-height\" content=\""), std::string::npos);
}

TEST_F(HtmlReportTest, HeadlineShowsTheLowerBoundsWhenThereAreAny) {
  EXPECT_EQ(Report().find("lower bounds"), std::string::npos);
  summary_.bounds.jobs = 4;
  summary_.bounds.makespan = 7200;
  summary_.bounds.mean_jct = 3600;
  summary_.bounds.cost = 13 * kDollar;
  summary_.bounds.cost_ratio = 2.0;  // $26 over $13; no ratio for the others
  EXPECT_NE(Report().find("<tr><th>lower bounds</th><td>makespan 2h00m00s &middot; mean "
                          "completion time 1h00m00s &middot; cost $13.00 (&times;2.00)</td></tr>"),
            std::string::npos);
}

TEST_F(HtmlReportTest, UsePlotsStackPoolsUnderCapacity) {
  const std::string html = Report();
  // cloud has no first-party tenant: one band, its capacity.
  const std::string cloud = PlotSvg(html, "use-0");
  EXPECT_EQ(SeriesNames(cloud), (std::vector<std::string>{"r1/H100 in use", "capacity"}));
  const Axes c = AxesOf(cloud);
  ExpectExactRange(c.x, 0, 4);   // hours
  ExpectExactRange(c.y, 0, 20);  // capacity 16, ticks every 5
  ExpectPoints(SeriesPoints(cloud, "r1/H100 in use"), Band(c, {0, 8, 12, 12, 4}, {0, 0, 0, 0, 0}));
  ExpectPoints(SeriesPoints(cloud, "capacity"), Steps(c, {16, 16, 16, 16, 16}));
  EXPECT_NE(cloud.find(">time (hours)<"), std::string::npos);
  EXPECT_NE(cloud.find(">accelerators<"), std::string::npos);

  // rival: its first-party work (striped) under its external tenants.
  const std::string rival = PlotSvg(html, "use-1");
  EXPECT_EQ(SeriesNames(rival),
            (std::vector<std::string>{"r2/H100 first-party", "r2/H100 external", "capacity"}));
  const Axes r = AxesOf(rival);
  ExpectExactRange(r.x, 0, 4);
  ExpectExactRange(r.y, 0, 8);  // ticks every 2
  ExpectPoints(SeriesPoints(rival, "r2/H100 first-party"),
               Band(r, {0, 0, 4, 4, 0}, {0, 0, 0, 0, 0}));
  ExpectPoints(SeriesPoints(rival, "r2/H100 external"), Band(r, {0, 4, 8, 8, 0}, {0, 0, 4, 4, 0}));
  EXPECT_NE(rival.find("fill=\"url(#use-1-hatch-0)\""), std::string::npos);
}

TEST_F(HtmlReportTest, QueuePlotsFollowTheTimeline) {
  const std::string html = Report();
  const std::string jobs = PlotSvg(html, "queue-jobs");
  const Axes j = AxesOf(jobs);
  ExpectExactRange(j.x, 0, 4);
  ExpectExactRange(j.y, 0, 1);
  ExpectPoints(SeriesPoints(jobs, "jobs waiting"), Steps(j, {0, 1, 0, 1, 0}));
  const std::string accelerators = PlotSvg(html, "queue-accelerators");
  const Axes a = AxesOf(accelerators);
  ExpectExactRange(a.y, 0, 8);
  ExpectPoints(SeriesPoints(accelerators, "accelerators requested"), Steps(a, {0, 4, 0, 8, 0}));
}

TEST_F(HtmlReportTest, QueueingDelayIsBucketedBySubmitHour) {
  // Hour 0: j0 waited 0 s and j1 1800 s (mean 15 min, p99 30 min); hour 1: j2 0 s; hour 2: j3
  // 3600 s. The largest p99 is an hour, so the axis is in minutes.
  const std::string svg = PlotSvg(Report(), "queueing-delay");
  const Axes d = AxesOf(svg);
  ExpectExactRange(d.x, 0, 4);
  ExpectExactRange(d.y, 0, 60);
  EXPECT_NE(svg.find(">queueing delay (minutes)<"), std::string::npos);
  EXPECT_NE(svg.find(">submit time (hours)<"), std::string::npos);
  ExpectPoints(SeriesPoints(svg, "mean"),
               {d.At('M', 0.5, 15), d.At('L', 1.5, 0), d.At('L', 2.5, 60)});
  ExpectPoints(SeriesPoints(svg, "p99"),
               {d.At('M', 0.5, 30), d.At('L', 1.5, 0), d.At('L', 2.5, 60)});
}

TEST_F(HtmlReportTest, CompletionTimeCdfPerTenant) {
  // lab: 7200, 5400, 7200 s; rival-models: 7200 s. Log axis from the 1 h tick to the 6 h one.
  const std::string svg = PlotSvg(Report(), "jct-cdf");
  EXPECT_EQ(SeriesNames(svg), (std::vector<std::string>{"lab", "rival-models"}));
  const Axes a = AxesOf(svg);
  EXPECT_TRUE(a.log_x);
  ExpectExactRange(a.x, 3600, 21600);
  ExpectExactRange(a.y, 0, 1);
  ExpectPoints(SeriesPoints(svg, "lab"),
               {a.At('M', 5400, 0), a.At('L', 5400, 1.0 / 3), a.At('L', 7200, 1.0 / 3),
                a.At('L', 7200, 1), a.At('L', 21600, 1)});
  ExpectPoints(SeriesPoints(svg, "rival-models"),
               {a.At('M', 7200, 0), a.At('L', 7200, 1), a.At('L', 21600, 1)});
  EXPECT_NE(svg.find(">1h<"), std::string::npos);
  EXPECT_NE(svg.find(">6h<"), std::string::npos);
}

TEST_F(HtmlReportTest, CostBarsByTenantProviderAndKind) {
  const std::string html = Report();
  const std::string by_tenant = PlotSvg(html, "cost-by-tenant");
  ExpectExactRange(AxesOf(by_tenant).y, 0, 25);
  ExpectBar(by_tenant, "cloud", "lab", 0, 2, 0, 16);
  ExpectBar(by_tenant, "rival", "lab", 0, 2, 16, 24);
  ExpectBar(by_tenant, "rival", "rival-models", 1, 2, 0, 2);
  EXPECT_FALSE(BarRect(by_tenant, "cloud", "rival-models").found);
  EXPECT_NE(by_tenant.find(">$24.00<"), std::string::npos);  // the bar's total

  const std::string by_provider = PlotSvg(html, "cost-by-provider");
  ExpectExactRange(AxesOf(by_provider).y, 0, 20);
  ExpectBar(by_provider, "lab", "cloud", 0, 2, 0, 16);
  ExpectBar(by_provider, "lab", "rival", 1, 2, 0, 8);
  ExpectBar(by_provider, "rival-models", "rival", 1, 2, 8, 10);

  const std::string by_kind = PlotSvg(html, "cost-by-kind");
  ExpectExactRange(AxesOf(by_kind).y, 0, 25);
  ExpectBar(by_kind, "lab", "on-demand", 0, 7, 0, 24);
  ExpectBar(by_kind, "rival-models", "internal", 4, 7, 0, 2);
  ExpectBar(by_kind, "lab", "lost work", 6, 7, 0, 2);
  for (const char* kind : {"spot", "committed", "reserved", "egress"}) {
    EXPECT_NE(by_kind.find(StrCat(">", kind, "</text>")), std::string::npos) << kind;
    EXPECT_FALSE(BarRect(by_kind, "lab", kind).found) << kind;
  }
}

TEST_F(HtmlReportTest, LostWorkSectionOnlyWhenJobsWereInterrupted) {
  std::string html = Report();
  const std::string svg = PlotSvg(html, "lost-work");
  ExpectExactRange(AxesOf(svg).y, 0, 2);
  ExpectBar(svg, "lost work", "lab", 0, 2, 0, 2);
  EXPECT_NE(html.find("<section id=\"lost-work\">"), std::string::npos);
  // Where it was lost: 4 accelerators x 30 minutes on the rival's pool.
  const std::string by_provider = PlotSvg(html, "lost-by-provider");
  ExpectExactRange(AxesOf(by_provider).y, 0, 2);
  ExpectBar(by_provider, "lost accelerator-hours", "rival", 1, 2, 0, 2);
  EXPECT_FALSE(BarRect(by_provider, "lost accelerator-hours", "cloud").found);
  // j1's one restart was a migration.
  const std::string restarts = PlotSvg(html, "restarts");
  ExpectBar(restarts, "migration to another provider", "lab", 0, 2, 0, 1);
  EXPECT_FALSE(BarRect(restarts, "restart, same provider", "lab").found);
  EXPECT_FALSE(BarRect(restarts, "migration to another provider", "rival-models").found);
  // The table: 1 restart, 1 migration, 2.0 hours lost, $0.50 egress, 96% goodput for lab.
  EXPECT_NE(html.find("<tr><td>lab</td><td class=\"n\">1</td><td class=\"n\">1</td>"
                      "<td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">2.0</td>"
                      "<td class=\"n\">$2.00</td><td class=\"n\">$0.50</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"n\">96.0%</td></tr>"), std::string::npos);

  outcomes_[1].interruptions = 0;
  outcomes_[1].lost_cost = 0;
  outcomes_[1].lost_accelerator_seconds = 0;
  html = Report();
  EXPECT_EQ(html.find("<section id=\"lost-work\">"), std::string::npos);
  EXPECT_EQ(PlotSvg(html, "lost-work"), "");
  EXPECT_EQ(PlotSvg(html, "restarts"), "");
  EXPECT_EQ(CountOf(html, "<svg"), 9u);
  EXPECT_NE(html.find("none (no run was interrupted)"), std::string::npos);
}

TEST_F(HtmlReportTest, LaunchSectionOnlyWhenLaunchesFailedOrTookTime) {
  EXPECT_EQ(Report().find("<section id=\"launches\">"), std::string::npos);
  // The rival's pools: 6 attempts, 2 up (900 s to come up in all), 1 failed, 1 timed out, 2
  // cancelled after another attempt won, which cost $1.50; the cloud's: 3 up at once.
  summary_.providers[0].recovery.launch = {3, 3, 0, 0, 0, 0, 0, 0};
  summary_.providers[1].recovery.launch = {6, 2, 2, 1, 2, 900, 3600, 1'500'000};
  summary_.recovery.launch = {9, 5, 2, 1, 2, 900, 3600, 1'500'000};
  const std::string html = Report();
  EXPECT_NE(html.find("<section id=\"launches\">"), std::string::npos);
  const std::string svg = PlotSvg(html, "launch-outcomes");
  EXPECT_EQ(TagBalanceError(svg), "");
  ExpectBar(svg, "up", "cloud", 0, 2, 0, 3);
  ExpectBar(svg, "up", "rival", 1, 2, 0, 2);
  ExpectBar(svg, "cancelled (another attempt won)", "rival", 1, 2, 2, 4);
  ExpectBar(svg, "timed out", "rival", 1, 2, 4, 5);
  ExpectBar(svg, "failed", "rival", 1, 2, 5, 6);
  EXPECT_FALSE(BarRect(svg, "failed", "cloud").found);
  EXPECT_NE(html.find("<tr><td>rival</td><td class=\"n\">6</td><td class=\"n\">2</td>"
                      "<td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">2</td>"
                      "<td class=\"n\">7m30s</td><td class=\"n\">$1.50</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr><td>cloud</td><td class=\"n\">3</td><td class=\"n\">3</td>"
                      "<td class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\">0</td>"
                      "<td class=\"n\">0s</td><td class=\"n\">$0</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("9 attempts: 5 up (3m00s to come up on average), 2 failed (1 timed out), "
                      "2 cancelled for $1.50"),
            std::string::npos);
}

TEST_F(HtmlReportTest, NoMarketSectionWithoutMarketActivity) {
  const std::string html = Report();
  EXPECT_EQ(html.find("<section id=\"market\">"), std::string::npos);
  EXPECT_EQ(html.find("capacity market"), std::string::npos);
  EXPECT_EQ(PlotSvg(html, "market-asks"), "");
}

// The same run with the capacity market at work: lab holds a right of first refusal (rofr mode,
// one-hour window) with cloud as the holder. Its three requests:
//
//   r1 (t 0)     one item. rival quotes at 600; cloud is asked to match at 600, matches at 2400
//                (wait 30 min) and wins by right; delivered at 2400.
//   r2 (t 1800)  two items. rival quotes item 0 and declines item 1 at 2400 (in part); cloud is
//                asked to match both at 2400 and times out at 6000 (wait 60 min): item 0 goes to
//                rival (late, 7000), item 1 is unplaced.
//   r3 (t 7200)  one small item, not covered: both asked at once; cloud offers (7500), rival
//                declines (7800); cloud wins and never delivers (released at 12000).
//
// rival also preempts one of lab's spot runs for its own demand (9000).
class MarketReportTest : public HtmlReportTest {
 protected:
  MarketReportTest() {
    const ProviderId cloud(0);
    const ProviderId rival(1);
    const TenantId lab(0);
    const auto record = [&](Time t, AuditKind kind, RequestId request, ProviderId provider,
                            int32_t item, AskPhase phase = AskPhase::kOpen) {
      AuditRecord r;
      r.time = t;
      r.kind = kind;
      r.request = request;
      r.tenant = lab;
      r.provider = provider;
      r.item = item;
      r.phase = phase;
      audit_.push_back(r);
    };
    const ProviderId none;
    using K = AuditKind;
    using P = AskPhase;
    record(0, K::kRequest, 1, none, 0);
    record(0, K::kAsk, 1, rival, 0, P::kQuote);
    record(600, K::kOffer, 1, rival, 0, P::kQuote);
    record(600, K::kAsk, 1, cloud, 0, P::kMatch);
    record(1800, K::kRequest, 2, none, 0);
    record(1800, K::kRequest, 2, none, 1);
    record(1800, K::kAsk, 2, rival, 0, P::kQuote);
    record(1800, K::kAsk, 2, rival, 1, P::kQuote);
    record(2400, K::kOffer, 1, cloud, 0, P::kMatch);
    record(2400, K::kAward, 1, cloud, 0, P::kMatch);
    record(2400, K::kDeliver, 1, cloud, 0);
    record(2400, K::kOffer, 2, rival, 0, P::kQuote);
    record(2400, K::kDecline, 2, rival, 1, P::kQuote);
    record(2400, K::kAsk, 2, cloud, 0, P::kMatch);
    record(2400, K::kAsk, 2, cloud, 1, P::kMatch);
    record(6000, K::kTimeout, 2, cloud, 0);
    record(6000, K::kTimeout, 2, cloud, 1);
    record(6000, K::kAward, 2, rival, 0);
    record(6000, K::kUnplaced, 2, none, 1);
    record(7000, K::kLate, 2, rival, 0);
    record(7200, K::kRequest, 3, none, 0);
    record(7200, K::kAsk, 3, cloud, 0);
    record(7200, K::kAsk, 3, rival, 0);
    record(7500, K::kOffer, 3, cloud, 0);
    record(7800, K::kDecline, 3, rival, 0);
    record(7800, K::kAward, 3, cloud, 0);
    record(9000, K::kPreempt, 0, rival, -1);
    record(12000, K::kRelease, 3, cloud, 0);

    RofrTerms rofr;
    rofr.window = 3600;
    scenario_.fleet.AddContract({lab, cloud, rofr});

    // What sim/metrics makes of those records.
    ProviderMarket c;
    c.provider = cloud;
    c.requests_seen = 3;
    c.asks = 3;
    c.accepted_full = 2;
    c.timed_out = 1;
    c.items_won = 2;
    c.items_won_by_right = 1;
    c.delivered = 1;
    c.released = 1;
    c.new_capacity_accelerator_seconds = 16 * 3600;
    ProviderMarket r;
    r.provider = rival;
    r.requests_seen = 3;
    r.asks = 3;
    r.accepted_full = 1;
    r.accepted_part = 1;
    r.declined = 1;
    r.items_won = 1;
    r.delivered_late = 1;
    r.preemptions = 1;
    r.new_capacity_accelerator_seconds = 8 * 3600;
    r.first_party_delayed_job_seconds = 1800;
    r.first_party_displaced_accelerator_seconds = 4 * 1800;
    summary_.market_providers = {c, r};
    TenantMarket l;
    l.tenant = lab;
    l.requests = 3;
    l.items = 4;
    l.rofr_wait = 5400;
    l.new_capacity_accelerator_seconds = 24 * 3600;
    l.new_capacity_share = {2.0 / 3, 1.0 / 3};
    TenantMarket m;
    m.tenant = TenantId(1);
    m.new_capacity_share = {0, 0};
    summary_.market_tenants = {l, m};
  }
};

TEST_F(MarketReportTest, SectionAndHeadlineAppearWithMarketActivity) {
  const std::string html = Report();
  EXPECT_EQ(TagBalanceError(html), "");
  EXPECT_NE(html.find("<section id=\"market\">"), std::string::npos);
  EXPECT_LT(html.find("<section id=\"cost\">"), html.find("<section id=\"market\">"));
  EXPECT_LT(html.find("<section id=\"market\">"), html.find("<section id=\"lost-work\">"));
  EXPECT_NE(html.find("3 requests for 4 items; 3 items awarded (1 by right of first refusal), "
                      "1 released; 1 preemption"),
            std::string::npos);
  for (const char* id : {"market-requests", "market-asks", "market-won", "market-delivery",
                         "market-share", "market-rofr-wait"}) {
    const std::string svg = PlotSvg(html, id);
    ASSERT_NE(svg, "") << id;
    EXPECT_EQ(TagBalanceError(svg), "") << id;
  }
  EXPECT_EQ(CountOf(html, "<svg"), 18u);  // 12 of the run (3 on lost work) + 6 of the market
}

TEST_F(MarketReportTest, RequestsPerProviderByTenantFromTheAuditRecords) {
  // Each provider was asked about all three of lab's requests (cloud about r2 once, for both
  // items: distinct requests count).
  const std::string svg = PlotSvg(Report(), "market-requests");
  EXPECT_EQ(SeriesNames(svg), (std::vector<std::string>{"lab"}));
  ExpectExactRange(AxesOf(svg).y, 0, 5);  // at least 0 to 5, so that ticks are whole requests
  ExpectBar(svg, "lab", "cloud", 0, 2, 0, 3);
  ExpectBar(svg, "lab", "rival", 1, 2, 0, 3);
  EXPECT_NE(svg.find(">requests asked about<"), std::string::npos);

  // Without the audit records, the summary's count stands alone.
  audit_.clear();
  summary_.market_providers[0].requests_seen = 2;
  const std::string html = Report();
  const std::string fallback = PlotSvg(html, "market-requests");
  EXPECT_EQ(SeriesNames(fallback), (std::vector<std::string>{"requests"}));
  ExpectBar(fallback, "requests", "cloud", 0, 2, 0, 2);
  ExpectBar(fallback, "requests", "rival", 1, 2, 0, 3);
  EXPECT_EQ(PlotSvg(html, "market-rofr-wait"), "");
  EXPECT_NE(html.find("This run kept no audit records (market.jsonl)"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>lab</td><td class=\"n\">3</td><td class=\"n\">4</td>"
                      "<td class=\"n\">-</td><td class=\"n\">1h30m00s</td>"),
            std::string::npos);
}

TEST_F(MarketReportTest, NoHolderWaitPlotWhenNoRequestWentToAHolder) {
  std::vector<AuditRecord> open;
  for (const AuditRecord& r : audit_) {
    if (r.phase != AskPhase::kMatch && r.request != 2) open.push_back(r);
  }
  audit_ = open;
  const std::string html = Report();
  EXPECT_EQ(PlotSvg(html, "market-rofr-wait"), "");
  EXPECT_NE(html.find("No request waited on a right-of-first-refusal holder."), std::string::npos);
  EXPECT_NE(PlotSvg(html, "market-requests"), "");
}

TEST_F(MarketReportTest, AsksStackedByAnswer) {
  const std::string svg = PlotSvg(Report(), "market-asks");
  EXPECT_EQ(SeriesNames(svg), (std::vector<std::string>{"accepted in full", "accepted in part",
                                                        "declined", "timed out"}));
  ExpectExactRange(AxesOf(svg).y, 0, 5);
  ExpectBar(svg, "accepted in full", "cloud", 0, 2, 0, 2);
  ExpectBar(svg, "timed out", "cloud", 0, 2, 2, 3);
  ExpectBar(svg, "accepted in full", "rival", 1, 2, 0, 1);
  ExpectBar(svg, "accepted in part", "rival", 1, 2, 1, 2);
  ExpectBar(svg, "declined", "rival", 1, 2, 2, 3);
  EXPECT_FALSE(BarRect(svg, "declined", "cloud").found);
  EXPECT_FALSE(BarRect(svg, "timed out", "rival").found);
}

TEST_F(MarketReportTest, ItemsWonByRightAndDeliveries) {
  const std::string html = Report();
  const std::string won = PlotSvg(html, "market-won");
  ExpectExactRange(AxesOf(won).y, 0, 5);
  ExpectBar(won, "by right", "cloud", 0, 2, 0, 1);
  ExpectBar(won, "best offer", "cloud", 0, 2, 1, 2);
  ExpectBar(won, "best offer", "rival", 1, 2, 0, 1);
  EXPECT_FALSE(BarRect(won, "by right", "rival").found);
  EXPECT_NE(won.find("fill=\"url(#market-won-hatch-0)\""), std::string::npos);

  const std::string delivery = PlotSvg(html, "market-delivery");
  ExpectExactRange(AxesOf(delivery).y, 0, 5);
  ExpectBar(delivery, "on time", "cloud", 0, 2, 0, 1);
  ExpectBar(delivery, "released", "cloud", 0, 2, 1, 2);
  ExpectBar(delivery, "late", "rival", 1, 2, 0, 1);
  EXPECT_FALSE(BarRect(delivery, "on time", "rival").found);
}

TEST_F(MarketReportTest, EachTenantsShareOfNewCapacity) {
  // Only lab bought new capacity: two thirds from cloud, a third from rival.
  const std::string svg = PlotSvg(Report(), "market-share");
  EXPECT_EQ(SeriesNames(svg), (std::vector<std::string>{"cloud", "rival"}));
  ExpectExactRange(AxesOf(svg).y, 0, 100);
  ExpectBar(svg, "cloud", "lab", 0, 1, 0, 200.0 / 3);
  ExpectBar(svg, "rival", "lab", 0, 1, 200.0 / 3, 100);
  EXPECT_FALSE(BarRect(svg, "cloud", "rival-models").found);
  EXPECT_NE(svg.find(">100%<"), std::string::npos);
}

TEST_F(MarketReportTest, HolderWaitPerRequestFromAskToAnswerOrTimeout) {
  // r1 waited 30 minutes for cloud's match, r2 60 minutes until its timeout; r3 never went to
  // the holder. The axis reaches the one-hour window.
  const std::string html = Report();
  const std::string svg = PlotSvg(html, "market-rofr-wait");
  EXPECT_EQ(SeriesNames(svg), (std::vector<std::string>{"lab"}));
  const Axes a = AxesOf(svg);
  ExpectExactRange(a.x, 0, 60);
  ExpectExactRange(a.y, 0, 1);
  EXPECT_NE(svg.find(">wait on the holder (minutes)<"), std::string::npos);
  ExpectPoints(SeriesPoints(svg, "lab"), {a.At('M', 30, 0), a.At('L', 30, 0.5), a.At('L', 60, 0.5),
                                          a.At('L', 60, 1), a.At('L', 60, 1)});
  EXPECT_NE(html.find("lab's holder cloud has 1 hour to answer"), std::string::npos);
}

TEST_F(MarketReportTest, TablesOfProvidersAndTenants) {
  const std::string html = Report();
  const size_t market = html.find("<section id=\"market\">");
  const std::string section = html.substr(market, html.find("</section>", market) - market);
  // rival: asked about 3 requests, 3 asks, won 1, none by right, none released, 1 preemption,
  // 8 accelerator-hours sold, its own jobs delayed half an hour and displaced by 2
  // accelerator-hours.
  EXPECT_NE(section.find("<tr><td>rival</td><td class=\"n\">3</td><td class=\"n\">3</td>"
                         "<td class=\"n\">1</td><td class=\"n\">0</td><td class=\"n\">0</td>"
                         "<td class=\"n\">1</td><td class=\"n\">8</td><td class=\"n\">0.5</td>"
                         "<td class=\"n\">2.0</td></tr>"),
            std::string::npos)
      << section;
  // lab: 3 requests, 4 items, 2 put to the holder, 1h30m in all, median 30m, longest 1h, 24
  // accelerator-hours of new capacity.
  EXPECT_NE(section.find("<tr><td>lab</td><td class=\"n\">3</td><td class=\"n\">4</td>"
                         "<td class=\"n\">2</td><td class=\"n\">1h30m00s</td>"
                         "<td class=\"n\">30m00s</td><td class=\"n\">1h00m00s</td>"
                         "<td class=\"n\">24</td><td>cloud 66.7% &middot; rival 33.3%</td></tr>"),
            std::string::npos)
      << section;
}

TEST_F(HtmlReportTest, WithoutATimelineSaysSo) {
  timeline_ = Timeline();
  const std::string html = Report();
  EXPECT_EQ(TagBalanceError(html), "");
  EXPECT_EQ(PlotSvg(html, "use-0"), "");
  EXPECT_EQ(PlotSvg(html, "queue-jobs"), "");
  EXPECT_NE(PlotSvg(html, "queueing-delay"), "");  // from the outcomes
  EXPECT_NE(html.find("This run recorded no timeline."), std::string::npos);
}

TEST_F(HtmlReportTest, EscapesNames) {
  scenario_.fleet.tenants[0].name = "<lab & co>";
  scenario_.description = "a \"quoted\" <b>description</b>";
  const std::string html = Report();
  EXPECT_EQ(TagBalanceError(html), "");
  EXPECT_EQ(html.find("<lab & co>"), std::string::npos);
  EXPECT_NE(html.find("&lt;lab &amp; co&gt;"), std::string::npos);
  EXPECT_NE(html.find("a &quot;quoted&quot; &lt;b&gt;description&lt;/b&gt;"), std::string::npos);
}

TEST_F(HtmlReportTest, IsDeterministic) { EXPECT_EQ(Report(), Report()); }

}  // namespace
}  // namespace arbiter
