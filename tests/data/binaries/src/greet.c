#include <stdio.h>
/* A shared library with a soname, a run path and a version of its own (greet.map). */
int greet(char* out, unsigned long size, const char* who) { return snprintf(out, size, "hello, %s", who); }
