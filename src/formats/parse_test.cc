#include "formats/parse.h"

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "formats/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(ParseError, NamesFileLineFieldAndWhatWasExpected) {
  const absl::Status s = ParseError({"jobs.csv", 12, "submit"}, "'x' is wrong", "an integer");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(s), "jobs.csv:12: submit: 'x' is wrong; expected an integer");
}

TEST(ParseError, LeavesOutWhatIsNotKnown) {
  // Line 0 is "the whole file"; an empty field and an empty expectation are left out.
  EXPECT_EQ(Message(ParseError({"t.json", 0, "v100"}, "not an object")),
            "t.json: v100: not an object");
  EXPECT_EQ(Message(ParseError({"a.trace", 3, {}}, "6 fields", "7")),
            "a.trace:3: 6 fields; expected 7");
  EXPECT_EQ(Message(ParseError({"f", 0, {}}, "empty")), "f: empty");
}

TEST(ParseInt, AcceptsWholeDecimalIntegersOnly) {
  EXPECT_EQ(ParseInt("0"), 0);
  EXPECT_EQ(ParseInt("42"), 42);
  EXPECT_EQ(ParseInt("-7"), -7);
  EXPECT_EQ(ParseInt("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt("-9223372036854775808"), INT64_MIN);
  for (const char* bad :
       {"", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "12a", "-", "9223372036854775808"}) {
    EXPECT_EQ(ParseInt(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(ParseDouble, AcceptsFiniteNumbersOnly) {
  EXPECT_EQ(ParseDouble("1.5"), 1.5);
  EXPECT_EQ(ParseDouble("-2"), -2.0);
  EXPECT_EQ(ParseDouble("1e3"), 1000.0);
  EXPECT_EQ(ParseDouble("266564.000000"), 266564.0);
  EXPECT_EQ(ParseDouble("0.000001"), 1e-6);
  for (const char* bad : {"", "nan", "inf", "-inf", "1.5x", " 1", "1 ", "1e400", "0x1p3", "."}) {
    EXPECT_EQ(ParseDouble(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(ParseIntField, ReturnsValuesInRange) {
  EXPECT_EQ(*ParseIntField("5", {"f", 1, "n"}, 1, 10), 5);
  EXPECT_EQ(*ParseIntField("1", {"f", 1, "n"}, 1, 10), 1);
  EXPECT_EQ(*ParseIntField("10", {"f", 1, "n"}, 1, 10), 10);
  EXPECT_EQ(*ParseIntField("-3", {"f", 1, "n"}), -3);
}

TEST(ParseIntField, NotAnIntegerSaysWhatRangeWasExpected) {
  const absl::StatusOr<int64_t> v = ParseIntField("abc", {"x.csv", 4, "nodes"}, 1);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(Message(v.status()),
            "x.csv:4: nodes: 'abc' is not an integer; expected an integer >= 1");
  EXPECT_EQ(Message(ParseIntField("1.5", {"x.csv", 4, "n"}).status()),
            "x.csv:4: n: '1.5' is not an integer; expected an integer");
}

TEST(ParseIntField, OutOfRange) {
  EXPECT_EQ(Message(ParseIntField("0", {"x.csv", 2, "accelerators"}, 1).status()),
            "x.csv:2: accelerators: 0 is out of range; expected an integer >= 1");
  EXPECT_EQ(Message(ParseIntField("1001", {"p.csv", 9, "gpu_milli"}, 0, 1000).status()),
            "p.csv:9: gpu_milli: 1001 is out of range; expected an integer in [0, 1000]");
  EXPECT_EQ(Message(ParseIntField("-1", {"p.csv", 9, "gpu_milli"}, 0, 1000).status()),
            "p.csv:9: gpu_milli: -1 is out of range; expected an integer in [0, 1000]");
}

TEST(ParseDoubleField, ChecksNumberAndRange) {
  EXPECT_EQ(*ParseDoubleField("2.5", {"t", 1, "w"}, 0, 10), 2.5);
  EXPECT_EQ(Message(ParseDoubleField("soon", {"a.trace", 3, "arrival_time"}, 0, 1e12).status()),
            "a.trace:3: arrival_time: 'soon' is not a number; expected a number in [0, 1e+12]");
  EXPECT_EQ(Message(ParseDoubleField("-5", {"a.trace", 3, "arrival_time"}, 0, 1e12).status()),
            "a.trace:3: arrival_time: -5 is out of range; expected a number in [0, 1e+12]");
}

TEST(ReadFile, ReadsBytesExactly) {
  testing::ScratchDir dir;
  const std::string contents("a,b\r\nc\0d\n", 9);
  const std::string path = dir.Write("f.csv", contents);
  absl::StatusOr<std::string> got = ReadFile(path);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, contents);
  EXPECT_EQ(*ReadFile(dir.Write("empty", "")), "");
}

TEST(ReadFile, MissingFileIsNotFoundAndNamesIt) {
  testing::ScratchDir dir;
  const std::string path = dir.File("nope.yaml");
  const absl::StatusOr<std::string> got = ReadFile(path);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(got.status()), path + ": no such file");
}

TEST(ReadFile, DirectoryIsAnError) {
  testing::ScratchDir dir;
  const absl::StatusOr<std::string> got = ReadFile(dir.path().string());
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(Message(got.status()), HasSubstr(dir.path().string()));
  EXPECT_THAT(Message(got.status()), HasSubstr("is a directory, expected a file"));
}

TEST(ReadFile, ReadsRealDataFromTheRepositoryRoot) {
  // Tests run in the repository root; the header of the Alibaba node list is its first line.
  const absl::StatusOr<std::string> got =
      ReadFile("data/alibaba-gpu-v2023/openb_node_list_gpu_node.csv");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->substr(0, got->find('\n')), "sn,cpu_milli,memory_mib,gpu,model");
}

TEST(ReadFile, DevicesFifosAndSocketsAreRefusedWithoutReadingOrWaiting) {
  // /dev/zero would be read without end, a FIFO without a writer would wait for ever.
  for (const char* device : {"/dev/zero", "/dev/null", "/dev/urandom"}) {
    const absl::StatusOr<std::string> got = ReadFile(device);
    ASSERT_FALSE(got.ok()) << device;
    EXPECT_EQ(Message(got.status()),
              StrCat(device,
                     ": is not a regular file (a FIFO, a socket or a device); expected "
                     "a file"));
  }
  testing::ScratchDir dir;
  const std::string fifo = dir.File("scenario.yaml");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const absl::StatusOr<std::string> got = ReadFile(fifo);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(Message(got.status()), HasSubstr("is not a regular file"));
}

TEST(ReadFile, AFileLargerThanTheLimitIsRefusedUnread) {
  testing::ScratchDir dir;
  const std::string path = dir.Write("big.yaml", std::string(2048, 'x'));
  EXPECT_TRUE(ReadFile(path, 2048).ok());
  const absl::StatusOr<std::string> got = ReadFile(path, 1024);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(Message(got.status()),
            StrCat(path, ": 2048 bytes is larger than 1024 bytes; expected a smaller file"));
}

TEST(CheckUtf8, NamesTheLineAndColumnOfTheFirstBadByte) {
  EXPECT_TRUE(CheckUtf8("s.yaml", "name: caf\xC3\xA9\n").ok());
  EXPECT_EQ(Message(CheckUtf8("s.yaml", "name: x\ntenants:\n  - {name: la\xFF}\n")),
            "s.yaml:3: byte 0xFF at column 14 is not UTF-8; expected UTF-8 text");
  EXPECT_EQ(Message(CheckUtf8("--set 'name=\xC0\xAF'", "name=\xC0\xAF")),
            "--set 'name=\xC0\xAF':1: byte 0xC0 at column 6 is not UTF-8; expected UTF-8 text");
}

TEST(CheckName, NotEmptyAndUtf8) {
  EXPECT_TRUE(CheckName("lab \xE2\x82\xAC", {"s.yaml", 3, "tenants[0].name"}).ok());
  EXPECT_EQ(Message(CheckName("", {"s.yaml", 3, "name"})),
            "s.yaml:3: name: empty; expected a name");
  EXPECT_EQ(Message(CheckName("la\xFF"
                              "b",
                              {"jobs.csv", 2, "name"})),
            "jobs.csv:2: name: byte 0xFF at offset 2 is not UTF-8; expected a UTF-8 name");
}

TEST(ResolvePath, RelativeToTheDirectoryOfTheReferringFile) {
  EXPECT_EQ(ResolvePath("examples/frontier-lab.yaml", "../data/gavel/x.trace"),
            "data/gavel/x.trace");
  EXPECT_EQ(ResolvePath("a/b/c.yaml", "./d/e.csv"), "a/b/d/e.csv");
  EXPECT_EQ(ResolvePath("c.yaml", "jobs.csv"), "jobs.csv");
  EXPECT_EQ(ResolvePath("/srv/s/c.yaml", "jobs.csv"), "/srv/s/jobs.csv");
}

TEST(ResolvePath, AbsolutePathsStayAsTheyAre) {
  EXPECT_EQ(ResolvePath("examples/frontier-lab.yaml", "/data/x/../y.csv"), "/data/x/../y.csv");
}

}  // namespace
}  // namespace arbiter
