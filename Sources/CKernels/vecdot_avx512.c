#include "tk_internal.h"
tk_dot_fn tk_dot_avx512(int type) { (void)type; return NULL; }
int tk_dot_avx512_needs_vnni(int type) { (void)type; return 0; }
