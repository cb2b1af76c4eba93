#include "greeting.h"

#include <stdio.h>

int format_greeting(char* buf, size_t size, const char* os, const char* arch, const char* commit) {
  return snprintf(buf, size, "hello from %s/%s, commit %s", os, arch, commit ? commit : "unknown");
}
