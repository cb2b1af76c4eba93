/* The project's own unit test, run by `make test` under the target's emulator. */
#include <stdio.h>
#include <string.h>

#include "greeting.h"

static int failures;

static void expect(int cond, const char* what) {
  if (!cond) {
    printf("FAIL: %s\n", what);
    ++failures;
  }
}

int main(void) {
  char buf[64];
  expect(format_greeting(buf, sizeof buf, "linux", "arm64", "abc") == 34, "length of a full line");
  expect(strcmp(buf, "hello from linux/arm64, commit abc") == 0, "text of a full line");
  format_greeting(buf, sizeof buf, "windows", "amd64", NULL);
  expect(strcmp(buf, "hello from windows/amd64, commit unknown") == 0, "missing commit");
  expect(format_greeting(buf, 8, "linux", "arm64", "abc") == 34 && strlen(buf) == 7, "truncation");
  if (failures) return 1;
  printf("greeting_test: all passed\n");
  return 0;
}
