// Checks of a YAML text's structure made before it is loaded into a tree, in one linear pass over
// the parser's events (aliases are not expanded, so a small text cannot make it work long):
//   - one document per text (a second one would be ignored by the loader);
//   - map keys are single values (not lists, maps or null), each at most once per map (yaml-cpp
//     keeps one of two equal keys silently);
//   - nesting at most kMaxYamlDepth deep (deeper input would only exhaust the stack).
// Errors name the text (`file`), the line and the key path, like every other parse error.
#ifndef ARBITER_FORMATS_YAML_CHECKS_H_
#define ARBITER_FORMATS_YAML_CHECKS_H_

#include <string_view>

#include "absl/status/status.h"

namespace arbiter {

inline constexpr int kMaxYamlDepth = 64;

// `path` is the key path of the text's root ("" for a scenario file; the key of an override for
// its value), so that errors name the full path.
absl::Status CheckYamlStructure(std::string_view file, std::string_view text,
                                std::string_view path = {});

}  // namespace arbiter

#endif  // ARBITER_FORMATS_YAML_CHECKS_H_
