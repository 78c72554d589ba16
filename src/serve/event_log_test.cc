#include "serve/event_log.h"

#include <string>
#include <vector>

#include "formats/testing.h"
#include "gtest/gtest.h"

namespace arbiter::serve {
namespace {

using arbiter::testing::ScratchDir;

std::vector<LogRecordView> ReadAll(EventLog& log, int64_t after, std::vector<std::string>& bodies) {
  std::vector<LogRecordView> out;
  bodies.clear();
  EXPECT_TRUE(log.Scan(after,
                       [&](const LogRecordView& r) {
                         out.push_back(r);
                         bodies.emplace_back(r.body);
                         return absl::OkStatus();
                       })
                  .ok());
  return out;
}

TEST(EventLogTest, AppendsInBatchesAndReadsBackAfterReopening) {
  ScratchDir dir;
  const std::string path = dir.File("events.db");
  {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_EQ((*log)->last_seq(), 0);
    const std::vector<LogRecord> first = {{5, 1, "a"}, {5, 2, std::string("b\0c", 3)}};
    ASSERT_TRUE((*log)->Append(first).ok());
    const std::vector<LogRecord> second = {{9, 3, ""}};
    ASSERT_TRUE((*log)->Append(second).ok());
    EXPECT_EQ((*log)->last_seq(), 3);
    EXPECT_EQ((*log)->commit_latency().Take().count, 2);
    ASSERT_TRUE((*log)->PutMeta("epoch", "1700000000").ok());
  }
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(path);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->last_seq(), 3);
  std::vector<std::string> bodies;
  const std::vector<LogRecordView> all = ReadAll(**log, 0, bodies);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].seq, 1);
  EXPECT_EQ(all[0].batch, 1);
  EXPECT_EQ(all[1].batch, 1);
  EXPECT_EQ(all[2].batch, 2);
  EXPECT_EQ((*log)->last_batch(), 2);
  EXPECT_EQ(all[0].time, 5);
  EXPECT_EQ(all[0].kind, 1);
  EXPECT_EQ(bodies[0], "a");
  EXPECT_EQ(bodies[1], std::string("b\0c", 3));
  EXPECT_EQ(all[2].seq, 3);
  EXPECT_EQ(all[2].time, 9);
  EXPECT_EQ(bodies[2], "");
  const std::vector<LogRecordView> tail = ReadAll(**log, 2, bodies);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].seq, 3);
  absl::StatusOr<std::optional<std::string>> epoch = (*log)->GetMeta("epoch");
  ASSERT_TRUE(epoch.ok());
  EXPECT_EQ(epoch->value_or(""), "1700000000");
  absl::StatusOr<std::optional<std::string>> missing = (*log)->GetMeta("nothing");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(EventLogTest, ScanStopsAtTheCallersError) {
  ScratchDir dir;
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(dir.File("events.db"));
  ASSERT_TRUE(log.ok());
  const std::vector<LogRecord> records = {{1, 1, "x"}, {1, 1, "y"}, {1, 1, "z"}};
  ASSERT_TRUE((*log)->Append(records).ok());
  int seen = 0;
  const absl::Status s = (*log)->Scan(0, [&](const LogRecordView& r) {
    ++seen;
    return r.seq == 2 ? absl::DataLossError("bad record 2") : absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(seen, 2);
}

// A batch that does not fit (as on a full disk) is refused whole: no record of it stays, the
// records committed before are intact, and a batch that fits is committed after it.
TEST(EventLogTest, AFullLogRefusesTheWholeBatch) {
  ScratchDir dir;
  const std::string path = dir.File("events.db");
  {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(path);
    ASSERT_TRUE(log.ok());
  }
  EventLogOptions options;
  options.max_pages = 8;  // 32 KiB with 4 KiB pages
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(path, options);
  ASSERT_TRUE(log.ok()) << log.status();
  const std::vector<LogRecord> small = {{1, 1, "small"}};
  ASSERT_TRUE((*log)->Append(small).ok());
  std::vector<LogRecord> big;
  big.reserve(40);
  for (int i = 0; i < 40; ++i) big.push_back({2, 1, std::string(2000, 'x')});
  const absl::Status full = (*log)->Append(big);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  EXPECT_NE(std::string(full.message()).find("full"), std::string::npos) << full;
  EXPECT_EQ((*log)->last_seq(), 1);
  ASSERT_TRUE((*log)->Append(small).ok());
  EXPECT_EQ((*log)->last_seq(), 2);
  std::vector<std::string> bodies;
  const std::vector<LogRecordView> all = ReadAll(**log, 0, bodies);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].seq, 2);
  EXPECT_EQ(all[1].batch, 2);  // the refused batch took no number
  EXPECT_EQ(bodies[1], "small");
}

}  // namespace
}  // namespace arbiter::serve
