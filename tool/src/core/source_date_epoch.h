// SOURCE_DATE_EPOCH (reproducible-builds.org/specs/source-date-epoch): the one fixed time
// every build stamp and archive entry takes, parsed the same way by every command.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace xship {

// Seconds since 1970-01-01 UTC in decimal digits only, as `date +%s` prints them: no sign,
// spaces or fraction, at most INT64_MAX. Anything else is a Usage error naming the variable
// and what it must hold.
Result<std::int64_t> parse_source_date_epoch(std::string_view text);

}  // namespace xship
