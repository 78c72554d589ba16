#include "backends/local/ports.h"

#include <set>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace arbiter {
namespace {

// A probe that offers the scripted ports in turn, then 0; counts its calls.
struct Script {
  std::vector<int> ports;
  size_t next = 0;
  int calls = 0;
  PortBook::Probe probe() {
    return [this] {
      ++calls;
      return next < ports.size() ? ports[next++] : 0;
    };
  }
};

TEST(PortBook, APortTheOsOffersAgainIsNotGivenToASecondLiveRun) {
  Script script{{5000, 5000, 5001, 5000}};
  PortBook book(script.probe());
  PortBook::Hold first = book.Take();
  EXPECT_EQ(first.port(), 5000);
  PortBook::Hold second = book.Take();  // 5000 again, held: the next probe's 5001
  EXPECT_EQ(second.port(), 5001);
  EXPECT_EQ(script.calls, 3);
  EXPECT_TRUE(book.held(5000));
  first = PortBook::Hold();  // the first run ended
  EXPECT_FALSE(book.held(5000));
  EXPECT_EQ(book.Take().port(), 5000);  // free again
}

TEST(PortBook, GivesUpAfterKTriesOfHeldPortsOrAFailedProbe) {
  std::vector<int> same(PortBook::kTries + 1, 7000);
  Script script{same};
  PortBook book(script.probe());
  PortBook::Hold held = book.Take();
  ASSERT_EQ(held.port(), 7000);
  EXPECT_EQ(book.Take().port(), 0);
  EXPECT_EQ(script.calls, 1 + PortBook::kTries);

  Script none{{}};
  PortBook empty(none.probe());
  EXPECT_EQ(empty.Take().port(), 0);
  EXPECT_EQ(none.calls, 1);
}

TEST(PortBook, RecoveredRunsSharingAPortHoldItUntilBothEnd) {
  Script script{{6000, 6001}};
  PortBook book(script.probe());
  PortBook::Hold a = book.Adopt(6000);
  PortBook::Hold b = book.Adopt(6000);
  EXPECT_EQ(book.Take().port(), 6001);  // 6000 is held: skipped
  a = PortBook::Hold();
  EXPECT_TRUE(book.held(6000));
  PortBook::Hold moved = std::move(b);  // a move keeps the hold
  EXPECT_TRUE(book.held(6000));
  moved = PortBook::Hold();
  EXPECT_FALSE(book.held(6000));
  EXPECT_EQ(book.Adopt(0).port(), 0);
}

TEST(PortBook, TheProcessBookHandsOutDistinctFreeLoopbackPorts) {
  std::vector<PortBook::Hold> holds;
  for (int i = 0; i < 32; ++i) holds.push_back(PortBook::Process().Take());
  std::set<int> ports;
  for (const PortBook::Hold& h : holds) {
    EXPECT_GT(h.port(), 0);
    ports.insert(h.port());
  }
  EXPECT_EQ(ports.size(), holds.size());
}

}  // namespace
}  // namespace arbiter
