#include "core/terminal.h"

#include <cstdint>

namespace xship {

namespace {

// The length of the valid UTF-8 sequence starting at s[i] and its code point; 0 when the
// byte there starts none (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n;
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    n = 1;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 2;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 3;
    cp = c & 0x07;
  } else
    return 0;
  if (i + n >= s.size()) return 0;  // truncated sequence
  for (std::size_t k = 1; k <= n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n + 1;
}

// Code points a terminal acts on rather than shows: C0, DEL, C1, and the bidirectional
// embeddings, overrides and isolates that reorder what is displayed ("Trojan source").
bool is_control(std::uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

void append_escape(std::string& out, std::uint32_t cp, bool byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (cp) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (byte || cp < 0x80) {
    out += "\\x";
    out.push_back(kHex[(cp >> 4) & 0xF]);
    out.push_back(kHex[cp & 0xF]);
    return;
  }
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(cp >> shift) & 0xF]);
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size() && i < max_bytes) {
    std::uint32_t cp = 0;
    std::size_t n = utf8_sequence(text, i, cp);
    if (n == 0) {
      append_escape(out, static_cast<unsigned char>(text[i]), true);
      n = 1;
    } else if (is_control(cp)) {
      append_escape(out, cp, false);
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  if (i < text.size()) out += "...";
  return out;
}

std::string printable(std::string_view text) { return printable(text, text.size()); }

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    std::size_t n = utf8_sequence(text, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace xship
