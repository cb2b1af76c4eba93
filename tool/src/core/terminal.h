// Text from a server, a manifest or a file name, made safe for one human-readable line:
// control characters, ESC, DEL, C1 controls, bidirectional overrides and bytes that are
// not UTF-8 are shown as escapes (\n, \t, \x1b, \u202e), so nothing a store or a file name
// says can move the cursor, retitle the terminal or forge a line of xship's own. Printable
// text, UTF-8 included, passes unchanged. --json output carries the exact strings instead.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace xship {

std::string printable(std::string_view text);
// The same, cut after `max_bytes` bytes of input with "..." marking the cut.
std::string printable(std::string_view text, std::size_t max_bytes);

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text);

}  // namespace xship
