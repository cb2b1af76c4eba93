#pragma once
#include <stddef.h>

/* Writes "hello from OS/ARCH, commit COMMIT" into buf; returns the length written, or
   the length needed when it does not fit (like snprintf). */
int format_greeting(char* buf, size_t size, const char* os, const char* arch, const char* commit);
