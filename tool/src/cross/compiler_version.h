// Which compiler builds a target here, as a line for build provenance.
#pragma once
#include <string>

#include "cross/targets.h"

namespace xship::cross {

// The first line of `CC --version` for the target's Debian C compiler (what xship build
// uses unless told otherwise), or a short reason it is unknown. Bounded: 10 s, one line
// of at most 200 printable characters.
std::string compiler_version(const Target& t);

}  // namespace xship::cross
