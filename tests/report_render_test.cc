// End to end: the HTML report of the default scenario, loaded in Debian's headless Chromium (the
// README's test command installs it). Checks that the browser parses every plot as SVG and that
// the documented screenshot command (scripts/screenshot.sh) draws the page.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli_case.h"
#include "gtest/gtest.h"
#include "report/testing.h"

namespace arbiter {
namespace {

using testing::Slurp;

namespace fs = std::filesystem;
using ::arbiter::testing::CountOf;
using ::arbiter::testing::PlotSvg;

constexpr const char* kChromium = "/usr/bin/chromium";

// Runs a shell command and returns its standard output.
std::string Output(const std::string& command, int* status) {
  std::string out;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *status = -1;
    return out;
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  *status = ::pclose(pipe);
  return out;
}

std::vector<std::string> PlotIds(const std::string& html) {
  std::vector<std::string> ids;
  const std::string key = "data-plot=\"";
  for (size_t at = html.find(key); at != std::string::npos; at = html.find(key, at + 1)) {
    const size_t begin = at + key.size();
    ids.push_back(html.substr(begin, html.find('"', begin) - begin));
  }
  return ids;
}

TEST(ReportRendering, DefaultScenarioReportDrawsEveryPlotInChromium) {
  if (!fs::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " is not installed (bash scripts/setup.sh --chromium)";
  }
  const fs::path dir = fs::absolute(fs::path(::testing::TempDir()) / "arbiter-render");
  fs::remove_all(dir);
  fs::create_directories(dir / "profile");
  SimulateArgs args;
  args.scenario = "examples/frontier-lab.yaml";
  args.out = (dir / "out").string();
  args.report = (dir / "report.html").string();
  args.quiet = true;
  ASSERT_EQ(RunSimulate(args, stdout, stderr), 0);
  const std::string html = Slurp(dir / "report.html");
  const std::vector<std::string> plots = PlotIds(html);
  // Three providers' use, two queue lengths, delay, completion times, three cost plots, six of
  // the capacity market (the lab's primary holds a right of first refusal) and (the rival
  // preempts spot work) three of lost work: its cost, where it was lost, restarts.
  ASSERT_EQ(plots.size(), 19u);
  ASSERT_EQ(CountOf(html, "<svg"), plots.size());

  // The DOM after Chromium has loaded and parsed the page: every plot is still an <svg> element
  // with all its series.
  // A headless browser can fail to start on a loaded machine: each command gets a second try.
  int status = 0;
  const auto twice = [&status](const std::string& command) {
    std::string out = Output(command, &status);
    if (status != 0) out = Output(command, &status);
    return out;
  };
  const std::string dom =
      twice("timeout 120 " + std::string(kChromium) +
            " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
            " --disable-background-networking --disable-component-update --disable-sync"
            " --user-data-dir=" +
            (dir / "profile").string() + " --dump-dom file://" + (dir / "report.html").string() +
            " 2>/dev/null");
  ASSERT_EQ(status, 0) << "chromium --dump-dom failed";
  EXPECT_EQ(CountOf(dom, "<svg"), plots.size());
  for (const std::string& id : plots) {
    const std::string source = PlotSvg(html, id);
    const std::string parsed = PlotSvg(dom, id);
    ASSERT_FALSE(parsed.empty()) << id << " is not in the browser's DOM";
    EXPECT_EQ(CountOf(parsed, "data-series=\""), CountOf(source, "data-series=\"")) << id;
    EXPECT_EQ(CountOf(parsed, "<path"), CountOf(source, "<path")) << id;
    EXPECT_EQ(CountOf(parsed, "<rect"), CountOf(source, "<rect")) << id;
  }

  // The documented screenshot command draws the whole page into a PNG.
  const fs::path png = dir / "report.png";
  twice("bash scripts/screenshot.sh " + (dir / "report.html").string() + " " + png.string() +
        " 1280 >/dev/null 2>&1");
  ASSERT_EQ(status, 0) << "scripts/screenshot.sh failed";
  const std::string image = Slurp(png);
  ASSERT_GT(image.size(), 24u);
  EXPECT_EQ(image.substr(0, 8), "\x89PNG\r\n\x1a\n");
  const auto be32 = [&image](size_t at) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(image[at])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(image[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(image[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(image[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);  // IHDR width
  EXPECT_GT(be32(20), 2000u);  // the page's estimated height: the whole report
  // A blank page compresses to a few kilobytes; plots and text take far more.
  EXPECT_GT(image.size(), 100'000u);
}

TEST(ReportOption, IsWrittenAllOrNothingWithTheOtherOutputs) {
  const fs::path dir = fs::absolute(fs::path(::testing::TempDir()) / "arbiter-report-option");
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "file") << "not a directory";
  SimulateArgs args;
  args.scenario = "examples/frontier-lab.yaml";
  args.overrides = {"workloads[0].limit=50"};
  args.out = (dir / "out").string();
  args.quiet = true;
  // The report cannot be written (its directory would be inside a file): nothing is.
  args.report = (dir / "file" / "report.html").string();
  std::FILE* err = std::tmpfile();
  EXPECT_EQ(RunSimulate(args, stdout, err), 1);
  std::fclose(err);
  EXPECT_FALSE(fs::exists(dir / "out" / "jobs.csv"));
  EXPECT_FALSE(fs::exists(dir / "out" / "summary.json"));
  for (const auto& entry : fs::directory_iterator(dir / "out")) ADD_FAILURE() << entry.path();
  // A report in a directory of its own, created on the way, is written with the others.
  args.report = (dir / "reports" / "run.html").string();
  ASSERT_EQ(RunSimulate(args, stdout, stderr), 0);
  EXPECT_TRUE(fs::exists(dir / "out" / "jobs.csv"));
  const std::string html = Slurp(dir / "reports" / "run.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("data-plot=\"jct-cdf\""), std::string::npos);
}

}  // namespace
}  // namespace arbiter
