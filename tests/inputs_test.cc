// End to end: the commands against hostile or mistaken input (issue 13). Every bad input is an
// exit status of 2 with a message that says where, and a run that fails writes nothing.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/sweep.h"
#include "cli_case.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/outcome.h"
#include "model/strings.h"
#include "nlohmann/json.hpp"

namespace arbiter {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::Slurp;
using testing::WriteTinyScenario;

constexpr char kJobs[] = "name,submit,accelerators,duration,types\na,0,8,3600,H100\n";

// Runs `command` with a temporary file as its stderr; returns its exit code, `err` its text.
template <typename Command>
int RunCapturing(Command command, std::string* err) {
  std::FILE* file = std::tmpfile();
  const int code = command(file);
  std::rewind(file);
  std::ostringstream text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), file)) > 0;) text.write(buf, n);
  std::fclose(file);
  *err = text.str();
  return code;
}

int Validate(const std::string& scenario, std::string* err,
             const std::vector<std::string>& overrides = {}) {
  std::FILE* out = std::tmpfile();
  const int code =
      RunCapturing([&](std::FILE* e) { return RunValidate(scenario, overrides, out, e); }, err);
  std::fclose(out);
  return code;
}

int Simulate(SimulateArgs args, std::string* err) {
  args.quiet = true;
  return RunCapturing([&](std::FILE* e) { return RunSimulate(args, stdout, e); }, err);
}

std::vector<std::string> Listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Inputs, ValidateRefusesDevicesAndFifosWithoutReadingOrWaiting) {
  std::string err;
  EXPECT_EQ(Validate("/dev/zero", &err), 2);
  EXPECT_EQ(err,
            "arbiter: /dev/zero: is not a regular file (a FIFO, a socket or a device); expected a "
            "file\n");
  const fs::path dir = WriteTinyScenario("inputs-fifo", "fifo", kJobs);
  ASSERT_EQ(::mkfifo((dir / "pipe.yaml").c_str(), 0600), 0);
  EXPECT_EQ(Validate((dir / "pipe.yaml").string(), &err), 2);
  EXPECT_THAT(err, HasSubstr("pipe.yaml: is not a regular file"));
  // A trace that is a FIFO, too.
  ASSERT_EQ(::mkfifo((dir / "fifo.csv").c_str(), 0600), 0);
  EXPECT_EQ(Validate((dir / "s.yaml").string(), &err, {"workloads[0].path=fifo.csv"}), 2);
  EXPECT_THAT(err, HasSubstr("--set 'workloads[0].path=fifo.csv': workloads[0].path: "));
  EXPECT_THAT(err, HasSubstr("fifo.csv: is not a regular file"));
}

TEST(Inputs, ValidateRunsEveryCheckSimulateRuns) {
  const fs::path dir = WriteTinyScenario("inputs-validate", "validate", kJobs);
  const std::string scenario = (dir / "s.yaml").string();
  std::string err;
  EXPECT_EQ(Validate(scenario, &err), 0) << err;
  // Each of these said "ok" and then failed in simulate, without a place.
  EXPECT_EQ(Validate(scenario, &err, {"policy=fifoo"}), 2);
  EXPECT_THAT(err, HasSubstr("--set 'policy=fifoo': policy: unknown scheduling policy 'fifoo'; "
                             "expected one of "));
  EXPECT_EQ(Validate(scenario, &err, {"providers[0].agent.policy=greedy"}), 2);
  EXPECT_THAT(err, HasSubstr("providers[0].agent.policy: unknown agent policy 'greedy'"));
  EXPECT_EQ(Validate(scenario, &err,
                     {"contracts[0]={tenant: lab, provider: p, kind: commitment, type: H100, "
                      "accelerators: 4, end: 1d, price: 1}"}),
            2);
  EXPECT_THAT(err, HasSubstr("contracts[0].accelerators: 4 accelerators are not whole nodes of "
                             "p/r/H100 (8 per node)"));
}

TEST(Inputs, ANameThatIsNotUtf8FailsBeforeTheRunAndWritesNothing) {
  const fs::path dir = WriteTinyScenario("inputs-utf8", "utf8", kJobs);
  SimulateArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.out = (dir / "out").string();
  args.overrides = {"tenants[0].name=la\xFF", "contracts[0].tenant=la\xFF"};
  std::string err;
  EXPECT_EQ(Simulate(args, &err), 2);
  EXPECT_EQ(err,
            "arbiter: --set 'tenants[0].name=la\xFF':1: byte 0xFF at column 19 is not UTF-8; "
            "expected UTF-8 text\n");
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(Inputs, MarketJsonlIsValidJsonWhateverTheNames) {
  const fs::path dir = WriteTinyScenario("inputs-json", "json \"quoted\" \\ name", kJobs);
  SimulateArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.out = (dir / "out").string();
  args.overrides = {"tenants[0].name='la\"b'", "contracts[0].tenant='la\"b'",
                    "workloads[0].tenant='la\"b'"};
  std::string err;
  ASSERT_EQ(Simulate(args, &err), 0) << err;
  std::istringstream lines(Slurp(dir / "out" / "market.jsonl"));
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_EQ(j["tenant"], "la\"b") << line;
  }
  EXPECT_GT(n, 0);
  EXPECT_EQ(nlohmann::json::parse(Slurp(dir / "out" / "summary.json"))["scenario"],
            "json \"quoted\" \\ name");
}

TEST(Inputs, AReportThatIsADirectoryOrAnOutputReplacesNothing) {
  const fs::path dir = WriteTinyScenario("inputs-report", "report", kJobs);
  SimulateArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.out = (dir / "out").string();
  std::string err;
  ASSERT_EQ(Simulate(args, &err), 0) << err;
  const std::string jobs = Slurp(dir / "out" / "jobs.csv");
  std::ofstream(dir / "out" / "jobs.csv") << "a marker\n";
  // --report naming a directory: refused before any output is replaced.
  args.report = (dir / "out").string();
  EXPECT_EQ(Simulate(args, &err), 1);
  EXPECT_THAT(err, HasSubstr(": it is a directory; expected a file name"));
  EXPECT_EQ(Slurp(dir / "out" / "jobs.csv"), "a marker\n");
  // --report naming the run's own jobs.csv.
  args.report = (dir / "out" / "jobs.csv").string();
  EXPECT_EQ(Simulate(args, &err), 1);
  EXPECT_THAT(err, HasSubstr("two outputs would be written to "));
  EXPECT_EQ(Slurp(dir / "out" / "jobs.csv"), "a marker\n");
  EXPECT_EQ(Listing(dir / "out"),
            (std::vector<std::string>{"jobs.csv", "market.jsonl", "summary.json"}));
  args.report.clear();
  ASSERT_EQ(Simulate(args, &err), 0) << err;
  EXPECT_EQ(Slurp(dir / "out" / "jobs.csv"), jobs);
}

TEST(Inputs, CommandLineNumbersAndNamesAreChecked) {
  const fs::path dir = WriteTinyScenario("inputs-args", "args", kJobs);
  SimulateArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.out = (dir / "out").string();
  std::string err;
  args.launch_parallel = 65;
  EXPECT_EQ(Simulate(args, &err), 2);
  EXPECT_EQ(err,
            "arbiter: --launch-parallel: 65 is out of range; expected an integer in [1, 64]\n");
  args.launch_parallel = 0;
  args.recovery = "same-zone";
  EXPECT_EQ(Simulate(args, &err), 2);
  EXPECT_EQ(err,
            "arbiter: --recovery: unknown recovery policy 'same-zone'; expected one of any-pool, "
            "on-demand, other-provider, same-pool\n");
  EXPECT_FALSE(fs::exists(dir / "out"));
  // What main() uses to read --seed and --launch-parallel: no sign, no wrap, no junk.
  EXPECT_EQ(ParseUnsignedArg("-1", 0, UINT64_MAX), std::nullopt);
  EXPECT_EQ(ParseUnsignedArg("18446744073709551615", 0, UINT64_MAX), UINT64_MAX);
  EXPECT_EQ(ParseUnsignedArg("18446744073709551616", 0, UINT64_MAX), std::nullopt);
  EXPECT_EQ(ParseUnsignedArg("0", 1, 64), std::nullopt);
  EXPECT_EQ(ParseUnsignedArg("2x", 1, 64), std::nullopt);
  EXPECT_EQ(ParseUnsignedArg("", 0, 9), std::nullopt);
  EXPECT_EQ(ParseUnsignedArg("64", 1, 64), 64u);
}

TEST(Inputs, HorizonReplacesTheScenariosEvenWhenLater) {
  // The scenario stops at 30 min; --horizon 2h must let the one-hour job finish (it was ignored
  // when later than the scenario's horizon).
  const fs::path dir = WriteTinyScenario("inputs-horizon", "horizon", kJobs);
  SimulateArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.out = (dir / "out").string();
  args.overrides = {"horizon=30m"};
  args.horizon = "2h";
  std::string err;
  ASSERT_EQ(Simulate(args, &err), 0) << err;
  EXPECT_THAT(Slurp(dir / "out" / "jobs.csv"), HasSubstr(",0,3600,p,p/r/H100,H100,8,"));
  args.horizon = "20m";
  ASSERT_EQ(Simulate(args, &err), 0) << err;
  EXPECT_THAT(Slurp(dir / "out" / "jobs.csv"), HasSubstr(",running,"));
  args.horizon = "2000000w";
  EXPECT_EQ(Simulate(args, &err), 2);
  EXPECT_THAT(err, HasSubstr("--horizon: '2000000w' is longer than the longest duration"));
}

TEST(Inputs, ASweepGridIsBoundedAndEachKeyIsOneAxis) {
  const fs::path dir = WriteTinyScenario("inputs-sweep", "sweep", kJobs);
  SweepArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.out = (dir / "out").string();
  args.quiet = true;
  std::string err;
  const auto sweep = [&] {
    return RunCapturing([&](std::FILE* e) { return RunSweep(args, stdout, e); }, &err);
  };
  // 64 axes of two values: 2^64 points, which wrapped to "0 points" and exit 0 before.
  for (int i = 0; i < 64; ++i) args.grid.push_back(StrCat("k", i, "=1,2"));
  EXPECT_EQ(sweep(), 2);
  EXPECT_EQ(err,
            "arbiter: --grid: the grid has more than 100000 points; expected a smaller grid\n");
  args.grid.resize(17);  // 131,072 points: the first count of axes over the bound
  EXPECT_EQ(sweep(), 2);
  args.grid.resize(16);
  args.grid.push_back("k3=5");  // a second axis of one key: one of them would be ignored
  EXPECT_EQ(sweep(), 2);
  EXPECT_EQ(err,
            "arbiter: --grid 'k3=5': the key k3 is already an axis; expected each key on one "
            "axis\n");
  // A --set of a key that is also an axis would be replaced at every point.
  args.grid = {"workloads[0].limit=1,2"};
  args.overrides = {"workloads[0].limit=5"};
  EXPECT_EQ(sweep(), 2);
  EXPECT_THAT(err, HasSubstr("--set 'workloads[0].limit=5': replaced by the later --set "
                             "'workloads[0].limit=1'"));
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(Inputs, OutputsMdListsEveryStateJobsCsvCanHold) {
  // jobs.csv's state column: JobStateName of every state, and not_submitted.
  const std::string doc = Slurp("docs/outputs.md");
  const size_t row = doc.find("| `state` |");
  ASSERT_NE(row, std::string::npos);
  const std::string line = doc.substr(row, doc.find('\n', row) - row);
  for (JobState state : {JobState::kPending, JobState::kRunning, JobState::kFinished,
                         JobState::kRejected, JobState::kStarting}) {
    EXPECT_THAT(line, HasSubstr(StrCat("`", JobStateName(state), "`")));
  }
  EXPECT_THAT(line, HasSubstr("`not_submitted`"));
}

}  // namespace
}  // namespace arbiter
