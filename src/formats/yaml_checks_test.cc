#include "formats/yaml_checks.h"

#include <string>

#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

std::string Check(std::string_view yaml, std::string_view path = {}) {
  const absl::Status s = CheckYamlStructure("s.yaml", yaml, path);
  return s.ok() ? "ok" : std::string(s.message());
}

TEST(CheckYamlStructure, AcceptsScenariosWithAnchorsAndFlowStyle) {
  EXPECT_EQ(Check(""), "ok");
  EXPECT_EQ(Check("name: x\nproviders:\n  - {name: p, regions: [{name: r}]}\n"
                  "price: &p {on_demand: 2}\nother: *p\n"),
            "ok");
  // Equal keys in different maps are fine.
  EXPECT_EQ(Check("a: {name: x}\nb: {name: y}\nlist: [{name: 1}, {name: 2}]\n"), "ok");
}

TEST(CheckYamlStructure, ADuplicateKeyNamesBothLines) {
  EXPECT_EQ(Check("name: x\nhorizon: 1d\nname: y\n"),
            "s.yaml:3: name: the key 'name' appears twice in one map (lines 1 and 3); expected "
            "each key once");
  EXPECT_EQ(Check("providers:\n  - name: p\n    regions: []\n    name: q\n"),
            "s.yaml:4: providers[0].name: the key 'name' appears twice in one map (lines 2 and "
            "4); expected each key once");
  EXPECT_EQ(Check("price: {on_demand: 1, on_demand: 2}\n"),
            "s.yaml:1: price.on_demand: the key 'on_demand' appears twice in one map (lines 1 "
            "and 1); expected each key once");
}

TEST(CheckYamlStructure, KeysMustBeSingleValues) {
  EXPECT_EQ(Check("tenants:\n  - ? [a, b]\n    : 1\n"),
            "s.yaml:2: tenants[0]: a key that is a list; expected keys that are single values, "
            "e.g. name");
  EXPECT_EQ(Check("? {a: 1}\n: 2\n"),
            "s.yaml:1: a key that is a map; expected keys that are single values, e.g. name");
  EXPECT_EQ(Check("~: 1\n"),
            "s.yaml:1: a key that is null; expected keys that are single values, e.g. name");
  EXPECT_EQ(Check("a: &k x\n*k : 2\n"),
            "s.yaml:2: a key that is an alias; expected keys that are single values, e.g. name");
}

TEST(CheckYamlStructure, NestingIsBounded) {
  std::string deep;
  for (int i = 0; i < kMaxYamlDepth; ++i) deep += "[";
  for (int i = 0; i < kMaxYamlDepth; ++i) deep += "]";
  EXPECT_EQ(Check(deep), "ok");
  // Far deeper than the limit (deep enough to exhaust the stack of a recursive parser).
  const std::string deeper = std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_EQ(Check(deeper).substr(0, 9), "s.yaml:1:");
  EXPECT_NE(Check(deeper).find("nested too deep; expected at most 64 levels"), std::string::npos);
  std::string block = "a:\n";
  for (int i = 1; i <= 70; ++i) block += std::string(2 * i, ' ') + "b:\n";
  EXPECT_NE(Check(block).find("nested too deep"), std::string::npos);
}

TEST(CheckYamlStructure, OneDocument) {
  EXPECT_EQ(Check("name: x\n---\nname: y\n"),
            "s.yaml:2: a second YAML document; expected one document (no second '---')");
  EXPECT_EQ(Check("---\nname: x\n...\n"), "ok");
}

TEST(CheckYamlStructure, SyntaxErrorsAndTheOverridesPath) {
  EXPECT_EQ(Check("a: [1, 2\n").substr(0, 27), "s.yaml:2: not valid YAML: e");
  // An override's value is checked with its key as the root of every path.
  EXPECT_EQ(Check("{on_demand: 1, on_demand: 2}", "providers[0].regions[0].pools[0].price"),
            "s.yaml:1: providers[0].regions[0].pools[0].price.on_demand: the key 'on_demand' "
            "appears twice in one map (lines 1 and 1); expected each key once");
}

}  // namespace
}  // namespace arbiter
