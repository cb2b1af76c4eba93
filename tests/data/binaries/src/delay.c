#include <stdio.h>
#include <windows.h>
int main(int argc, char** argv) {
  if (argc > 1) MessageBeep(MB_OK);  /* USER32 is loaded only when this first runs */
  printf("hello from %s\n", argv[0]);
  return 0;
}
