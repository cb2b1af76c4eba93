// The process environment, read through an injected lookup: code below the command line
// takes an EnvLookup, main passes process_env(), and tests pass a map.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace xship {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The one lookup over this process's environment (getenv).
EnvLookup process_env();

// A fixed environment, for tests and for callers that build one.
EnvLookup map_env(std::map<std::string, std::string> vars);

}  // namespace xship
