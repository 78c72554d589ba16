#include "formats/yaml_checks.h"

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "formats/parse.h"
#include "model/strings.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/mark.h"
#include "yaml-cpp/parser.h"

namespace arbiter {
namespace {

struct StructureError {
  int64_t line = 0;
  std::string path;
  std::string problem;
  std::string expected;
};

int64_t LineOf(const YAML::Mark& mark) { return mark.line >= 0 ? mark.line + 1 : 0; }

// Follows the parser's events with a stack of the open maps and lists.
class StructureCheck : public YAML::EventHandler {
 public:
  explicit StructureCheck(std::string_view root_path) : root_path_(root_path) {}

  int documents() const { return documents_; }
  // The first key that is not a single value or is there twice (parsing goes on after it, so that
  // a syntax error further on is reported first: it is likely the cause).
  const std::optional<StructureError>& key_error() const { return key_error_; }
  int64_t second_document_line() const { return second_document_line_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ == 2) second_document_line_ = LineOf(mark);
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    Node(mark, Kind::kNull, {});
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    Node(mark, Kind::kAlias, {});
  }
  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                const std::string& value) override {
    Node(mark, Kind::kScalar, value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                       YAML::anchor_t /*anchor*/, YAML::EmitterStyle::value /*style*/) override {
    Open(mark, false);
  }
  void OnSequenceEnd() override { stack_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {
    Open(mark, true);
  }
  void OnMapEnd() override { stack_.pop_back(); }

 private:
  enum class Kind { kScalar, kNull, kAlias, kList, kMap };

  struct Level {
    bool map = false;
    bool expect_key = true;
    std::string path;
    size_t index = 0;                     // lists: the next item's index
    std::map<std::string, int64_t> keys;  // maps: each key and its line
    std::string key;                      // maps: the key whose value comes next
  };

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : StrCat(path, ".", key);
  }

  // Handles one node (a key, a value or a list item) and returns its key path; throws on a key
  // that is not a single value or that the map already has.
  std::string Node(const YAML::Mark& mark, Kind kind, const std::string& value) {
    if (stack_.empty()) return root_path_;
    Level& top = stack_.back();
    if (!top.map) return StrCat(top.path, "[", top.index++, "]");
    if (!top.expect_key) {
      top.expect_key = true;
      return Join(top.path, top.key);
    }
    if (kind != Kind::kScalar) {
      const char* what = kind == Kind::kNull    ? "null"
                         : kind == Kind::kAlias ? "an alias"
                         : kind == Kind::kList  ? "a list"
                                                : "a map";
      if (!key_error_) {
        key_error_ = StructureError{LineOf(mark), top.path, StrCat("a key that is ", what),
                                    "keys that are single values, e.g. name"};
      }
      top.key = "?";
      top.expect_key = false;
      return Join(top.path, top.key);
    }
    auto [it, inserted] = top.keys.emplace(value, LineOf(mark));
    if (!inserted && !key_error_) {
      key_error_ = StructureError{LineOf(mark), Join(top.path, value),
                                  StrCat("the key '", value, "' appears twice in one map (lines ",
                                         it->second, " and ", LineOf(mark), ")"),
                                  "each key once"};
    }
    top.key = value;
    top.expect_key = false;
    return {};
  }

  void Open(const YAML::Mark& mark, bool map) {
    std::string path = Node(mark, map ? Kind::kMap : Kind::kList, {});
    if (stack_.size() >= static_cast<size_t>(kMaxYamlDepth)) {
      throw StructureError{LineOf(mark), path, "nested too deep",
                           StrCat("at most ", kMaxYamlDepth, " levels of lists and maps")};
    }
    Level level;
    level.map = map;
    level.path = std::move(path);
    stack_.push_back(std::move(level));
  }

  std::string root_path_;
  std::vector<Level> stack_;
  std::optional<StructureError> key_error_;
  int documents_ = 0;
  int64_t second_document_line_ = 0;
};

}  // namespace

absl::Status CheckYamlStructure(std::string_view file, std::string_view text,
                                std::string_view path) {
  std::istringstream in{std::string(text)};
  StructureCheck check(path);
  try {
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(check)) return absl::OkStatus();
    if (parser.HandleNextDocument(check) || check.documents() > 1) {
      return ParseError({file, check.second_document_line(), path}, "a second YAML document",
                        "one document (no second '---')");
    }
    if (const std::optional<StructureError>& e = check.key_error()) {
      return ParseError({file, e->line, e->path}, e->problem, e->expected);
    }
  } catch (const StructureError& e) {
    return ParseError({file, e.line, e.path}, e.problem, e.expected);
  } catch (const YAML::Exception& e) {
    return ParseError({file, LineOf(e.mark), path}, StrCat("not valid YAML: ", e.msg));
  }
  return absl::OkStatus();
}

}  // namespace arbiter
