#include "formats/csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbiter {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Record {
  int64_t line;
  std::vector<std::string> fields;
  bool operator==(const Record&) const = default;
};

void PrintTo(const Record& r, std::ostream* os) {
  *os << "line " << r.line << ": [";
  for (const std::string& f : r.fields) *os << "<" << f << ">";
  *os << "]";
}

// Reads every record of `text`, or the first error.
absl::StatusOr<std::vector<Record>> ReadAll(std::string_view text, char separator = ',') {
  CsvReader reader("t.csv", text, separator);
  std::vector<Record> records;
  std::vector<std::string> fields;
  while (true) {
    absl::StatusOr<bool> got = reader.Next(fields);
    if (!got.ok()) return got.status();
    if (!*got) return records;
    records.push_back({reader.line(), fields});
  }
}

TEST(CsvReader, PlainRecordsWithLineNumbers) {
  const auto records = ReadAll("name,gpu\na,1\nb,2\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(Record{1, {"name", "gpu"}}, Record{2, {"a", "1"}},
                                    Record{3, {"b", "2"}}));
}

TEST(CsvReader, LastLineWithoutNewline) {
  const auto records = ReadAll("a,b\nc,d");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(Record{1, {"a", "b"}}, Record{2, {"c", "d"}}));
}

TEST(CsvReader, CrlfLineEnds) {
  const auto records = ReadAll("a,b\r\nc,d\r\n\r\ne,f\r\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records,
              ElementsAre(Record{1, {"a", "b"}}, Record{2, {"c", "d"}}, Record{4, {"e", "f"}}));
}

TEST(CsvReader, EmptyLinesAreSkippedButCounted) {
  const auto records = ReadAll("\n\na\n\n\nb\n\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(Record{3, {"a"}}, Record{6, {"b"}}));
}

TEST(CsvReader, EmptyFieldsAnywhere) {
  // openb_pod_list_default.csv has empty gpu_spec and, for pods never scheduled, an empty last
  // field (line 63: openb-pod-0061).
  const auto records =
      ReadAll(",x,\nopenb-pod-0061,11908,47104,1,1000,,BE,Pending,10001278,10001403,\n");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_THAT((*records)[0].fields, ElementsAre("", "x", ""));
  EXPECT_THAT((*records)[1].fields, ElementsAre("openb-pod-0061", "11908", "47104", "1", "1000", "",
                                                "BE", "Pending", "10001278", "10001403", ""));
}

TEST(CsvReader, QuotedFieldsWithSeparatorsQuotesAndNewlines) {
  const auto records = ReadAll("\"a,b\",\"say \"\"hi\"\"\",\"\"\n\"two\nlines\",x\nlast,y\n");
  ASSERT_TRUE(records.ok()) << records.status();
  // The record with a line break inside quotes begins on line 2; the next one is on line 4.
  EXPECT_THAT(*records, ElementsAre(Record{1, {"a,b", "say \"hi\"", ""}},
                                    Record{2, {"two\nlines", "x"}}, Record{4, {"last", "y"}}));
}

TEST(CsvReader, QuotedCrlfIsKept) {
  const auto records = ReadAll("\"a\r\nb\",c\r\nd,e\r\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(Record{1, {"a\r\nb", "c"}}, Record{3, {"d", "e"}}));
}

TEST(CsvReader, ByteOrderMarkIsNotPartOfTheFirstField) {
  const auto records = ReadAll("\xEF\xBB\xBFname,gpu\nx,1\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(Record{1, {"name", "gpu"}}, Record{2, {"x", "1"}}));
}

TEST(CsvReader, OtherSeparator) {
  const auto records = ReadAll("a\tb,c\t\"d\te\"\n", '\t');
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ElementsAre(Record{1, {"a", "b,c", "d\te"}}));
}

TEST(CsvReader, EmptyInputHasNoRecords) {
  const auto records = ReadAll("");
  ASSERT_TRUE(records.ok());
  EXPECT_THAT(*records, IsEmpty());
  const auto blank = ReadAll("\n\r\n\n");
  ASSERT_TRUE(blank.ok());
  EXPECT_THAT(*blank, IsEmpty());
}

TEST(CsvReader, UnterminatedQuoteNamesTheLineWhereTheRecordBegan) {
  CsvReader reader("pods.csv", "name,gpu\nok,1\n\"open,2\nmore,3\n");
  std::vector<std::string> fields;
  ASSERT_TRUE(*reader.Next(fields));
  ASSERT_TRUE(*reader.Next(fields));
  const absl::StatusOr<bool> got = reader.Next(fields);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(got.status().message()),
            "pods.csv:3: a quoted field is not closed; expected a closing '\"'");
  EXPECT_EQ(reader.file(), "pods.csv");
}

TEST(CsvHeader, FindsColumnsByName) {
  const absl::StatusOr<CsvHeader> h = CsvHeader::Make(
      {"sn", "cpu_milli", "memory_mib", "gpu", "model"}, {"sn", "gpu", "model"}, "n.csv");
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->size(), 5u);
  EXPECT_EQ(h->Find("sn"), 0);
  EXPECT_EQ(h->Find("gpu"), 3);
  EXPECT_EQ(h->Find("model"), 4);
  EXPECT_EQ(h->Find("GPU"), -1);
  EXPECT_EQ(h->Find(""), -1);
}

TEST(CsvHeader, MissingRequiredColumnNamesFileLineAndColumns) {
  const absl::StatusOr<CsvHeader> h =
      CsvHeader::Make({"sn", "cpu_milli", "gpus", "model"}, {"sn", "gpu", "model"}, "n.csv");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(std::string(h.status().message()),
            "n.csv:1: the header has no column 'gpu'; expected columns sn,gpu,model");
}

TEST(CsvHeader, MissingColumnErrorNamesTheHeadersOwnLine) {
  const absl::StatusOr<CsvHeader> h = CsvHeader::Make({"a"}, {"a", "b"}, "j.csv", 4);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(std::string(h.status().message()),
            "j.csv:4: the header has no column 'b'; expected columns a,b");
}

TEST(CsvHeader, AColumnNamedTwiceIsAnError) {
  const absl::StatusOr<CsvHeader> h =
      CsvHeader::Make({"name", "submit", "name"}, {"name"}, "jobs.csv", 1);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(std::string(h.status().message()),
            "jobs.csv:1: the header names column 'name' twice (columns 1 and 3); expected each "
            "column once");
}

TEST(CsvHeader, WithOptionalColumnsAnyOtherIsAnError) {
  const std::vector<std::string_view> optional = {"deadline", "priority"};
  EXPECT_TRUE(CsvHeader::Make({"name", "priority"}, {"name"}, "jobs.csv", 1, &optional).ok());
  const absl::StatusOr<CsvHeader> h =
      CsvHeader::Make({"name", "deadlien"}, {"name"}, "jobs.csv", 2, &optional);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(std::string(h.status().message()),
            "jobs.csv:2: unknown column 'deadlien'; expected columns among name,deadline,priority");
  // Without the list (a format defined elsewhere), other columns are allowed and not read.
  EXPECT_TRUE(CsvHeader::Make({"name", "deadlien"}, {"name"}, "pods.csv", 1).ok());
}

}  // namespace
}  // namespace arbiter
