// types.c: block geometry of the ggml types CKernels knows, and which it supports.
// Limits: only the types in enum tk_type; IQ*, TQ*, MXFP4 are unknown (block size 0).
#include "tk_internal.h"

int64_t tk_type_block_elems(int type) {
    switch (type) {
    case TK_F32: case TK_F16: case TK_BF16: return 1;
    case TK_Q4_0: case TK_Q4_1: case TK_Q5_0: case TK_Q5_1: case TK_Q8_0: case TK_Q8_1: return QK;
    case TK_Q2_K: case TK_Q3_K: case TK_Q4_K: case TK_Q5_K: case TK_Q6_K: case TK_Q8_K: return QK_K;
    default: return 0;
    }
}

int64_t tk_type_block_bytes(int type) {
    switch (type) {
    case TK_F32: return 4;
    case TK_F16: case TK_BF16: return 2;
    case TK_Q4_0: return sizeof(blk_q4_0);
    case TK_Q4_1: return sizeof(blk_q4_1);
    case TK_Q5_0: return sizeof(blk_q5_0);
    case TK_Q5_1: return sizeof(blk_q5_1);
    case TK_Q8_0: return sizeof(blk_q8_0);
    case TK_Q8_1: return sizeof(blk_q8_1);
    case TK_Q2_K: return sizeof(blk_q2_K);
    case TK_Q3_K: return sizeof(blk_q3_K);
    case TK_Q4_K: return sizeof(blk_q4_K);
    case TK_Q5_K: return sizeof(blk_q5_K);
    case TK_Q6_K: return sizeof(blk_q6_K);
    case TK_Q8_K: return sizeof(blk_q8_K);
    default: return 0;
    }
}

int tk_type_supported(int type) { return tk_type_block_elems(type) > 0; }

int tk_vec_dot_type(int type) {
    switch (type) {
    case TK_F32: return TK_F32;
    case TK_F16: return TK_F16;
    case TK_BF16: return TK_BF16;
    case TK_Q4_0: case TK_Q5_0: case TK_Q8_0: return TK_Q8_0;
    case TK_Q4_1: case TK_Q5_1: return TK_Q8_1;
    case TK_Q2_K: case TK_Q3_K: case TK_Q4_K: case TK_Q5_K: case TK_Q6_K: return TK_Q8_K;
    default: return -1;
    }
}
