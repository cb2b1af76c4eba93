// The response side of HTTP as libcurl hands it over: the status line and header fields
// one line at a time, and the body of a reply that is kept in memory. Pure (no I/O), so
// the http_response fuzzer reaches exactly what net/http.cpp runs. Everything is bounded:
// a store cannot make xship hold more than these limits, however much it sends.
#pragma once
#include <cstddef>
#include <string_view>

#include "net/http.h"

namespace xship::net {

inline constexpr std::size_t kMaxHeaderFields = 200;  // per response; S3 sends about 15
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;  // names and values together
inline constexpr std::size_t kErrorBodyKept = 8 * 1024;  // an <Error> document is well under 1 KiB
inline constexpr std::size_t kMaxReplyBody = 32 << 20;  // a listing page of 1,000 long keys is ~1.5 MiB

// Adds one head line ("HTTP/1.1 200 OK\r\n" or "Name: value\r\n") to `resp`. A status line
// starts a new response (after 100 Continue) and resets the fields. False when the head
// exceeds kMaxHeaderFields or kMaxHeaderBytes: the transfer is then stopped.
bool add_head_line(std::string_view line, HttpResponse& resp);

// Keeps `n` more bytes of a reply body that is not streamed to a sink.
enum class BodyKeep {
  More,  // keep reading
  Enough,  // an error reply: its first kErrorBodyKept bytes are kept, the rest is not read
  TooLarge,  // a success reply over kMaxReplyBody: refused
};
BodyKeep keep_body(HttpResponse& resp, const char* data, std::size_t n);

}  // namespace xship::net
