#include "tk_internal.h"
tk_dot_fn tk_dot_avx2(int type) { (void)type; return NULL; }
